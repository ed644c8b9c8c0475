#include "reg/balanced_slabs.hpp"

#include <string>

#include "dist/slab_balance.hpp"

namespace ffdp {

SlabCuts slabCutsForRun(const Spec& spec, const Image& fixed, double miBackgroundVoxelCost, Comm& comm) {
  if (comm.size() <= 1 || !(miBackgroundVoxelCost < 1.0)) return nullptr;
  for (const StageSpec& stage : spec.stages) {
    if (stage.metric.kind != MetricKind::MI) continue;
    return balancedCuts(miSliceWork(comm, fixed, stage.metric.bins, miBackgroundVoxelCost), comm.size());
  }
  return nullptr;
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
