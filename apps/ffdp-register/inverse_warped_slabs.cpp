#include "inverse_warped_slabs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "core/error.hpp"
#include "dist/slab.hpp"
#include "dist/slice_fetch.hpp"
#include "eval/transform_chain.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/moving_window.hpp"

namespace ffdp::cli {
namespace {

// A window of whole slices `range` (fetchSlices' plain volume) placed as a slab of `whole`: the whole
// origin kept, so that the samplers shift its slices exactly instead of composing a moved origin.
template <class T>
void placeAsSlab(Volume<T>& window, const Grid& whole, const SliceRange& range) {
  window.grid.slab.wholeSlices = whole.size[2];
  window.grid.slab.firstSlice = range.begin;
  window.grid.slab.ownBegin = 0;
  window.grid.slab.ownEnd = range.count();
  window.grid.slab.halo = 0;
  window.grid.slab.wholeOrigin = whole.origin;
}

// The fixed slices that sampling at x + d(x) reads for every voxel x of d's grid: the z indices' range
// on the whole fixed grid, its trilinear pair and a margin for rounding. One edge slice when no point
// is finite (every sample is outside then).
SliceRange fixedSlicesRead(const Field& d, const Grid& fixedWhole) {
  const Grid& g = d.grid;
  const Mat3 toFixedIndex = fixedWhole.indexToPhysicalMatrix().inverse();
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
#pragma omp parallel for schedule(static) reduction(min : lo) reduction(max : hi)
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3f& v = d.at(i, j, k);
        const Vec3 x = g.wholeIndexToPhysical({double(i), double(j), double(k)});
        const double z = (toFixedIndex * (x + Vec3{double(v[0]), double(v[1]), double(v[2])} - fixedWhole.origin))[2];
        if (!std::isfinite(z)) continue;
        lo = std::min(lo, z);
        hi = std::max(hi, z);
      }
  if (!(lo <= hi)) return {0, 1};
  return slicesAround(lo, hi, fixedWhole.size[2]);
}

}  // namespace

Image inverseWarpedSlab(const Image& fixed, const Grid& movingWhole, const RegistrationResult& result, Comm& comm) {
  if (!fixed.grid.isSlab() || !fixed.onHost() || (result.inverseWarp && !result.inverseWarp->onHost()))
    fail(ExitCode::Internal, "inverse-warped image by slab: the fixed image and the inverse field must be slabs on the host");
  const Grid target = SlabLayout(movingWhole, comm.size()).haloSlabGrid(comm.rank(), 0);
  const Affine toFixed = result.transform.inverse();
  TransformChain chain{ChainStep{nullptr, toFixed}};
  if (result.inverseWarp) {
    // The inverse field is read at toFixed(y) for every moving voxel y of this slab.
    const Field& v = *result.inverseWarp;
    const Grid fieldWhole = wholeGridOf(v.grid);
    const SliceRange want = movingSlicesRead(target, fieldWhole, toFixed, 0.0);
    auto window = std::make_shared<Field>(fetchSlices(comm, v, want));
    placeAsSlab(*window, fieldWhole, want);
    chain.push_back(ChainStep{window, Affine::identity()});
  }
  // The whole chain as one displacement per moving voxel, then the fixed image sampled there. On the CPU
  // (an output pass, like the chain itself): a window placed as a slab must not reach the slab decorator
  // of a GPU run's backend, which would take it for a rank's own slab.
  const Field d = chainDisplacement(chain, target);
  const Grid fixedWhole = wholeGridOf(fixed.grid);
  const SliceRange want = fixedSlicesRead(d, fixedWhole);
  Image window = fetchSlices(comm, fixed, want);
  placeAsSlab(window, fixedWhole, want);
  // The identity centred where one process's resampleThroughChain centres it (the same rounding).
  return cpu::resampleWarp(window, Affine::identity(movingWhole.centre()), d, Interpolation::Linear, 0.0f);
}

}  // namespace ffdp::cli
