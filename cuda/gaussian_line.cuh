// One output of the separable Gaussian along one axis, with the CPU reference's maths
// (lib/ops/cpu/gaussian_smooth.cpp): radius ceil(4 sigma) capped at length - 1, weights
// exp(-t^2 / 2 sigma^2) rounded to float, and each output multiplied by the float inverse of the
// (double) sum of the weights of its inside taps, so a constant stays constant at the border. The
// taps are summed in float from the lowest inside position up, acc = w x; acc = acc + w x; ...,
// rounded as written (field_exact_math.cuh: no fused multiply-add). Host code builds the tables;
// kernels and the host tests evaluate gaussianLineOutput.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "field_exact_math.cuh"
#include "core/host_device.hpp"

namespace ffdp::cuda {

// For one axis: weights[t + radius] for t in [-radius, radius], then invNorm[n] for every
// position n of a line, stored one after the other in `table` (one device upload for all axes).
struct GaussianAxisTable {
  int radius = 0;
  int64_t length = 0;
  std::vector<float> table;  // 2 radius + 1 weights, then `length` inverse norms
};

// ceil(4 sigma), capped at length - 1 (taps beyond would fall outside every line).
inline int gaussianAxisRadius(double sigma, int64_t length) {
  return static_cast<int>(std::min(std::ceil(4.0 * sigma), double(std::max<int64_t>(length - 1, 0))));
}

inline GaussianAxisTable gaussianAxisTable(double sigma, int64_t length) {
  GaussianAxisTable k;
  k.length = length;
  k.radius = gaussianAxisRadius(sigma, length);
  std::vector<double> w;
  for (int t = -k.radius; t <= k.radius; ++t) w.push_back(std::exp(-0.5 * double(t) * double(t) / (sigma * sigma)));
  for (const double x : w) k.table.push_back(float(x));
  for (int64_t n = 0; n < length; ++n) {
    double s = 0;
    for (int t = -k.radius; t <= k.radius; ++t)
      if (n + t >= 0 && n + t < length) s += w[size_t(t + k.radius)];
    k.table.push_back(float(1.0 / s));
  }
  return k;
}

// w[0] x[0] + w[1] x[stride] + ... over `count` taps, summed in order from the first.
FFDP_HD inline float gaussianTapSum(const float* first, int64_t stride, int64_t count, const float* weight) {
  float acc = exact::mulf(weight[0], first[0]);
  for (int64_t t = 1; t < count; ++t) acc = exact::addf(acc, exact::mulf(weight[t], first[t * stride]));
  return acc;
}

// The smoothed value at position n of a line whose position m is line[m * stride].
// `weight` points at the 2 radius + 1 weights, `invNorm` is this position's inverse norm.
FFDP_HD inline float gaussianLineOutput(const float* line, int64_t stride, int64_t n, int64_t length, int radius,
                                        const float* weight, float invNorm) {
  const int64_t lo = n - radius > 0 ? n - radius : 0;
  const int64_t hi = n + radius < length - 1 ? n + radius : length - 1;
  return exact::mulf(gaussianTapSum(line + lo * stride, stride, hi - lo + 1, weight + (lo - n + radius)), invNorm);
}

}  // namespace ffdp::cuda
