// warped(x) = moving(A(x)) on the voxels of `grid`, for Linear, NearestNeighbor and Label
// interpolation. Output images follow ITK's resampler, so that antsApplyTransforms and ITK
// reproduce our files: a point is inside when its continuous index lies in [-0.5, n-0.5) per axis,
// and in the half-voxel band beyond the outer voxel centres the value is the edge value (the
// index is clamped to [0, n-1]). The metrics use the stricter [0, n-1] test of TrilinearSampler.
#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/trilinear.hpp"

namespace ffdp::cpu {
namespace {

// The label with the largest summed trilinear weight among the up-to-8 neighbours; ties go to the
// smallest label, so the choice does not depend on corner order.
float majorityLabel(const TrilinearSampler& sampler, const float* data, const Vec3& q) {
  int64_t linear[8];
  double weight[8];
  sampler.stencil(q, linear, weight);
  float labels[8];
  double sums[8];
  int count = 0;
  for (int c = 0; c < 8; ++c) {
    const float label = data[linear[c]];
    int n = 0;
    while (n < count && labels[n] != label) ++n;
    if (n == count) {
      labels[count] = label;
      sums[count++] = 0.0;
    }
    sums[n] += weight[c];
  }
  int best = 0;
  for (int n = 1; n < count; ++n)
    if (sums[n] > sums[best] || (sums[n] == sums[best] && labels[n] < labels[best])) best = n;
  return labels[best];
}

}  // namespace

Image resampleAffine(const Image& moving, const Grid& grid, const Affine& A, Interpolation interp, float outside) {
  if (moving.voxels() == 0) fail(ExitCode::Input, "resample: the moving image is empty");
  const IndexAffine map = indexAffine(grid, moving.grid, A);
  const TrilinearSampler sampler(moving);
  const float* data = moving.data.data();
  const int64_t mx = moving.grid.size[0], my = moving.grid.size[1], mz = moving.grid.size[2];
  Image out(grid);
  const int64_t nx = grid.size[0], ny = grid.size[1], nz = grid.size[2];
#pragma omp parallel for schedule(dynamic)
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j) {
      const Vec3 row = map.rowStart(j, k);
      float* dst = out.data.data() + grid.linear(0, j, k);
      for (int64_t i = 0; i < nx; ++i) {
        const Vec3 q = map.at(row, i);
        float v = outside;
        if (nearestInside(q, mx, my, mz)) {
          if (interp == Interpolation::NearestNeighbor) {
            v = data[floorToInt(q[0] + 0.5) + mx * (floorToInt(q[1] + 0.5) + my * floorToInt(q[2] + 0.5))];
          } else {
            const Vec3 clamped{std::clamp(q[0], 0.0, double(mx - 1)), std::clamp(q[1], 0.0, double(my - 1)),
                               std::clamp(q[2], 0.0, double(mz - 1))};
            v = interp == Interpolation::Linear ? static_cast<float>(sampler.value(clamped))
                                                : majorityLabel(sampler, data, clamped);
          }
        }
        dst[i] = v;
      }
    }
  return out;
}

}  // namespace ffdp::cpu
