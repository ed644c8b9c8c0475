// The images one rank registers. A single-rank run holds them whole. A multi-rank run splits the
// fixed image (and its mask) into z-slabs: each rank reads only its slab plus the halo that the
// spec's stencils need. The moving image is either whole on every rank (replicated) or split into
// z-slabs the same way (sharded: each rank reads its moving slab plus the same halo, and the slab
// decorator fetches the slices its samples need from their owners); the moving mask is always whole.
#pragma once
#include <optional>
#include <string>

#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "reg/memory_plan.hpp"
#include "spec/spec.hpp"

namespace ffdp::cli {

struct RankInputs {
  Grid fixedWhole;  // the whole fixed image's grid
  Image fixed;      // whole, or this rank's slab buffer (Grid::slab says which slices it owns)
  Grid movingWhole; // the whole moving image's grid
  Image moving;     // whole, or this rank's slab buffer when sharded
  MovingPlacement movingPlacement = MovingPlacement::Replicated;
  std::optional<Mask> fixedMask, movingMask;  // a fixed mask on the fixed grid is cut like the image
};

// One rank: whole images (halo unused). Several: this rank's slab with `halo` slices on each side, and
// the moving image whole or as a slab (`moving`; one rank always holds it whole).
// Errors name the file (Input); checks that need the whole image (constant, all NaN) see all ranks.
RankInputs readRankInputs(const Spec& spec, Comm& comm, int64_t halo,
                          MovingPlacement moving = MovingPlacement::Replicated);

// Several ranks: the fixed slabs (and a fixed mask cut like them) re-laid out so that every rank has
// the same MI work, where the backend's background voxels cost less (reg/balanced_slabs.hpp). The
// slabs are read with equal slice counts first, since the work per slice is known only from the
// voxels; the re-layout moves slices between neighbouring ranks. Every rank calls it together.
void balanceRankInputs(const Spec& spec, double miBackgroundVoxelCost, Comm& comm, RankInputs& in);

}  // namespace ffdp::cli
