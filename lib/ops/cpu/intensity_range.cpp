#include "ops/cpu/intensity_range.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "ops/cpu/slice_reduce.hpp"
#include "ops/whole_intensity_range.hpp"

namespace ffdp::cpu {

IntensityRange intensityRange(const Image& image, Comm& comm) {
  // A window of a sharded image: the whole image's range, which the slab decorator reduced over ranks.
  if (const auto whole = wholeIntensityRangeOf(image)) return {whole->min, whole->max};
  const int64_t nz = image.grid.size[2], plane = image.grid.size[0] * image.grid.size[1];
  std::vector<double> lo(size_t(nz), std::numeric_limits<double>::infinity());
  std::vector<double> hi(size_t(nz), -std::numeric_limits<double>::infinity());
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k) {
    const float* p = image.data.data() + k * plane;
    float a = p[0], b = p[0];
    for (int64_t n = 1; n < plane; ++n) {
      a = std::min(a, p[n]);
      b = std::max(b, p[n]);
    }
    lo[size_t(k)] = a;
    hi[size_t(k)] = b;
  }
  IntensityRange r{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (int64_t k = image.grid.ownedBegin(); k < image.grid.ownedEnd(); ++k) {  // slice_reduce.hpp's rule
    r.min = std::min(r.min, lo[size_t(k)]);
    r.max = std::max(r.max, hi[size_t(k)]);
  }
  acrossRanksMin(image.grid, comm, &r.min, 1);
  acrossRanksMax(image.grid, comm, &r.max, 1);
  return r;
}

}  // namespace ffdp::cpu
