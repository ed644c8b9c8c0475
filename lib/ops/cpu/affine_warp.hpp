// The fixed -> moving sampling that every metric shares: which fixed voxels are valid and the
// warped value w(x) = moving(T(x)) (with its index-space derivative dw/dq) at each of them, for
//   AffineWarp: T(x) = A(x)            q = IndexAffine(x)
//   FieldWarp:  T(x) = A(x + u(x))     q = IndexAffine(x) + K u(x),  K = Pm^-1 M, Pm = Dm diag(sm)
// (u is on the fixed grid, so u(x) is read at the voxel itself, no interpolation).
//   valid(x) = fixedMask(x) (if any) && sampled(x) (sampling_subset.hpp, by x's index in the whole
//              fixed grid, so a slab buffer samples the same voxels) && inside(q)
//              && movingMask(nearest voxel to q) (if any)
// Both share one row loop (sampleRowWith); the affine one adds a displacement that compiles away,
// so the affine metrics keep their speed, and with u = 0 the field warp gives bit-identical q.
#pragma once
#include <cstdint>
#include <vector>

#include "core/affine.hpp"
#include "core/field.hpp"
#include "core/volume.hpp"
#include "ops/cpu/grid_index_map.hpp"
#include "ops/cpu/sampling_subset.hpp"
#include "ops/cpu/trilinear.hpp"

namespace ffdp::cpu {

// The valid voxels of one fixed row, compacted: index i, fixed value f, warped value w and (when
// asked for) dw/dq. Metrics work on whole rows so that each stage (sampling, binning, accumulation)
// is a tight loop of independent iterations.
struct RowSamples {
  explicit RowSamples(int64_t nx)
      : i(size_t(nx)), f(size_t(nx)), w(size_t(nx)), dq0(size_t(nx)), dq1(size_t(nx)), dq2(size_t(nx)) {}
  int64_t count = 0;
  std::vector<int64_t> i;
  std::vector<double> f, w, dq0, dq1, dq2;
};

class AffineWarp {
 public:
  // Throws ffdp::Error (Input) when a mask does not lie on its image's grid.
  AffineWarp(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask, const Affine& A,
             double samplingFraction);

  const Image& fixed() const { return fixed_; }
  const Image& moving() const { return moving_; }

  // Fills `out` with the valid voxels of fixed row (j, k), i increasing. dq* only when WithGradient.
  template <bool WithGradient>
  void sampleRow(int64_t j, int64_t k, RowSamples& out) const {
    sampleRowWith<WithGradient>(j, k, out, NoDisplacement{});
  }

 protected:
  struct NoDisplacement {
    void shift(int64_t, Vec3&) const {}
  };

  // The shared row loop; `displacement.shift(linear, q)` moves the affine point q of voxel `linear`.
  template <bool WithGradient, class Displacement>
  void sampleRowWith(int64_t j, int64_t k, RowSamples& out, const Displacement& displacement) const {
    const int64_t nx = fixed_.grid.size[0], ny = fixed_.grid.size[1];
    const float* f = fixed_.data.data();
    const uint8_t* fm = fixedMask_ ? fixedMask_->data.data() : nullptr;
    const uint8_t* mm = movingMask_ ? movingMask_->data.data() : nullptr;
    const Vec3 row = map_.rowStart(j, k);
    const int64_t rowLinear = nx * (j + ny * k);
    const int64_t wholeRowLinear = fixed_.grid.wholeLinear(0, j, k);  // the subset ignores how slabs split
    int64_t n = 0;
    for (int64_t i = 0; i < nx; ++i) {
      const int64_t linear = rowLinear + i;
      if (fm && !fm[linear]) continue;
      if (!subset_.contains(wholeRowLinear + i)) continue;
      Vec3 q = map_.at(row, i);
      displacement.shift(linear, q);
      if (!sampler_.inside(q)) continue;
      if (mm && !mm[sampler_.nearestLinear(q)]) continue;
      if (WithGradient) {
        double dq[3];
        out.w[size_t(n)] = sampler_.valueAndGradient(q, dq);
        out.dq0[size_t(n)] = dq[0];
        out.dq1[size_t(n)] = dq[1];
        out.dq2[size_t(n)] = dq[2];
      } else {
        out.w[size_t(n)] = sampler_.value(q);
      }
      out.f[size_t(n)] = double(f[linear]);
      out.i[size_t(n)] = i;
      ++n;
    }
    out.count = n;
  }

 private:
  const Image& fixed_;
  const Image& moving_;
  const Mask* fixedMask_;
  const Mask* movingMask_;
  GridIndexMap map_;  // through the whole grids: a slab's voxels land where the whole grid's do, to the bit
  TrilinearSampler sampler_;
  SamplingSubset subset_;
};

// K = Pm^-1 M: how a displacement (LPS mm, before A) moves the continuous moving index.
Mat3 displacementToMovingIndex(const Grid& moving, const Affine& A);

class FieldWarp : public AffineWarp {
 public:
  // Throws ffdp::Error (Internal) when u does not lie on the fixed grid.
  FieldWarp(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask, const Affine& A,
            const Field& u, double samplingFraction);

  template <bool WithGradient>
  void sampleRow(int64_t j, int64_t k, RowSamples& out) const {
    sampleRowWith<WithGradient>(j, k, out, displacement_);
  }

 private:
  struct Displacement {
    const Vec3f* u;
    Mat3 K;
    void shift(int64_t linear, Vec3& q) const {
      const Vec3f& d = u[linear];
      const double d0 = double(d[0]), d1 = double(d[1]), d2 = double(d[2]);
      for (int a = 0; a < 3; ++a) q[a] += K.m[a][0] * d0 + K.m[a][1] * d1 + K.m[a][2] * d2;
    }
  };
  Displacement displacement_;
};

}  // namespace ffdp::cpu
