// Separable Gaussian smoothing for pyramid levels. Sigma is in input voxels per axis; the kernel
// has radius ceil(4 sigma) and is renormalised over the taps inside the image at the border
// (so a constant image stays constant and no intensity leaks in from outside).
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/cpu/cpu_ops.hpp"

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

}  // namespace

Image gaussianSmooth(const Image& in, const Vec3& sigmaVoxels) {
  const int64_t nx = in.grid.size[0], ny = in.grid.size[1], nz = in.grid.size[2], plane = nx * ny;
  Image a = in;
  Image b(in.grid);
  // Along i: each row on its own.
  if (sigmaVoxels[0] > 0) {
    const AxisKernel k = axisKernel(sigmaVoxels[0], nx);
#pragma omp parallel for schedule(static)
    for (int64_t kz = 0; kz < nz; ++kz)
      for (int64_t j = 0; j < ny; ++j) {
        const float* src = a.data.data() + kz * plane + j * nx;
        float* dst = b.data.data() + kz * plane + j * nx;
        for (int64_t i = 0; i < nx; ++i) {
          const int64_t lo = std::max<int64_t>(0, i - k.radius), hi = std::min<int64_t>(nx - 1, i + k.radius);
          double acc = 0;
          for (int64_t m = lo; m <= hi; ++m) acc += k.weight[size_t(m - i + k.radius)] * double(src[m]);
          dst[i] = static_cast<float>(acc * k.invNorm[size_t(i)]);
        }
      }
    std::swap(a.data, b.data);
  }
  // Along j: whole rows of one slice at a time.
  if (sigmaVoxels[1] > 0) {
    const AxisKernel k = axisKernel(sigmaVoxels[1], ny);
#pragma omp parallel
    {
      std::vector<double> acc(static_cast<size_t>(nx));
#pragma omp for schedule(static)
      for (int64_t kz = 0; kz < nz; ++kz)
        smoothLines(a.data.data() + kz * plane, b.data.data() + kz * plane, ny, nx, nx, k, acc.data());
    }
    std::swap(a.data, b.data);
  }
  // Along k: for each j, the rows (i) of every slice.
  if (sigmaVoxels[2] > 0) {
    const AxisKernel k = axisKernel(sigmaVoxels[2], nz);
#pragma omp parallel
    {
      std::vector<double> acc(static_cast<size_t>(nx));
#pragma omp for schedule(static)
      for (int64_t j = 0; j < ny; ++j)
        smoothLines(a.data.data() + j * nx, b.data.data() + j * nx, nz, nx, plane, k, acc.data());
    }
    std::swap(a.data, b.data);
  }
  return a;
}

}  // namespace ffdp::cpu
