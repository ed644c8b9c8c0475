// The Backend of one rank of a multi-rank run: fixed-grid volumes are this rank's z-slab buffers
// (Grid::slab), and this decorator keeps their halo slices current around another backend's
// operations, so lib/reg runs unchanged on slabs.
//
// How: the inner backend computes over the whole buffer, halo included; an output's own slices are
// right whenever every stencil reaches at most the buffer's halo width (its halo slices near the
// buffer's edges are not, and the halo exchange that follows overwrites them with their owners'
// values). Reductions count only own slices (lib/ops/cpu does that from the grid). Operations whose
// reach is not bounded by the halo widen their inputs first (reslab): resampling onto a coarser
// slab, and composing or inverting fields whose displacements exceed the halo.
#pragma once
#include <memory>

#include "ops/backend.hpp"

namespace ffdp {

// `inner` must outlive the result. The halo width of the slabs it will see must cover every stencil
// (haloForStencils below); operations check what they can and fail with Error(Internal) otherwise.
std::unique_ptr<Backend> makeSlabBackend(Backend& inner, Comm& comm);

// The halo width (slices of a level's grid) that a run needs: the largest Gaussian radius (4 sigma) of
// the field smoothing and twice the largest CC radius (the metric's gradient reads box sums of box
// sums), plus one slice for trilinear reads and steps.
int64_t haloForStencils(int maxCcRadius, double maxFieldSigmaVoxels);

}  // namespace ffdp
