// Separable Gaussian smoothing for pyramid levels and displacement fields (separable_gaussian.hpp).
// A voxel holds C interleaved floats (1 for an image, 3 for a field); each pass treats the C
// components as independent lines.
//
// Speed (the greedy step smooths two full fields per iteration): the three passes are fused per
// z-slice and run in place without a copy of the volume. A thread owns a range of slices; each
// slice is smoothed along i and j into a ring of 2r+1 slices, and output slice k, the weighted sum
// of the ring's slices k-r..k+r, is written over the input slice k, which the ring no longer
// needs. The r input slices on either side of a thread's range belong to its neighbours, which
// overwrite them: every thread smooths those along i and j before a barrier, and only then
// starts writing.
//
// Arithmetic (every pass, every output), all in float with the weights rounded to float from
// double: acc = w[lo] * x[lo]; acc = mulAdd(w[m], x[m], acc) for the next inside taps m in
// increasing order; out = acc * invNorm[n]. mulAdd (float_lanes.hpp) rounds the same way in the
// 8-lane and the scalar paths, so images and fields give the same bits. Each output depends only
// on its line and its position, never on the thread count. Float sums of at most 2r+1 taps of
// positive weights are accurate to a few float ulps: smoothing_test.cpp compares the result with
// the definition evaluated in double (error below 1e-5 of the values' range, 1 to 4 threads) and
// checks the delta's mass and variance, a ramp and a constant at 1e-5 relative or better.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/float_lanes.hpp"
#include "ops/cpu/separable_gaussian.hpp"

namespace ffdp::cpu {
namespace {

struct AxisKernel {
  int radius = 0;
  std::vector<float> weight;   // weight[t + radius], t in [-radius, radius]
  std::vector<float> invNorm;  // per output position: 1 / sum of the weights of its inside taps
};

AxisKernel axisKernel(double sigma, int64_t length) {
  AxisKernel k;
  // Taps beyond the line's length would only ever fall outside it: the radius stops there, which
  // also keeps a huge sigma from overflowing the integer radius.
  k.radius = static_cast<int>(std::min(std::ceil(4.0 * sigma), double(std::max<int64_t>(length - 1, 0))));
  std::vector<double> w;
  for (int t = -k.radius; t <= k.radius; ++t) w.push_back(std::exp(-0.5 * double(t) * double(t) / (sigma * sigma)));
  for (const double x : w) k.weight.push_back(float(x));
  k.invNorm.resize(size_t(length));
  for (int64_t n = 0; n < length; ++n) {
    double s = 0;
    for (int t = -k.radius; t <= k.radius; ++t)
      if (n + t >= 0 && n + t < length) s += w[size_t(t + k.radius)];
    k.invNorm[size_t(n)] = float(1.0 / s);
  }
  return k;
}

// dst[x] = (w[0] src[0][x] + ... + w[taps-1] src[taps-1][x]) * scale for x < length, summed in
// tap order. The one kernel of all three passes: along i the taps are one row at offsets of C
// floats, along j rows of a slice, along k slices of the ring.
void weightedSum(const float* const* src, const float* w, int taps, float scale, float* dst, int64_t length) {
  int64_t x = 0;
  for (; x + 8 <= length; x += 8) {
    Lanes8 acc = w[0] * load8(src[0] + x);
    for (int t = 1; t < taps; ++t) acc = mulAdd(w[t], load8(src[t] + x), acc);
    store8(dst + x, acc * scale);
  }
  for (; x < length; ++x) {
    float acc = w[0] * src[0][x];
    for (int t = 1; t < taps; ++t) acc = mulAdd(w[t], src[t][x], acc);
    dst[x] = acc * scale;
  }
}

// Along i: one row of nx voxels of C floats. Interior positions (all taps inside) form one
// contiguous run of floats; the few border positions renormalise over their inside taps.
template <int C>
void smoothRowAlongI(const float* src, float* dst, int64_t nx, const AxisKernel& k, std::vector<const float*>& taps) {
  const int r = k.radius;
  if (nx > 2 * int64_t(r)) {
    for (int t = 0; t <= 2 * r; ++t) taps[size_t(t)] = src + int64_t(t) * C;
    weightedSum(taps.data(), k.weight.data(), 2 * r + 1, k.invNorm[size_t(r)], dst + int64_t(r) * C, (nx - 2 * r) * C);
  }
  for (int64_t n = 0; n < nx; ++n) {
    if (n >= r && n < nx - r) n = nx - r;  // skip the interior
    if (n >= nx) break;
    const int64_t lo = std::max<int64_t>(0, n - r), hi = std::min<int64_t>(nx - 1, n + r);
    for (int c = 0; c < C; ++c) {
      float acc = k.weight[size_t(lo - n + r)] * src[lo * C + c];
      for (int64_t m = lo + 1; m <= hi; ++m) acc = mulAdd(k.weight[size_t(m - n + r)], src[m * C + c], acc);
      dst[n * C + c] = acc * k.invNorm[size_t(n)];
    }
  }
}

// Along one axis of `count` lines-of-lines: output block n (of `width` floats, at out + n *
// width) from input blocks lo..hi found through `block(m)`.
template <class BlockOf>
void smoothBlocks(const AxisKernel& k, int64_t count, int64_t n, int64_t width, float* out, BlockOf block,
                  std::vector<const float*>& taps) {
  const int r = k.radius;
  const int64_t lo = std::max<int64_t>(0, n - r), hi = std::min<int64_t>(count - 1, n + r);
  for (int64_t m = lo; m <= hi; ++m) taps[size_t(m - lo)] = block(m);
  weightedSum(taps.data(), k.weight.data() + (lo - n + r), int(hi - lo + 1), k.invNorm[size_t(n)], out, width);
}

template <int C>
class SeparableSmoother {
 public:
  SeparableSmoother(float* data, const std::array<int64_t, 3>& size, const Vec3& sigma)
      : data_(data), nx_(size[0]), ny_(size[1]), nz_(size[2]), row_(size[0] * C), slice_(size[0] * C * size[1]) {
    alongI_ = sigma[0] > 0;
    alongJ_ = sigma[1] > 0;
    alongK_ = sigma[2] > 0;
    if (alongI_) ki_ = axisKernel(sigma[0], nx_);
    if (alongJ_) kj_ = axisKernel(sigma[1], ny_);
    if (alongK_) kk_ = axisKernel(sigma[2], nz_);
    maxTaps_ = 2 * std::max({ki_.radius, kj_.radius, kk_.radius}) + 1;
  }

  void run() {
    if (alongK_)
      runWithRing();
    else
      runSliceBySlice();
  }

 private:
  float* raw(int64_t k) const { return data_ + k * slice_; }

  // Slice `in` smoothed along i and j into `out` (another slice), through `scratch`.
  void smoothSliceIJ(const float* in, float* out, float* scratch, std::vector<const float*>& taps) const {
    if (!alongI_ && !alongJ_) {
      std::memcpy(out, in, size_t(slice_) * sizeof(float));
      return;
    }
    const float* rows = in;
    if (alongI_) {
      float* iOut = alongJ_ ? scratch : out;
      for (int64_t j = 0; j < ny_; ++j) smoothRowAlongI<C>(in + j * row_, iOut + j * row_, nx_, ki_, taps);
      rows = iOut;
    }
    if (alongJ_)
      for (int64_t j = 0; j < ny_; ++j)
        smoothBlocks(kj_, ny_, j, row_, out + j * row_, [&](int64_t m) { return rows + m * row_; }, taps);
  }

  // No pass along k: slices are independent; each is smoothed into a scratch slice and copied back.
  void runSliceBySlice() const {
#pragma omp parallel
    {
      std::unique_ptr<float[]> scratch(new float[size_t(2 * slice_)]);
      std::vector<const float*> taps(static_cast<size_t>(maxTaps_));
#pragma omp for schedule(static)
      for (int64_t k = 0; k < nz_; ++k) {
        smoothSliceIJ(raw(k), scratch.get(), scratch.get() + slice_, taps);
        std::memcpy(raw(k), scratch.get(), size_t(slice_) * sizeof(float));
      }
    }
  }

  void runWithRing() const {
    const int r = kk_.radius;
    const int64_t ringSlices = std::min<int64_t>(2 * int64_t(r) + 1, nz_);
#pragma omp parallel
    {
      const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
      const int64_t k0 = nz_ * t / threads, k1 = nz_ * (t + 1) / threads;  // this thread's output slices
      const int64_t haloEnd = std::min<int64_t>(nz_, k1 + r);
      std::unique_ptr<float[]> ring, halo, scratch;
      std::vector<const float*> taps(static_cast<size_t>(maxTaps_));
      if (k0 < k1) {
        ring.reset(new float[size_t(ringSlices * slice_)]);
        halo.reset(new float[size_t(std::max<int64_t>(haloEnd - k1, 0) * slice_)]);
        scratch.reset(new float[size_t(slice_)]);
      }
      const auto ringSlot = [&](int64_t m) { return ring.get() + (m % ringSlices) * slice_; };
      const auto smoothedIJ = [&](int64_t m) -> const float* {
        return m >= k1 ? halo.get() + (m - k1) * slice_ : ringSlot(m);
      };
      // The neighbours' input slices that this thread reads, before anyone writes.
      if (k0 < k1) {
        for (int64_t m = std::max<int64_t>(0, k0 - r); m < k0; ++m)
          smoothSliceIJ(raw(m), ringSlot(m), scratch.get(), taps);
        for (int64_t m = k1; m < haloEnd; ++m) smoothSliceIJ(raw(m), halo.get() + (m - k1) * slice_, scratch.get(), taps);
      }
#pragma omp barrier
      int64_t next = k0;  // the next own input slice to smooth along i and j
      for (int64_t k = k0; k < k1; ++k) {
        for (; next <= std::min<int64_t>(k + r, k1 - 1); ++next) smoothSliceIJ(raw(next), ringSlot(next), scratch.get(), taps);
        // Input slice k is in the ring by now, so its memory takes the output.
        smoothBlocks(kk_, nz_, k, slice_, raw(k), smoothedIJ, taps);
      }
    }
  }

  float* data_;
  int64_t nx_, ny_, nz_, row_, slice_;
  bool alongI_ = false, alongJ_ = false, alongK_ = false;
  AxisKernel ki_, kj_, kk_;
  int maxTaps_ = 1;
};

}  // namespace

template <class T>
void smoothSeparableInPlace(Volume<T>& volume, const Vec3& sigmaVoxels) {
  if (!(sigmaVoxels[0] > 0 || sigmaVoxels[1] > 0 || sigmaVoxels[2] > 0) || volume.voxels() == 0) return;
  constexpr int C = int(sizeof(T) / sizeof(float));
  static_assert(sizeof(T) == C * sizeof(float), "a voxel must be C packed floats");
  SeparableSmoother<C>(reinterpret_cast<float*>(volume.data.data()), volume.grid.size, sigmaVoxels).run();
}

template void smoothSeparableInPlace<float>(Volume<float>&, const Vec3&);
template void smoothSeparableInPlace<Vec3f>(Volume<Vec3f>&, const Vec3&);

Image gaussianSmooth(const Image& in, const Vec3& sigmaVoxels) {
  Image out = in;
  smoothSeparableInPlace(out, sigmaVoxels);
  return out;
}

}  // namespace ffdp::cpu
