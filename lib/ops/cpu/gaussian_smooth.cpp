// Separable Gaussian smoothing for pyramid levels and displacement fields (separable_gaussian.hpp).
// A voxel holds C interleaved floats (1 for an image, 3 for a field); each pass runs along one
// axis and treats the C components as independent lines.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/separable_gaussian.hpp"

namespace ffdp::cpu {
namespace {

struct AxisKernel {
  int radius = 0;
  std::vector<double> weight;   // weight[t + radius], t in [-radius, radius]
  std::vector<double> invNorm;  // per output position: 1 / sum of the weights of its inside taps
};

AxisKernel axisKernel(double sigma, int64_t length) {
  AxisKernel k;
  // Taps beyond the line's length would only ever fall outside it: the radius stops there, which
  // also keeps a huge sigma from overflowing the integer radius.
  k.radius = static_cast<int>(std::min(std::ceil(4.0 * sigma), double(std::max<int64_t>(length - 1, 0))));
  for (int t = -k.radius; t <= k.radius; ++t)
    k.weight.push_back(std::exp(-0.5 * double(t) * double(t) / (sigma * sigma)));
  k.invNorm.resize(size_t(length));
  for (int64_t n = 0; n < length; ++n) {
    double s = 0;
    for (int t = -k.radius; t <= k.radius; ++t)
      if (n + t >= 0 && n + t < length) s += k.weight[size_t(t + k.radius)];
    k.invNorm[size_t(n)] = 1.0 / s;
  }
  return k;
}

// Along i, one row of nx voxels of C components: the C sums stay in registers.
template <int C>
void smoothRow(const float* src, float* dst, int64_t nx, const AxisKernel& k) {
  for (int64_t i = 0; i < nx; ++i) {
    const int64_t lo = std::max<int64_t>(0, i - k.radius), hi = std::min<int64_t>(nx - 1, i + k.radius);
    double acc[C] = {};
    for (int64_t m = lo; m <= hi; ++m) {
      const double w = k.weight[size_t(m - i + k.radius)];
      for (int c = 0; c < C; ++c) acc[c] += w * double(src[m * C + c]);
    }
    for (int c = 0; c < C; ++c) dst[i * C + c] = static_cast<float>(acc[c] * k.invNorm[size_t(i)]);
  }
}

// out[n] = invNorm[n] sum_t w[t] in[n + t] for `width` parallel lines at once: line element x of
// position m is at in[m * stride + x]; results go to out[n * stride + x]. acc has `width` doubles.
void smoothLines(const float* in, float* out, int64_t length, int64_t width, int64_t stride, const AxisKernel& k,
                 double* acc) {
  for (int64_t n = 0; n < length; ++n) {
    for (int64_t x = 0; x < width; ++x) acc[x] = 0.0;
    const int64_t lo = std::max<int64_t>(0, n - k.radius), hi = std::min<int64_t>(length - 1, n + k.radius);
    for (int64_t m = lo; m <= hi; ++m) {
      const double w = k.weight[size_t(m - n + k.radius)];
      const float* src = in + m * stride;
      for (int64_t x = 0; x < width; ++x) acc[x] += w * double(src[x]);
    }
    const double s = k.invNorm[size_t(n)];
    float* dst = out + n * stride;
    for (int64_t x = 0; x < width; ++x) dst[x] = static_cast<float>(acc[x] * s);
  }
}

// The three passes over C-component voxels, ping-ponging between `a` (input, and output on
// return) and `b` (scratch of the same size).
template <int C, class T>
void smoothPasses(std::vector<T>& a, std::vector<T>& b, const std::array<int64_t, 3>& size, const Vec3& sigma) {
  static_assert(sizeof(T) == C * sizeof(float), "a voxel must be C packed floats");
  const int64_t nx = size[0], ny = size[1], nz = size[2], plane = nx * ny;
  const auto floats = [](std::vector<T>& v) { return reinterpret_cast<float*>(v.data()); };
  // Along i: each row on its own.
  if (sigma[0] > 0) {
    const AxisKernel k = axisKernel(sigma[0], nx);
    const float* in = floats(a);
    float* out = floats(b);
#pragma omp parallel for schedule(static)
    for (int64_t kz = 0; kz < nz; ++kz)
      for (int64_t j = 0; j < ny; ++j) {
        const int64_t row = (kz * plane + j * nx) * C;
        smoothRow<C>(in + row, out + row, nx, k);
      }
    std::swap(a, b);
  }
  // Along j and along k: `groups` sets of nx*C parallel lines of `length` positions, set g starting
  // at g * groupStride, successive positions `stride` floats apart.
  const auto alongLines = [&](double s, int64_t length, int64_t groups, int64_t groupStride, int64_t stride) {
    if (!(s > 0)) return;
    const AxisKernel k = axisKernel(s, length);
    const float* in = floats(a);
    float* out = floats(b);
#pragma omp parallel
    {
      std::vector<double> acc(static_cast<size_t>(nx * C));
#pragma omp for schedule(static)
      for (int64_t g = 0; g < groups; ++g)
        smoothLines(in + g * groupStride, out + g * groupStride, length, nx * C, stride, k, acc.data());
    }
    std::swap(a, b);
  };
  alongLines(sigma[1], ny, nz, plane * C, nx * C);  // whole rows of one slice at a time
  alongLines(sigma[2], nz, ny, nx * C, plane * C);  // for each j, the rows of every slice
}

}  // namespace

template <class T>
void smoothSeparableInPlace(Volume<T>& volume, const Vec3& sigmaVoxels) {
  if (!(sigmaVoxels[0] > 0 || sigmaVoxels[1] > 0 || sigmaVoxels[2] > 0) || volume.voxels() == 0) return;
  std::vector<T> scratch(volume.data.size());
  smoothPasses<int(sizeof(T) / sizeof(float))>(volume.data, scratch, volume.grid.size, sigmaVoxels);
}

template void smoothSeparableInPlace<float>(Volume<float>&, const Vec3&);
template void smoothSeparableInPlace<Vec3f>(Volume<Vec3f>&, const Vec3&);

Image gaussianSmooth(const Image& in, const Vec3& sigmaVoxels) {
  Image out = in;
  smoothSeparableInPlace(out, sigmaVoxels);
  return out;
}

}  // namespace ffdp::cpu
