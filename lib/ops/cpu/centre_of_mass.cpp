// Intensity-weighted centre of mass in physical space; negative intensities count as zero. Over the
// owned slices of every rank's slab, in whole-slice order (slice_reduce.hpp).
#include <vector>

#include "core/error.hpp"
#include "dist/slab.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/slice_reduce.hpp"

namespace ffdp::cpu {

Vec3 centreOfMass(const Image& image, Comm& comm) {
  const int64_t nx = image.grid.size[0], ny = image.grid.size[1], nz = image.grid.size[2];
  const int64_t firstSlice = image.grid.slab.firstSlice;  // slice k of a slab is whole slice k + firstSlice
  // Per slice: sum m, sum m i, sum m j, sum m k against the whole grid's index (mapped to physical
  // once at the end), added in whole-slice order over every rank: the same bits on any rank count.
  std::vector<double> partials(4 * static_cast<size_t>(nz), 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k) {
    double* p = partials.data() + 4 * size_t(k);
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
      p[3] += m * double(k + firstSlice);
    }
  }
  const std::vector<double> total = sumSlicesInWholeOrder(image.grid, comm, partials.data(), 4);
  if (!(total[0] > 0.0)) fail(ExitCode::Input, "centre of mass: the image has no positive intensity");
  return wholeGridOf(image.grid).indexToPhysical({total[1] / total[0], total[2] / total[0], total[3] / total[0]});
}

}  // namespace ffdp::cpu
