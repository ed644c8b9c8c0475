// The Backend of one rank of a multi-rank run: fixed-grid volumes are this rank's z-slab buffers
// (Grid::slab), and this decorator keeps their halo slices current around another backend's
// operations, so lib/reg runs unchanged on slabs.
//
// How: the inner backend computes at least the own slices of an output; they are right whenever
// every stencil reaches at most the buffer's halo width. Its halo slices may be wrong or stale (the
// CPU computes them from the neighbours' halo, the GPU skips them for the metric gradient, the field
// smoothing and the Adam updates), and the halo exchange that follows overwrites them with their
// owners' values; the Adam moments, which no exchange follows, are refreshed before a resampling
// reads their halo. Reductions count only own slices (lib/ops/cpu does that from the grid). Operations whose
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
