// Trilinear sampling of an image at continuous indices, and the fixed-index -> moving-index
// affine that keeps the per-voxel cost of a warp at a few multiply-adds. The sampling rules
// themselves (inside tests, bracketing voxels, value and derivative) are ops/trilinear_math.hpp,
// shared with the CUDA kernels.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/affine.hpp"
#include "core/volume.hpp"
#include "ops/trilinear_math.hpp"

namespace ffdp::cpu {

using trilinear::AxisStencil;
using trilinear::axisStencil;
using trilinear::kInsideTolerance;

inline bool nearestInside(const Vec3& q, int64_t nx, int64_t ny, int64_t nz) {
  return trilinear::insideNearest(q.data(), nx, ny, nz);
}

// q(i, j, k) = base + i di + j dj + k dk: the continuous index in the target image of the
// voxel (i, j, k) of the source grid.
struct IndexAffine {
  Vec3 base{0, 0, 0}, di{0, 0, 0}, dj{0, 0, 0}, dk{0, 0, 0};

  // Start of row (j, k); q at voxel i is rowStart + i * di (computed per voxel, not accumulated,
  // so the result does not depend on where a loop starts).
  Vec3 rowStart(int64_t j, int64_t k) const {
    const double jd = double(j), kd = double(k);
    return {base[0] + jd * dj[0] + kd * dk[0], base[1] + jd * dj[1] + kd * dk[1], base[2] + jd * dj[2] + kd * dk[2]};
  }
  Vec3 at(const Vec3& rowStart, int64_t i) const {
    const double id = double(i);
    return {rowStart[0] + id * di[0], rowStart[1] + id * di[1], rowStart[2] + id * di[2]};
  }
};

// Maps an index of `from` to the continuous index of `to` at the physical point A(x):
// q = Pto^-1 (A(of + Pf idx) - oto), with P = D diag(s).
inline IndexAffine indexAffine(const Grid& from, const Grid& to, const Affine& A) {
  const Mat3 toInv = to.indexToPhysicalMatrix().inverse();
  const Mat3 Q = toInv * A.M * from.indexToPhysicalMatrix();
  IndexAffine r;
  r.base = toInv * (A.apply(from.origin) - to.origin);
  for (int a = 0; a < 3; ++a) {
    r.di[a] = Q[a][0];
    r.dj[a] = Q[a][1];
    r.dk[a] = Q[a][2];
  }
  return r;
}

class TrilinearSampler {
 public:
  explicit TrilinearSampler(const Image& image)
      : data_(image.data.data()), nx_(image.grid.size[0]), ny_(image.grid.size[1]), nz_(image.grid.size[2]) {}

  bool inside(const Vec3& q) const { return trilinear::insideLinear(q.data(), nx_, ny_, nz_); }
  // Linear index of the voxel nearest to an inside point (for mask look-ups).
  int64_t nearestLinear(const Vec3& q) const { return trilinear::nearestLinear(q.data(), nx_, ny_, nz_); }
  double value(const Vec3& q) const { return trilinear::interpolate(trilinear::corners(data_, nx_, ny_, nz_, q.data())); }
  // Value and its exact derivative with respect to the continuous index q.
  double valueAndGradient(const Vec3& q, double dq[3]) const {
    return trilinear::interpolateWithGradient(trilinear::corners(data_, nx_, ny_, nz_, q.data()), dq);
  }
  // The up-to-8 voxels around q with their trilinear weights (for label interpolation).
  void stencil(const Vec3& q, int64_t linear[8], double weight[8]) const {
    trilinear::stencil(nx_, ny_, nz_, q.data(), linear, weight);
  }

 private:
  const float* data_;
  int64_t nx_, ny_, nz_;
};

}  // namespace ffdp::cpu
