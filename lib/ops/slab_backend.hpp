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
//
// The sampled ("moving") image of resampleAffine, affineMetric, fieldMetric and resampleWarp may be a
// slab buffer too: the moving image sharded over the ranks (--moving-placement shard), or a fixed-grid
// slab that SyN samples at the midpoint. Such an image is replaced by a window of the slices the
// samples read, fetched from their owners and cached (ops/moving_window_cache.hpp); a whole moving
// image (replicated on every rank) is passed through untouched.
#pragma once
#include <memory>

#include "ops/backend.hpp"
#include "ops/moving_window_cache.hpp"

namespace ffdp {

// `inner` must outlive the result. The halo width of the slabs it will see must cover every stencil
// (haloForStencils below); operations check what they can and fail with Error(Internal) otherwise.
std::unique_ptr<Backend> makeSlabBackend(Backend& inner, Comm& comm);
// The moving-window counters of a backend made by makeSlabBackend (fetch rounds, re-fetches, bytes);
// null for any other backend.
const MovingWindowStats* movingWindowStatsOf(const Backend& backend);

// The halo width (slices of a level's grid) that a run needs: the largest Gaussian radius (4 sigma) of
// the field smoothing and twice the largest CC radius (the metric's gradient reads box sums of box
// sums), plus one slice for trilinear reads and steps.
int64_t haloForStencils(int maxCcRadius, double maxFieldSigmaVoxels);

}  // namespace ffdp
