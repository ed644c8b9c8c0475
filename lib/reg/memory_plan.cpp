#include "reg/memory_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include "dist/slab_balance.hpp"
#include "ops/cc_coefficient_groups.hpp"
#include "ops/moving_window.hpp"
#include "ops/moving_window_cache.hpp"
#include "reg/balanced_slabs.hpp"
#include "reg/greedy_level_support.hpp"
#include "reg/pyramid.hpp"

namespace ffdp {
namespace {

// Bytes per voxel of what every backend keeps (docs/engine.md, "Memory per voxel").
constexpr double kImage = 4, kMask = 1, kField = 12;
constexpr double kCcCoefficients = 24;  // A, B, C in double, per held centre

bool deformable(TransformKind k) { return k == TransformKind::Greedy || k == TransformKind::SyN; }

std::string megabytes(double bytes) {
  char s[32];
  std::snprintf(s, sizeof s, "%.0f MB", bytes / 1e6);
  return s;
}

// Voxels of a grid split over `ranks` z-slabs: the largest slab (slices differ by at most one).
double perRank(const Grid& g, int ranks) {
  const int64_t slices = (g.size[2] + ranks - 1) / ranks;
  return double(g.size[0] * g.size[1] * std::min<int64_t>(slices, g.size[2]));
}

// The largest slab when the slabs may be balanced by work (dist/slab_balance.hpp): up to
// kMaxBalancedSlabGrowth times the equal share, plus a slice of rounding.
double balancedPerRank(const Grid& g, int ranks) {
  const auto slices = int64_t(std::ceil(kMaxBalancedSlabGrowth * double(g.size[2]) / ranks)) + 1;
  return double(g.size[0] * g.size[1] * std::min<int64_t>(slices, g.size[2]));
}


// Voxels of the window a rank samples a slab-split image through (ops/moving_window_cache.hpp): its
// share of the slices plus the spare and margin slices on each side (the image's own extent at most).
// Assumes the fixed slab maps onto a moving range of the same share, as for images of similar extent.
double windowVoxels(const Grid& g, int ranks) {
  const int64_t share = (g.size[2] + ranks - 1) / ranks;
  const int64_t slices = share + 2 * (MovingWindowCache::kSpareSlices + kWindowMarginSlices + 1);
  return double(g.size[0] * g.size[1] * std::min<int64_t>(slices, g.size[2]));
}

struct Accounting {
  MemoryPlan plan;
  void add(const std::string& what, int64_t voxels, const std::vector<std::pair<std::string, double>>& parts) {
    MemoryPhase p;
    p.what = what;
    p.voxels = voxels;
    for (const auto& [name, bytes] : parts) {
      p.bytes += bytes;
      if (!p.breakdown.empty()) p.breakdown += ", ";
      p.breakdown += name + " " + megabytes(bytes);
    }
    if (p.bytes > plan.peakBytes) {
      plan.peakBytes = p.bytes;
      plan.peakPhase = p.what;
    }
    plan.phases.push_back(std::move(p));
  }
};

}  // namespace

const char* toString(MovingPlacement p) { return p == MovingPlacement::Sharded ? "sharded" : "replicated"; }

MemoryPlan planMemory(const Spec& spec, const Grid& fixed, const Grid& moving, bool withMasks, int ranks,
                      MovingPlacement placement, PlanBackend backend) {
  ranks = std::max(ranks, 1);
  const bool sharded = placement == MovingPlacement::Sharded && ranks > 1;
  const double mask = withMasks ? kMask : 0;
  // The moving image's voxels on one rank: all of them, or its slab; its mask is always whole.
  auto movingHeld = [&](const Grid& m) { return sharded ? perRank(m, ranks) : double(m.voxels()); };
  // An MI run on GPUs balances the fixed slabs by MI work, so a rank may hold more than its equal share
  // of every fixed-grid volume; the plan allows for the largest balanced slab (on the CPU, an upper bound).
  const bool balanced = ranks > 1 && firstMiStage(spec) != nullptr;
  auto fixedHeld = [&](const Grid& f) { return balanced ? balancedPerRank(f, ranks) : perRank(f, ranks); };
  const double Vf = fixedHeld(fixed), Vm = double(moving.voxels());
  const double inputs = kImage * (Vf + movingHeld(moving)) + mask * (Vf + Vm);

  // Pyramid levels other than the inputs themselves, kept while any later stage still uses them: at most
  // every distinct level of the run at once (an upper bound; coarse levels are small).
  std::map<std::pair<int, double>, double> levels;
  for (const StageSpec& s : spec.stages)
    for (size_t l = 0; l < s.shrinkFactors.size(); ++l) {
      if (s.iterations[l] == 0) continue;
      const int shrink = s.shrinkFactors[l];
      const double sigma = s.smoothingSigmas[l];
      if (shrink == 1 && sigma == 0) continue;  // the pyramid hands out the input itself
      const Grid f = fixed.shrunk(axisShrink(fixed, shrink)), m = moving.shrunk(axisShrink(moving, shrink));
      levels[{shrink, sigma}] = kImage * (fixedHeld(f) + movingHeld(m)) + mask * (fixedHeld(f) + double(m.voxels()));
    }
  double levelImages = 0;
  for (const auto& entry : levels) levelImages += entry.second;

  Accounting acc;
  bool anyDeformable = false;
  Grid outputFieldGrid = fixed;  // where the deformable stage's result lies (coarser under a fieldShrink)
  for (size_t si = 0; si < spec.stages.size(); ++si) {
    const StageSpec& s = spec.stages[si];
    const bool field = deformable(s.transform);
    anyDeformable |= field;
    for (size_t l = 0; l < s.shrinkFactors.size(); ++l) {
      if (s.iterations[l] == 0) continue;
      const Grid g = fixed.shrunk(axisShrink(fixed, s.shrinkFactors[l]));
      const double v = fixedHeld(g);
      std::vector<std::pair<std::string, double>> parts{{"inputs", inputs}, {"level images", levelImages}};
      if (sharded)
        parts.push_back({"moving window", (kImage + mask) * windowVoxels(moving.shrunk(axisShrink(moving, s.shrinkFactors[l])), ranks)});
      // SyN samples the fixed level at the midpoint; on several ranks through a window of it.
      if (ranks > 1 && s.transform == TransformKind::SyN) parts.push_back({"fixed window", (kImage + mask) * windowVoxels(g, ranks)});
      // The metric's temporaries and the field smoothing's scratch field are not held together: the
      // larger of the two counts.
      double metricWork = 0;
      if (s.metric.kind == MetricKind::CC) {
        const double plane = double(g.size[0] * g.size[1]);
        const auto slabSlices = int64_t(std::llround(v / plane));
        const double held = backend == PlanBackend::Cuda
                                ? plane * double(ccCoefficientSlices(g.size[0], g.size[1], slabSlices, s.metric.radius))
                                : v;
        metricWork = kCcCoefficients * held;
      }
      double smoothingWork = 0;
      if (field) {
        // greedy: u, gradient, two Adam moments; SyN: that per half plus both images at the midpoint.
        // A fieldShrink keeps them on a coarser grid; the metric's gradient at the level's voxels is then
        // one more image-grid field before it is taken onto the field's grid (the CPU reference also holds
        // the field interpolated onto the level grid: 12 more bytes per voxel of host memory).
        const Grid fg = fieldGridFor(s, fixed, g, axisShrink(fixed, s.shrinkFactors[l]));
        const double halves = s.transform == TransformKind::SyN ? 2 : 1;
        parts.push_back({"fields", halves * 4 * kField * fixedHeld(fg)});
        if (!fg.sameAs(g)) metricWork += kField * v;
        smoothingWork = kField * fixedHeld(fg);
        if (s.transform == TransformKind::SyN) parts.push_back({"midpoint images", 2 * kImage * v});
        outputFieldGrid = fieldGridFor(s, fixed, fixed, {1, 1, 1});
      }
      if (metricWork >= smoothingWork && metricWork > 0)
        parts.push_back({"metric work", metricWork});
      else if (smoothingWork > 0)
        parts.push_back({"smoothing scratch", smoothingWork});
      char title[160];
      std::snprintf(title, sizeof title, "stage %zu (%s, %s) level %zu/%zu [%lldx%lldx%lld]", si + 1,
                    toString(s.transform), toString(s.metric.kind), l + 1, s.shrinkFactors.size(),
                    (long long)g.size[0], (long long)g.size[1], (long long)g.size[2]);
      acc.add(title, g.voxels(), parts);
    }
  }
  // After the stages: the warp and its inverse on the fixed grid (plus the stage's field that the warp
  // was taken from; both backends sweep the inverse in place, so no iterate), then the two warped
  // images and the inverse chain's field on the moving grid.
  const double Vu = fixedHeld(outputFieldGrid);
  if (anyDeformable)
    acc.add("warp and inverse warp", fixed.voxels(), {{"inputs", inputs}, {"fields", 3 * kField * Vu}});
  // Then the two warped images, one after the other, with the warp and its inverse still held: the warped
  // image on the fixed grid (a coarser warp interpolated onto that grid first), then the inverse warped
  // image and its chain's field on the moving grid, computed and written by slab of that grid.
  const double fields = anyDeformable ? 2 * kField * Vu : 0.0;
  const double warpOnFixedGrid = anyDeformable && !outputFieldGrid.sameAs(fixed) ? kField * Vf : 0.0;
  std::vector<std::pair<std::string, double>> warped{
      {"inputs", inputs}, {"fields", fields + warpOnFixedGrid}, {"warped image", kImage * Vf}};
  const double VmSlab = perRank(moving, ranks);
  std::vector<std::pair<std::string, double>> inverseWarped{
      {"inputs", inputs},
      {"fields", fields + (anyDeformable ? kField * VmSlab : 0.0)},
      {"inverse warped image", kImage * VmSlab}};
  // Several ranks: the slices of the fixed image and of the inverse field that the moving slab reads,
  // fetched from their owners (apps/ffdp-register/inverse_warped_slabs.hpp); about a slab each.
  if (ranks > 1)
    inverseWarped.push_back({"fetched windows", kImage * windowVoxels(fixed, ranks) +
                                                    (anyDeformable ? kField * windowVoxels(outputFieldGrid, ranks) : 0.0)});
  if (sharded) warped.push_back({"moving window", kImage * windowVoxels(moving, ranks)});
  acc.add("warped image", fixed.voxels(), warped);
  acc.add("inverse warped image", moving.voxels(), inverseWarped);
  acc.plan.bytesPerFixedVoxel = acc.plan.peakBytes / Vf;
  return acc.plan;
}

int smallestRankCount(const Spec& spec, const Grid& fixed, const Grid& moving, bool withMasks, double bytesPerRank,
                      int maxRanks, MovingPlacement placement, PlanBackend backend) {
  for (int n = 1; n <= maxRanks; ++n)
    if (planMemory(spec, fixed, moving, withMasks, n, placement, backend).peakBytes <= bytesPerRank) return n;
  return 0;
}

MovingPlacement autoMovingPlacement(const Spec& spec, const Grid& fixed, const Grid& moving, bool withMasks,
                                    int ranks, double bytesPerRank, PlanBackend backend) {
  if (ranks <= 1) return MovingPlacement::Replicated;
  const double replicated =
      planMemory(spec, fixed, moving, withMasks, ranks, MovingPlacement::Replicated, backend).peakBytes;
  return replicated <= bytesPerRank ? MovingPlacement::Replicated : MovingPlacement::Sharded;
}

int smallestRankCountAuto(const Spec& spec, const Grid& fixed, const Grid& moving, bool withMasks,
                          double bytesPerRank, int maxRanks, PlanBackend backend) {
  for (int n = 1; n <= maxRanks; ++n) {
    const MovingPlacement p = autoMovingPlacement(spec, fixed, moving, withMasks, n, bytesPerRank, backend);
    if (planMemory(spec, fixed, moving, withMasks, n, p, backend).peakBytes <= bytesPerRank) return n;
  }
  return 0;
}

}  // namespace ffdp
