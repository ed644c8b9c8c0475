// Trilinear sampling of a displacement field at a continuous index of its own grid. Beyond the
// outer voxel centres the index is clamped to [0, n-1] per axis, so a field takes its edge value
// there and is defined everywhere (ops/backend.hpp). FieldSampler works in double at an absolute
// index; FieldStepSampler, the fast path of composition and inversion, works in float at a voxel
// plus a step.
#pragma once
#include <algorithm>
#include <climits>
#include <cstdint>

#include "core/field.hpp"
#include "ops/cpu/float_lanes.hpp"
#include "ops/cpu/trilinear.hpp"

namespace ffdp::cpu {

// Clamps a continuous index to [0, hi]; NaN goes to 0 so that a corrupt field cannot index memory
// outside the volume.
inline double clampIndex(double q, double hi) { return q >= 0 ? (q <= hi ? q : hi) : 0.0; }

class FieldSampler {
 public:
  explicit FieldSampler(const Field& field)
      : data_(field.data.data()),
        nx_(field.grid.size[0]),
        ny_(field.grid.size[1]),
        nz_(field.grid.size[2]),
        hi_{double(nx_ - 1), double(ny_ - 1), double(nz_ - 1)} {}

  Vec3 value(const Vec3& q) const {
    const AxisStencil sx = axisStencil(clampIndex(q[0], hi_[0]), nx_);
    const AxisStencil sy = axisStencil(clampIndex(q[1], hi_[1]), ny_);
    const AxisStencil sz = axisStencil(clampIndex(q[2], hi_[2]), nz_);
    const int64_t plane = nx_ * ny_, di = sx.hi - sx.lo;
    const Vec3f* p00 = data_ + sx.lo + nx_ * sy.lo + plane * sz.lo;
    const Vec3f* p10 = data_ + sx.lo + nx_ * sy.hi + plane * sz.lo;
    const Vec3f* p01 = data_ + sx.lo + nx_ * sy.lo + plane * sz.hi;
    const Vec3f* p11 = data_ + sx.lo + nx_ * sy.hi + plane * sz.hi;
    Vec3 r;
    for (int c = 0; c < 3; ++c) {
      const double x00 = lerp(p00[0][c], p00[di][c], sx.u), x10 = lerp(p10[0][c], p10[di][c], sx.u);
      const double x01 = lerp(p01[0][c], p01[di][c], sx.u), x11 = lerp(p11[0][c], p11[di][c], sx.u);
      r[c] = lerp(lerp(x00, x10, sy.u), lerp(x01, x11, sy.u), sz.u);
    }
    return r;
  }

 private:
  static double lerp(double a, double b, double t) { return a + t * (b - a); }

  const Vec3f* data_;
  int64_t nx_, ny_, nz_;
  double hi_[3];
};

// The float sampling below is compiled per instruction set (float_lanes.hpp), hence its own
// inline namespace.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
inline namespace FFDP_LANES_ISA {

// The index step M g of a physical vector g (M = (D diag s)^-1), in float: lane r is row r of M
// times g, summed as mulAdd(M[r][2], g2, mulAdd(M[r][1], g1, M[r][0] g0)).
struct IndexStep {
  explicit IndexStep(const Mat3& M)
      : col0{float(M[0][0]), float(M[1][0]), float(M[2][0]), 0.0f},
        col1{float(M[0][1]), float(M[1][1]), float(M[2][1]), 0.0f},
        col2{float(M[0][2]), float(M[1][2]), float(M[2][2]), 0.0f} {}
  Lanes4 operator()(Lanes4 g) const {
    return mulAdd(col2, Lanes4{g[2], g[2], g[2], g[2]},
                  mulAdd(col1, Lanes4{g[1], g[1], g[1], g[1]}, col0 * Lanes4{g[0], g[0], g[0], g[0]}));
  }
  Lanes4 col0, col1, col2;
};

// u at a voxel x plus a physical step s (mm), u(x + s), edge-clamped, in float: the sampling of
// composition and inversion. Per axis, with the step q = M s in index units (IndexStep): q is
// clamped so that i + q stays in [0, n - 1] (a NaN step clamps to the first voxel centre); the
// lower voxel is i + floor(q) and its weight q - floor(q), exact in float, so the step keeps its
// full precision however large i is (i + q in float would lose log2(i) bits of it); at the last
// voxel the upper neighbour is the voxel itself. Blending, per component: the 4 edges along i
// are lerp(a, b, wi) = mulAdd(wi, b - a, a) (float_lanes.hpp), then 2 along j, then 1 along k;
// with all weights 0 the voxel's own value comes back bit for bit.
//
// Speed: the clamping, floors, weights and corner offsets of 8 voxels of a row are computed
// together in the lanes of 8-float vectors; each voxel then reads its 8 corners as 4-float
// vectors (x, y, z and one float of the next voxel, unused) and blends them in one vector.
// Fields of more than about 700 M voxels, whose float offsets overflow 32 bits, take the same
// arithmetic one voxel at a time, so the result does not depend on the path.
class FieldStepSampler {
 public:
  explicit FieldStepSampler(const Field& field)
      : toIndex_(field.grid.indexToPhysicalMatrix().inverse()),
        data_(reinterpret_cast<const float*>(field.data.data())),
        nx_(field.grid.size[0]),
        ny_(field.grid.size[1]),
        nz_(field.grid.size[2]),
        lastFloat_(3 * (field.grid.voxels() - 1)),
        batched_(3 * (field.grid.voxels() + nx_ * ny_ + nx_ + 1) <= INT32_MAX) {}

  // For every voxel x = (i, j, k) of row (j, k), in increasing i: s = stepAt(i, lastInRow) (mm, in
  // lanes 0-2), then emit(i, s, u(x + s)). stepAt may read 4 floats at voxel i when lastInRow is
  // false (one float of voxel i + 1); emit(i, ...) may write voxel i of the memory that stepAt
  // reads, as stepAt has read it, and nothing of voxel i + 1, by then.
  template <class StepAt, class Emit>
  void row(int64_t j, int64_t k, StepAt& stepAt, Emit& emit) const {
    const int64_t rowFloat = 3 * nx_ * (j + ny_ * k);
    if (!batched_) {
      for (int64_t i = 0; i < nx_; ++i) {
        const Lanes4 s = stepAt(i, i + 1 == nx_);
        emit(i, s, at(i, j, k, toIndex_(s)));
      }
      return;
    }
    for (int64_t i0 = 0; i0 < nx_; i0 += 8) {
      const int count = int(std::min<int64_t>(8, nx_ - i0));
      Lanes4 s[8], q[8] = {};  // unused lanes keep a zero step, a valid one
      for (int l = 0; l < count; ++l) {
        s[l] = stepAt(i0 + l, i0 + l + 1 == nx_);
        q[l] = toIndex_(s[l]);
      }
      const Corners8 c = corners8(i0, j, k, q);
      for (int l = 0; l < count; ++l) {
        const int lane = laneOf(l);
        const int64_t own = rowFloat + 3 * (i0 + l);
        const Lanes4 wi{c.wi[lane], c.wi[lane], c.wi[lane], c.wi[lane]},
            wj{c.wj[lane], c.wj[lane], c.wj[lane], c.wj[lane]}, wk{c.wk[lane], c.wk[lane], c.wk[lane], c.wk[lane]};
        emit(i0 + l, s[l],
             blendAt(data_ + own + c.offset[lane], c.di[lane], c.dj[lane], c.dk[lane], own + c.far[lane] < lastFloat_,
                     wi, wj, wk));
      }
    }
  }

  // u(x + s) at one voxel, given the step in index units.
  Lanes4 at(int64_t i, int64_t j, int64_t k, Lanes4 q) const {
    const Lanes4 position{float(i), float(j), float(k), 0.0f};
    const Lanes4 last{float(nx_ - 1), float(ny_ - 1), float(nz_ - 1), 0.0f};
    Lanes4 c = q > -position ? q : -position;  // NaN fails the test and clamps too
    c = c < last - position ? c : last - position;
    const Lanes4 f = floor4(c);
    const Lanes4 w = c - f;
    const int64_t lo[3] = {i + int64_t(f[0]), j + int64_t(f[1]), k + int64_t(f[2])};
    const int64_t di = lo[0] < nx_ - 1 ? 3 : 0, dj = lo[1] < ny_ - 1 ? 3 * nx_ : 0;
    const int64_t dk = lo[2] < nz_ - 1 ? 3 * nx_ * ny_ : 0;
    const int64_t base = 3 * (lo[0] + nx_ * (lo[1] + ny_ * lo[2]));
    return blendAt(data_ + base, di, dj, dk, base + di + dj + dk < lastFloat_, Lanes4{w[0], w[0], w[0], w[0]},
                   Lanes4{w[1], w[1], w[1], w[1]}, Lanes4{w[2], w[2], w[2], w[2]});
  }

  const IndexStep& toIndex() const { return toIndex_; }

 private:
  // Per lane (voxel): float offsets from the voxel's first float to its lower corner's (offset), from
  // the lower corner to its upper neighbours (di, dj, dk: 3, 3 nx, 3 nx ny, or 0 at a clamped
  // edge), to the farthest corner (far), and the weights.
  struct Corners8 {
    Ints8 offset, di, dj, dk, far;
    Lanes8 wi, wj, wk;
  };

  // The 8 steps (x, y, z, -) of voxels i0..i0+7 as three vectors of x, y and z, in the lane order
  // that 128-bit-lane shuffles give: lane p holds voxel {0, 2, 4, 6, 1, 3, 5, 7}[p].
  static void transpose(const Lanes4 q[8], Lanes8& x, Lanes8& y, Lanes8& z) {
    const Lanes8 p01 = __builtin_shufflevector(q[0], q[1], 0, 1, 2, 3, 4, 5, 6, 7);
    const Lanes8 p23 = __builtin_shufflevector(q[2], q[3], 0, 1, 2, 3, 4, 5, 6, 7);
    const Lanes8 p45 = __builtin_shufflevector(q[4], q[5], 0, 1, 2, 3, 4, 5, 6, 7);
    const Lanes8 p67 = __builtin_shufflevector(q[6], q[7], 0, 1, 2, 3, 4, 5, 6, 7);
    const Lanes8 lo0 = __builtin_shufflevector(p01, p23, 0, 8, 1, 9, 4, 12, 5, 13);   // x0 x2 y0 y2 | x1 x3 y1 y3
    const Lanes8 hi0 = __builtin_shufflevector(p01, p23, 2, 10, 3, 11, 6, 14, 7, 15);  // z0 z2 - - | z1 z3 - -
    const Lanes8 lo1 = __builtin_shufflevector(p45, p67, 0, 8, 1, 9, 4, 12, 5, 13);
    const Lanes8 hi1 = __builtin_shufflevector(p45, p67, 2, 10, 3, 11, 6, 14, 7, 15);
    x = __builtin_shufflevector(lo0, lo1, 0, 1, 8, 9, 4, 5, 12, 13);
    y = __builtin_shufflevector(lo0, lo1, 2, 3, 10, 11, 6, 7, 14, 15);
    z = __builtin_shufflevector(hi0, hi1, 0, 1, 8, 9, 4, 5, 12, 13);
  }
  static int laneOf(int voxel) { return (voxel >> 1) + 4 * (voxel & 1); }

  Corners8 corners8(int64_t i0, int64_t j, int64_t k, const Lanes4 q[8]) const {
    Lanes8 qi, qj, qk;
    transpose(q, qi, qj, qk);
    const Ints8 ii = int32_t(i0) + Ints8{0, 2, 4, 6, 1, 3, 5, 7};
    const Lanes8 pi = __builtin_convertvector(ii, Lanes8);
    const float pj = float(j), pk = float(k);
    const Lanes8 ci = clamp8(qi, -pi, float(nx_ - 1) - pi);
    const Lanes8 cj = clamp8(qj, Lanes8{} - pj, Lanes8{} + (float(ny_ - 1) - pj));
    const Lanes8 ck = clamp8(qk, Lanes8{} - pk, Lanes8{} + (float(nz_ - 1) - pk));
    const Lanes8 fi = floor8(ci), fj = floor8(cj), fk = floor8(ck);
    const Ints8 si = __builtin_convertvector(fi, Ints8), sj = __builtin_convertvector(fj, Ints8),
                sk = __builtin_convertvector(fk, Ints8);
    Corners8 c;
    c.wi = ci - fi;
    c.wj = cj - fj;
    c.wk = ck - fk;
    const int32_t rowFloats = int32_t(3 * nx_), sliceFloats = int32_t(3 * nx_ * ny_);
    c.di = (ii + si < int32_t(nx_ - 1)) & 3;
    c.dj = (int32_t(j) + sj < int32_t(ny_ - 1)) & rowFloats;
    c.dk = (int32_t(k) + sk < int32_t(nz_ - 1)) & sliceFloats;
    c.offset = 3 * si + rowFloats * sj + sliceFloats * sk;
    c.far = c.offset + c.di + c.dj + c.dk;
    return c;
  }

  static Lanes8 clamp8(Lanes8 q, Lanes8 lowest, Lanes8 highest) {
    const Lanes8 c = q > lowest ? q : lowest;  // NaN fails the test and clamps too
    return c < highest ? c : highest;
  }

  // The blend of the 8 corners at p, p + di, p + dj, ...; four-float loads where `wide` (the
  // farthest corner is not the field's last voxel), else three.
  static Lanes4 blendAt(const float* p, int64_t di, int64_t dj, int64_t dk, bool wide, Lanes4 wi, Lanes4 wj,
                        Lanes4 wk) {
    if (wide)
      return blend(load4(p), load4(p + di), load4(p + dj), load4(p + dj + di), load4(p + dk), load4(p + dk + di),
                   load4(p + dk + dj), load4(p + dk + dj + di), wi, wj, wk);
    return blend(load3(p), load3(p + di), load3(p + dj), load3(p + dj + di), load3(p + dk), load3(p + dk + di),
                 load3(p + dk + dj), load3(p + dk + dj + di), wi, wj, wk);
  }
  static Lanes4 lerp(Lanes4 lo, Lanes4 hi, Lanes4 w) { return mulAdd(w, hi - lo, lo); }
  static Lanes4 blend(Lanes4 v000, Lanes4 v100, Lanes4 v010, Lanes4 v110, Lanes4 v001, Lanes4 v101, Lanes4 v011,
                      Lanes4 v111, Lanes4 wi, Lanes4 wj, Lanes4 wk) {
    const Lanes4 x00 = lerp(v000, v100, wi), x10 = lerp(v010, v110, wi);
    const Lanes4 x01 = lerp(v001, v101, wi), x11 = lerp(v011, v111, wi);
    return lerp(lerp(x00, x10, wj), lerp(x01, x11, wj), wk);
  }

  IndexStep toIndex_;
  const float* data_;
  int64_t nx_, ny_, nz_, lastFloat_;
  bool batched_;
};

// out(x) = s(x) + u(x + s(x)) for every voxel x of u's grid: the composition kernel shared by
// composeFields, composeAdamDirection and any fused step that computes s(x) on the fly (an
// optimiser's direction). `stepAt(n, lastInRow)` returns s at linear voxel n in lanes 0-2 (mm,
// float); it may read four floats of a field at n when lastInRow is false (the next voxel of the
// row exists and has not been written). `out` may be the memory s is read from, since voxel x of
// the output depends on s at x only; it must not be u's.
template <class StepAt>
void composeSteps(const Field& u, const StepAt& stepAt, float* out) {
  const FieldStepSampler sampleUShared(u);
  const int64_t nx = u.grid.size[0], ny = u.grid.size[1], nz = u.grid.size[2];
#pragma omp parallel
  {
    // Per-thread copies: the compiler keeps them in registers, as it cannot for shared objects
    // that the output stores might alias.
    const FieldStepSampler sampleU = sampleUShared;
    const StepAt step = stepAt;
#pragma omp for schedule(static)
    for (int64_t k = 0; k < nz; ++k)
      for (int64_t j = 0; j < ny; ++j) {
        const int64_t row = nx * (j + ny * k);
        float* outRow = out + 3 * row;
        auto stepOfRow = [&](int64_t i, bool lastInRow) { return step(row + i, lastInRow); };
        auto store = [&](int64_t i, Lanes4 s, Lanes4 sampled) { store3(outRow + 3 * i, s + sampled); };
        sampleU.row(j, k, stepOfRow, store);
      }
  }
}

}  // namespace FFDP_LANES_ISA
#pragma GCC diagnostic pop

inline Vec3 toVec3(const Vec3f& v) { return {double(v[0]), double(v[1]), double(v[2])}; }
inline Vec3f toVec3f(const Vec3& v) { return {float(v[0]), float(v[1]), float(v[2])}; }

}  // namespace ffdp::cpu
