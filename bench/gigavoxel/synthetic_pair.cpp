#include "synthetic_pair.hpp"

#include <cmath>
#include <string>

#include "core/affine.hpp"
#include "core/error.hpp"
#include "dist/slab.hpp"

namespace ffdp::bench {

Grid refinedGrid(const Grid& grid, double targetVoxels) {
  const double factor = std::cbrt(targetVoxels / double(grid.voxels()));
  Grid fine = grid;
  Vec3 halfShift{0, 0, 0};
  for (int d = 0; d < 3; ++d) {
    fine.size[d] = std::max<int64_t>(1, std::llround(double(grid.size[d]) * factor));
    fine.spacing[d] = grid.spacing[d] * double(grid.size[d]) / double(fine.size[d]);
    halfShift[d] = 0.5 * (fine.spacing[d] - grid.spacing[d]);  // the first voxel's edge stays put
  }
  fine.origin = grid.origin + grid.direction * halfShift;
  return fine;
}

SyntheticPair makeSyntheticPair(Backend& backend, Comm& comm, const Image& first, const Image& second,
                                const KnownDeformation& t, double targetVoxels, int64_t halo,
                                const SlabCuts& cuts) {
  if (!first.grid.sameAs(second.grid))
    fail(ExitCode::Input, "synthetic pair: the two contrasts must share one grid");
  SyntheticPair pair;
  pair.whole = refinedGrid(first.grid, targetVoxels);
  const Affine identity = Affine::identity();
  const Grid fixedGrid =
      comm.size() > 1 ? SlabLayout(pair.whole, comm.size(), cuts).haloSlabGrid(comm.rank(), halo) : pair.whole;
  pair.fixed = backend.resampleAffine(first, fixedGrid, identity, Interpolation::Linear, 0.0f);
  {
    // moving(y) = second(y + s(y)), s the inverse displacement: then moving(x + t(x)) = second(x).
    // s is exact on the contrasts' grid and interpolated onto the fine grid (its curvature is tiny
    // there: the trilinear error is about a * (2 pi / wavelength)^2 * h^2 / 8, micrometres).
    const Field sCoarse = inverseDisplacementOn(t, first.grid);
    const Field sFine = backend.resampleField(sCoarse, pair.whole);
    pair.moving = backend.resampleWarp(second, identity, sFine, Interpolation::Linear, 0.0f);
  }
  return pair;
}

}  // namespace ffdp::bench
