// How much memory a run will hold, per phase, before anything is read or computed (--dry-run): the
// byte model of docs/engine.md ("Memory per voxel") applied to the spec's levels. On the CUDA backend
// the volumes and working buffers live on the GPU; on the CPU backend in host memory. For several
// ranks the fixed-grid parts are split into z-slabs, as the sharded engine runs them, and the moving
// image is either whole on every rank (replicated) or split into z-slabs too (sharded: its slab, plus a
// window of the slices the fixed slab maps to, ops/moving_window_cache.hpp; its mask stays whole); the
// peak per rank then tells the smallest rank count that fits.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/grid.hpp"
#include "spec/spec.hpp"

namespace ffdp {

// Where a multi-rank run keeps the moving image (--moving-placement). One rank always holds it whole.
enum class MovingPlacement { Replicated, Sharded };
const char* toString(MovingPlacement p);  // "replicated", "sharded"

// Which backend's buffers the plan counts. They differ in one place: LNCC's gradient coefficients, which
// the CPU holds for the whole level and the CUDA backend for a group of z-slices at a time
// (ops/cc_coefficient_groups.hpp).
enum class PlanBackend { Cpu, Cuda };

struct MemoryPhase {
  std::string what;        // "stage 3 (greedy, CC) level 3/3 [162x214x167]", "outputs", ...
  int64_t voxels = 0;      // fixed voxels of the phase's grid
  double bytes = 0;        // on one rank
  std::string breakdown;   // "inputs 46 MB, level images 0 MB, fields 278 MB, metric 139 MB"
};

struct MemoryPlan {
  std::vector<MemoryPhase> phases;
  double peakBytes = 0;            // the largest phase, one rank
  std::string peakPhase;
  double bytesPerFixedVoxel = 0;   // peakBytes over the full-resolution fixed voxels (one rank: all of them)
};

MemoryPlan planMemory(const Spec& spec, const Grid& fixed, const Grid& moving, bool withMasks, int ranks,
                      MovingPlacement placement = MovingPlacement::Replicated, PlanBackend backend = PlanBackend::Cpu);

// The smallest rank count (1..maxRanks) whose peak fits in `bytesPerRank`, or 0 when none does.
int smallestRankCount(const Spec& spec, const Grid& fixed, const Grid& moving, bool withMasks, double bytesPerRank,
                      int maxRanks, MovingPlacement placement = MovingPlacement::Replicated,
                      PlanBackend backend = PlanBackend::Cpu);

// What --moving-placement auto picks for `ranks` ranks: replicated when that plan's peak fits in
// `bytesPerRank`, else sharded (one rank: replicated).
MovingPlacement autoMovingPlacement(const Spec& spec, const Grid& fixed, const Grid& moving, bool withMasks,
                                    int ranks, double bytesPerRank, PlanBackend backend = PlanBackend::Cpu);
// The smallest rank count whose peak fits with the placement auto would pick there; 0 when none does.
int smallestRankCountAuto(const Spec& spec, const Grid& fixed, const Grid& moving, bool withMasks,
                          double bytesPerRank, int maxRanks, PlanBackend backend = PlanBackend::Cpu);

}  // namespace ffdp
