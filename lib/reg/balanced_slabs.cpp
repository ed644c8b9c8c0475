#include "reg/balanced_slabs.hpp"

#include <algorithm>
#include <string>

#include "dist/slab_balance.hpp"
#include "ops/cpu/intensity_range.hpp"

namespace ffdp {

const StageSpec* firstMiStage(const Spec& spec) {
  for (const StageSpec& stage : spec.stages)
    if (stage.metric.kind == MetricKind::MI) return &stage;
  return nullptr;
}

SlabCuts slabCutsForRun(const Spec& spec, const Image& fixed, double miBackgroundVoxelCost, Comm& comm) {
  const StageSpec* mi = firstMiStage(spec);
  if (comm.size() <= 1 || !(miBackgroundVoxelCost < 1.0) || !mi) return nullptr;
  // Background: the lowest of MI's bins over the whole image's range (reduced over the slabs).
  const cpu::IntensityRange range = cpu::intensityRange(fixed, comm);
  const double background = range.min + (range.max - range.min) / std::max(mi->metric.bins, 1);
  return balancedCuts(miSliceWork(comm, fixed, background, miBackgroundVoxelCost), comm.size());
}

std::string describeSlabs(const SlabLayout& layout) {
  std::string text = "slices";
  for (int r = 0; r < layout.ranks(); ++r) {
    const SliceRange own = layout.own(r);
    text += (r ? " | " : " ") + std::to_string(own.begin) + "-" + std::to_string(own.end);
  }
  return text;
}

}  // namespace ffdp
