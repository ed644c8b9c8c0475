#include "dry_run.hpp"

#include <cstdio>
#include <string>

#include "backend_choice.hpp"
#include "core/error.hpp"
#include "io/image_io.hpp"

namespace ffdp::cli {

std::vector<std::string> movingPlacementChoices() { return {"auto", "replicate", "shard"}; }

double usableMemory(double backendMemoryBytes) { return 0.9 * backendMemoryBytes; }

MovingPlacement resolveMovingPlacement(const std::string& choice, const Spec& spec, const Grid& fixed,
                                       const Grid& moving, bool withMasks, int ranks, double bytesPerRank,
                                       PlanBackend backend) {
  if (ranks <= 1 || choice == "replicate") return MovingPlacement::Replicated;
  if (choice == "shard") return MovingPlacement::Sharded;
  if (choice != "auto") fail(ExitCode::Usage, "--moving-placement: '" + choice + "' is not auto, replicate or shard");
  return autoMovingPlacement(spec, fixed, moving, withMasks, ranks, bytesPerRank, backend);
}

int runDryRun(const Spec& spec, const std::string& backendChoice, int ranks, const std::string& movingPlacementChoice) {
  const Grid fixed = readImageGrid(spec.fixed), moving = readImageGrid(spec.moving);
  if (!spec.fixedMask.empty()) readImageGrid(spec.fixedMask);
  if (!spec.movingMask.empty()) readImageGrid(spec.movingMask);
  const bool masks = !spec.fixedMask.empty() || !spec.movingMask.empty();
  const BackendTarget target = resolveBackendTarget(backendChoice);
  const double usable = usableMemory(target.memoryBytes);
  const PlanBackend backend = planBackendOf(target);
  const MovingPlacement placement =
      resolveMovingPlacement(movingPlacementChoice, spec, fixed, moving, masks, ranks, usable, backend);
  const MemoryPlan plan = planMemory(spec, fixed, moving, masks, ranks, placement, backend);

  std::printf("memory plan: fixed %lldx%lldx%lld (%.1f M voxels), moving %lldx%lldx%lld, backend %s (%.1f GB)\n",
              (long long)fixed.size[0], (long long)fixed.size[1], (long long)fixed.size[2], fixed.voxels() / 1e6,
              (long long)moving.size[0], (long long)moving.size[1], (long long)moving.size[2], target.name.c_str(),
              target.memoryBytes / 1e9);
  std::printf("moving image: %s (--moving-placement %s)\n",
              placement == MovingPlacement::Sharded ? "sharded (z-slabs; each rank fetches the slices it samples)"
                                                    : (ranks > 1 ? "replicated (whole on every rank)" : "whole"),
              movingPlacementChoice.c_str());
  for (const MemoryPhase& p : plan.phases)
    std::printf("  %-58s %9.1f MB  (%s)\n", p.what.c_str(), p.bytes / 1e6, p.breakdown.c_str());
  if (ranks > 1)
    std::printf("per rank of %d (z-slabs of the fixed grid; the moving image %s):\n", ranks,
                placement == MovingPlacement::Sharded ? "in z-slabs too, its mask on every rank" : "on every rank");
  std::printf("peak: %.1f MB in %s, %.0f bytes per fixed voxel\n", plan.peakBytes / 1e6, plan.peakPhase.c_str(),
              plan.bytesPerFixedVoxel);
  const std::string these = ranks == 1 ? "one rank" : std::to_string(ranks) + " ranks";
  if (plan.peakBytes <= usable) {
    std::printf("fits on %s\n", these.c_str());
    return 0;
  }
  // The smallest rank count with the placement this choice would take there.
  int enough = 0;
  MovingPlacement there = MovingPlacement::Replicated;
  if (movingPlacementChoice == "auto") {
    enough = smallestRankCountAuto(spec, fixed, moving, masks, usable, 1024, backend);
    if (enough > 0) there = autoMovingPlacement(spec, fixed, moving, masks, enough, usable, backend);
  } else {
    there = movingPlacementChoice == "shard" ? MovingPlacement::Sharded : MovingPlacement::Replicated;
    enough = smallestRankCount(spec, fixed, moving, masks, usable, 1024, there, backend);
    if (enough == 1) there = MovingPlacement::Replicated;
  }
  if (enough > 0)
    std::printf("does not fit on %s; z-slabs over %d ranks would (moving image %s)\n", these.c_str(), enough,
                toString(there));
  else if (movingPlacementChoice == "replicate")
    std::printf("does not fit on up to 1024 ranks (the moving image alone is too large to replicate; "
                "try --moving-placement shard)\n");
  else
    std::printf("does not fit on up to 1024 ranks\n");
  return 0;
}

}  // namespace ffdp::cli
