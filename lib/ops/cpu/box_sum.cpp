#include "ops/cpu/box_sum.hpp"

#include <algorithm>

namespace ffdp::cpu {
namespace {

// out[n] = sum_{m = max(0, n-r)}^{min(len-1, n+r)} in[m * stride] for rows of `width` contiguous values
// (stride between rows): the line sum of `width` parallel lines at once, vectorisable along the row.
void windowSumRows(const double* in, double* out, int64_t len, int64_t width, int64_t stride, int r) {
  for (int64_t n = 0; n < len; ++n) {
    double* o = out + n * width;
    const int64_t lo = std::max<int64_t>(0, n - r), hi = std::min<int64_t>(len - 1, n + r);
    const double* first = in + lo * stride;
    for (int64_t x = 0; x < width; ++x) o[x] = first[x];
    for (int64_t m = lo + 1; m <= hi; ++m) {
      const double* src = in + m * stride;
      for (int64_t x = 0; x < width; ++x) o[x] += src[x];
    }
  }
}

}  // namespace

void boxSumInPlace(std::vector<double>& data, const std::array<int64_t, 3>& size, int radius) {
  if (radius <= 0) return;
  const int64_t nx = size[0], ny = size[1], nz = size[2], plane = nx * ny;
  double* d = data.data();
  // Along i and j within each slice (one thread per slice).
#pragma omp parallel
  {
    std::vector<double> row(static_cast<size_t>(nx)), slice(static_cast<size_t>(plane));
#pragma omp for schedule(static)
    for (int64_t k = 0; k < nz; ++k) {
      double* s = d + k * plane;
      for (int64_t j = 0; j < ny; ++j) {
        double* line = s + j * nx;
        std::copy(line, line + nx, row.begin());
        for (int64_t i = 0; i < nx; ++i) {
          const int64_t lo = std::max<int64_t>(0, i - radius), hi = std::min<int64_t>(nx - 1, i + radius);
          double acc = row[size_t(lo)];
          for (int64_t m = lo + 1; m <= hi; ++m) acc += row[size_t(m)];
          line[i] = acc;
        }
      }
      std::copy(s, s + plane, slice.begin());
      windowSumRows(slice.data(), s, ny, nx, nx, radius);
    }
  }
  // Along k: for each j, the (i, k) plane gathered into a buffer, summed, written back.
#pragma omp parallel
  {
    std::vector<double> in(static_cast<size_t>(nx * nz)), out(static_cast<size_t>(nx * nz));
#pragma omp for schedule(static)
    for (int64_t j = 0; j < ny; ++j) {
      for (int64_t k = 0; k < nz; ++k)
        std::copy(d + k * plane + j * nx, d + k * plane + (j + 1) * nx, in.begin() + k * nx);
      windowSumRows(in.data(), out.data(), nz, nx, nx, radius);
      for (int64_t k = 0; k < nz; ++k)
        std::copy(out.begin() + k * nx, out.begin() + (k + 1) * nx, d + k * plane + j * nx);
    }
  }
}

}  // namespace ffdp::cpu
