// Deterministic reductions: every parallel loop writes one partial result per z-slice, and the
// partials are added here in slice order, so a sum does not depend on the thread count.
#pragma once
#include <array>
#include <cstddef>
#include <vector>

namespace ffdp::cpu {

template <std::size_t N>
std::array<double, N> sumInSliceOrder(const std::vector<std::array<double, N>>& partials) {
  std::array<double, N> total{};
  for (const auto& p : partials)
    for (std::size_t n = 0; n < N; ++n) total[n] += p[n];
  return total;
}

// The same for partials of run-time length stored one after another (slice s at s * width).
inline std::vector<double> sumInSliceOrder(const std::vector<double>& partials, std::size_t width) {
  std::vector<double> total(width, 0.0);
  for (std::size_t s = 0; s * width < partials.size(); ++s)
    for (std::size_t n = 0; n < width; ++n) total[n] += partials[s * width + n];
  return total;
}

}  // namespace ffdp::cpu
