// Helpers for the displacement-field tests: smooth random vector fields defined in physical space
// (with their exact Jacobian), sampling them on a grid, a first-principles trilinear evaluation of
// a stored field at a physical point (edge clamped), and an OpenMP thread-count guard.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "core/field.hpp"
#include "ops_test_support.hpp"

namespace ffdp::test {

struct ThreadCount {
  explicit ThreadCount(int n) : saved(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~ThreadCount() { omp_set_num_threads(saved); }
  int saved;
};

// u(p) = scale * (f0(p) - f0(c), f1(p) - f1(c), f2(p) - f2(c)) + shift, one SmoothField per
// component; `scale` is chosen so that the largest entry of du/dx over the grid's voxel centres
// is `maxGradient` (the largest over the continuum can be a little more; tests leave room).
class SmoothVectorField {
 public:
  SmoothVectorField(std::mt19937_64& rng, const Grid& g, double maxGradient, const Vec3& shift = {0, 0, 0})
      : centre_(g.centre()),
        f_{SmoothField(rng, centre_, extent(g)), SmoothField(rng, centre_, extent(g)),
           SmoothField(rng, centre_, extent(g))},
        shift_(shift) {
    double largest = 0;
    for (int64_t k = 0; k < g.size[2]; ++k)
      for (int64_t j = 0; j < g.size[1]; ++j)
        for (int64_t i = 0; i < g.size[0]; ++i) {
          const Mat3 J = jacobian(g.indexToPhysical({double(i), double(j), double(k)}));
          for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c) largest = std::max(largest, std::abs(J.m[r][c]));
        }
    scale_ = maxGradient / largest;
  }

  Vec3 operator()(const Vec3& p) const {
    Vec3 r;
    for (int c = 0; c < 3; ++c) r[c] = scale_ * (f_[c](p) - f_[c](centre_)) + shift_[c];
    return r;
  }
  // du/dx by central differences of the analytic function (h = 1e-3 mm: error ~1e-8 here).
  Mat3 jacobian(const Vec3& p) const {
    const double h = 1e-3;
    Mat3 J;
    for (int a = 0; a < 3; ++a) {
      Vec3 lo = p, hi = p;
      lo[a] -= h;
      hi[a] += h;
      for (int c = 0; c < 3; ++c) J.m[c][a] = scale_ * (f_[c](hi) - f_[c](lo)) / (2 * h);
    }
    return J;
  }

 private:
  static double extent(const Grid& g) {
    double e = 0;
    for (int a = 0; a < 3; ++a) e = std::max(e, g.spacing[a] * double(g.size[a]));
    return e;
  }
  Vec3 centre_;
  SmoothField f_[3];
  Vec3 shift_;
  double scale_ = 1;
};

template <class F>
Field sampleField(const Grid& g, const F& f) {
  Field u(g);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3 v = f(g.indexToPhysical({double(i), double(j), double(k)}));
        u.at(i, j, k) = {float(v[0]), float(v[1]), float(v[2])};
      }
  return u;
}

inline Field randomField(std::mt19937_64& rng, const Grid& g, double amplitude) {
  Field u(g);
  std::uniform_real_distribution<float> value(float(-amplitude), float(amplitude));
  for (Vec3f& v : u.data) v = {value(rng), value(rng), value(rng)};
  return u;
}

// u at a physical point: continuous index by Grid::physicalToIndex, clamped to [0, n-1], then the
// sum over the 8 surrounding voxels of value * prod(1 - |q - corner|).
inline Vec3 referenceSample(const Field& u, const Vec3& p) {
  Vec3 q = u.grid.physicalToIndex(p);
  for (int a = 0; a < 3; ++a) q[a] = std::clamp(q[a], 0.0, double(u.grid.size[a] - 1));
  const int64_t b[3] = {int64_t(std::floor(q[0])), int64_t(std::floor(q[1])), int64_t(std::floor(q[2]))};
  Vec3 r{0, 0, 0};
  for (int64_t c = b[2]; c <= b[2] + 1; ++c)
    for (int64_t bb = b[1]; bb <= b[1] + 1; ++bb)
      for (int64_t a = b[0]; a <= b[0] + 1; ++a) {
        if (a >= u.grid.size[0] || bb >= u.grid.size[1] || c >= u.grid.size[2]) continue;
        const double w = std::max(0.0, 1 - std::abs(q[0] - a)) * std::max(0.0, 1 - std::abs(q[1] - bb)) *
                         std::max(0.0, 1 - std::abs(q[2] - c));
        const Vec3f& v = u.at(a, bb, c);
        for (int d = 0; d < 3; ++d) r[d] += w * v[d];
      }
  return r;
}

inline Vec3 asVec3(const Vec3f& v) { return {v[0], v[1], v[2]}; }
inline Vec3 voxelPoint(const Grid& g, int64_t i, int64_t j, int64_t k) {
  return g.indexToPhysical({double(i), double(j), double(k)});
}

// A bound on the error of trilinear interpolation of the analytic field f sampled on g: between
// voxel centres it is at most sum_a h_a^2/8 |d2f/ds_a^2| along the grid axes. The second
// differences are taken at every other voxel, and doubled to cover the continuum between them.
template <class F>
double trilinearErrorBound(const Grid& g, const F& f) {
  double largest = 0;
  const Mat3 P = g.indexToPhysicalMatrix();
  for (int64_t k = 0; k < g.size[2]; k += 2)
    for (int64_t j = 0; j < g.size[1]; j += 2)
      for (int64_t i = 0; i < g.size[0]; i += 2) {
        const Vec3 x = g.indexToPhysical({double(i), double(j), double(k)});
        double sum = 0;
        for (int a = 0; a < 3; ++a) {
          const Vec3 step{P[0][a], P[1][a], P[2][a]};  // one voxel along axis a, in mm
          sum += norm(f(x + step) - 2.0 * f(x) + f(x - step)) / 8;
        }
        largest = std::max(largest, sum);
      }
  return 2 * largest;
}

// True when the physical point lies inside the grid's voxel-centre box shrunk by `margin` voxels.
inline bool insideBy(const Grid& g, const Vec3& p, double margin) {
  const Vec3 q = g.physicalToIndex(p);
  for (int a = 0; a < 3; ++a)
    if (q[a] < margin || q[a] > double(g.size[a] - 1) - margin) return false;
  return true;
}

}  // namespace ffdp::test
