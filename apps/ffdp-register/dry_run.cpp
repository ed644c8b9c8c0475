#include "dry_run.hpp"

#include <cstdio>
#include <string>

#include "backend_choice.hpp"
#include "io/image_io.hpp"
#include "reg/memory_plan.hpp"

namespace ffdp::cli {

int runDryRun(const Spec& spec, const std::string& backendChoice, int ranks) {
  const Grid fixed = readImageGrid(spec.fixed), moving = readImageGrid(spec.moving);
  if (!spec.fixedMask.empty()) readImageGrid(spec.fixedMask);
  if (!spec.movingMask.empty()) readImageGrid(spec.movingMask);
  const bool masks = !spec.fixedMask.empty() || !spec.movingMask.empty();
  const BackendTarget target = resolveBackendTarget(backendChoice);
  const MemoryPlan plan = planMemory(spec, fixed, moving, masks, ranks);

  std::printf("memory plan: fixed %lldx%lldx%lld (%.1f M voxels), moving %lldx%lldx%lld, backend %s (%.1f GB)\n",
              (long long)fixed.size[0], (long long)fixed.size[1], (long long)fixed.size[2], fixed.voxels() / 1e6,
              (long long)moving.size[0], (long long)moving.size[1], (long long)moving.size[2], target.name.c_str(),
              target.memoryBytes / 1e9);
  for (const MemoryPhase& p : plan.phases)
    std::printf("  %-58s %9.1f MB  (%s)\n", p.what.c_str(), p.bytes / 1e6, p.breakdown.c_str());
  if (ranks > 1) std::printf("per rank of %d (z-slabs of the fixed grid; the moving image on every rank):\n", ranks);
  std::printf("peak: %.1f MB in %s, %.0f bytes per fixed voxel\n", plan.peakBytes / 1e6, plan.peakPhase.c_str(),
              plan.bytesPerFixedVoxel);
  // Leave a tenth for the runtime, the allocator's rounding and what the model does not count.
  const double usable = 0.9 * target.memoryBytes;
  const std::string these = ranks == 1 ? "one rank" : std::to_string(ranks) + " ranks";
  if (plan.peakBytes <= usable) {
    std::printf("fits on %s\n", these.c_str());
  } else {
    const int enough = smallestRankCount(spec, fixed, moving, masks, usable, 1024);
    if (enough > 0)
      std::printf("does not fit on %s; z-slabs over %d ranks would (moving image replicated)\n", these.c_str(),
                  enough);
    else
      std::printf("does not fit on up to 1024 ranks (the moving image alone is too large to replicate)\n");
  }
  return 0;
}

}  // namespace ffdp::cli
