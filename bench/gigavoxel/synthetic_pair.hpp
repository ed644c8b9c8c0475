// The gigavoxel benchmark's input pair, made in memory on every rank (no file I/O): a real brain's
// first contrast upsampled to a target voxel count (fixed, cut into this rank's z-slab), and its
// second contrast under a known smooth deformation on the same fine grid (moving, whole on every
// rank). Synthetic size, real anatomy and a real multimodal contrast pair.
#pragma once
#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "dist/slab.hpp"
#include "known_deformation.hpp"
#include "ops/backend.hpp"

namespace ffdp::bench {

// The same physical extent (voxel edges kept) with about `targetVoxels` voxels: every axis refined
// by the same factor, rounded to whole voxels.
Grid refinedGrid(const Grid& grid, double targetVoxels);

struct SyntheticPair {
  Grid whole;    // the fine grid of both images
  Image fixed;   // the first contrast on this rank's slab buffer (halo `halo`), or whole on one rank
  Image moving;  // moving(x + t(x)) = second contrast(x), whole
};

// `backend` is the rank's backend (the slab decorator on several ranks). `first` and `second` share
// one grid (Error(Input) otherwise). `cuts` lay the fixed slabs out (dist/slab.hpp; null: equal).
SyntheticPair makeSyntheticPair(Backend& backend, Comm& comm, const Image& first, const Image& second,
                                const KnownDeformation& t, double targetVoxels, int64_t halo,
                                const SlabCuts& cuts = nullptr);

}  // namespace ffdp::bench
