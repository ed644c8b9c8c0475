// det(I + du/dx) per voxel. The index-space derivative dU/dq (central differences, one-sided on
// the outer voxels, zero along an axis of a single voxel) maps to physical space through the
// chain rule q = (D diag s)^-1 (x - origin):  du/dx = dU/dq (D diag s)^-1.
#include "core/error.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/field_sampling.hpp"

namespace ffdp::cpu {
namespace {

// The two neighbours along one axis and the index distance between them.
struct Difference {
  int64_t lo, hi;
  double invStep;  // 1 / (hi - lo), 0 when the axis has one voxel
};

Difference difference(int64_t n, int64_t size) {
  if (size < 2) return {n, n, 0.0};
  const int64_t lo = n > 0 ? n - 1 : 0, hi = n < size - 1 ? n + 1 : size - 1;
  return {lo, hi, 1.0 / double(hi - lo)};
}

}  // namespace

Image jacobianDeterminant(const Field& u) {
  if (u.voxels() == 0) fail(ExitCode::Internal, "jacobianDeterminant: the field is empty");
  const Grid& grid = u.grid;
  const Mat3 toIndex = grid.indexToPhysicalMatrix().inverse();
  const int64_t nx = grid.size[0], ny = grid.size[1], nz = grid.size[2];
  Image det(grid);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k) {
    const Difference dk = difference(k, nz);
    for (int64_t j = 0; j < ny; ++j) {
      const Difference dj = difference(j, ny);
      for (int64_t i = 0; i < nx; ++i) {
        const Difference di = difference(i, nx);
        const Vec3f* along[3][2] = {{&u.at(di.lo, j, k), &u.at(di.hi, j, k)},
                                    {&u.at(i, dj.lo, k), &u.at(i, dj.hi, k)},
                                    {&u.at(i, j, dk.lo), &u.at(i, j, dk.hi)}};
        const double invStep[3] = {di.invStep, dj.invStep, dk.invStep};
        Mat3 dUdq;  // dUdq[c][a] = d u_c / d q_a
        for (int a = 0; a < 3; ++a)
          for (int c = 0; c < 3; ++c)
            dUdq.m[c][a] = (double((*along[a][1])[c]) - double((*along[a][0])[c])) * invStep[a];
        Mat3 F = dUdq * toIndex;
        for (int c = 0; c < 3; ++c) F.m[c][c] += 1.0;
        det.at(i, j, k) = static_cast<float>(F.determinant());
      }
    }
  }
  return det;
}

}  // namespace ffdp::cpu
