// Intensity-weighted centre of mass in physical space; negative intensities count as zero. Over the
// owned slices of a slab, combined across ranks (slice_reduce.hpp).
#include <vector>

#include "core/error.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/slice_reduce.hpp"

namespace ffdp::cpu {

Vec3 centreOfMass(const Image& image, Comm& comm) {
  const int64_t nx = image.grid.size[0], ny = image.grid.size[1], nz = image.grid.size[2];
  // Per slice: sum m, sum m i, sum m j, sum m k (index space; mapped to physical once at the end).
  std::vector<std::array<double, 4>> partials(static_cast<size_t>(nz));
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k) {
    std::array<double, 4> p{};
    for (int64_t j = 0; j < ny; ++j) {
      const float* row = image.data.data() + image.grid.linear(0, j, k);
      double m = 0, mi = 0;
      for (int64_t i = 0; i < nx; ++i) {
        const double v = row[i] > 0.0f ? double(row[i]) : 0.0;
        m += v;
        mi += v * double(i);
      }
      p[0] += m;
      p[1] += mi;
      p[2] += m * double(j);
      p[3] += m * double(k);
    }
    partials[size_t(k)] = p;
  }
  std::array<double, 4> total = sumOwnedSlices(image.grid, partials);
  if (!image.grid.isSlab()) {
    if (!(total[0] > 0.0)) fail(ExitCode::Input, "centre of mass: the image has no positive intensity");
    return image.grid.indexToPhysical({total[1] / total[0], total[2] / total[0], total[3] / total[0]});
  }
  // A slab: the index sums are in this buffer's local index, so each rank first moves its part to
  // physical space with its own grid (sum m x = m origin + P sum m idx), then the ranks add.
  const Vec3 weighted = image.grid.indexToPhysicalMatrix() * Vec3{total[1], total[2], total[3]};
  for (int a = 0; a < 3; ++a) total[size_t(a + 1)] = total[0] * image.grid.origin[a] + weighted[a];
  acrossRanksSum(image.grid, comm, total.data(), total.size());
  if (!(total[0] > 0.0)) fail(ExitCode::Input, "centre of mass: the image has no positive intensity");
  return {total[1] / total[0], total[2] / total[0], total[3] / total[0]};
}

}  // namespace ffdp::cpu
