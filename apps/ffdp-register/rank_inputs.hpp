// The images one rank registers. A single-rank run holds them whole. A multi-rank run splits the
// fixed image (and its mask) into z-slabs: each rank reads only its slab plus the halo that the
// spec's stencils need, and holds the whole moving image and mask (replicated).
#pragma once
#include <optional>
#include <string>

#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "spec/spec.hpp"

namespace ffdp::cli {

struct RankInputs {
  Grid fixedWhole;  // the whole fixed image's grid
  Image fixed;      // whole, or this rank's slab buffer (Grid::slab says which slices it owns)
  Image moving;     // always whole
  std::optional<Mask> fixedMask, movingMask;  // a fixed mask on the fixed grid is cut like the image
};

// The halo (slices of each level's grid) that the spec's stencils reach: CC windows and field smoothing.
int64_t haloForSpec(const Spec& spec);

// One rank: whole images (halo unused). Several: this rank's slab with `halo` slices on each side.
// Errors name the file (Input); checks that need the whole image (constant, all NaN) see all ranks.
RankInputs readRankInputs(const Spec& spec, Comm& comm, int64_t halo);

}  // namespace ffdp::cli
