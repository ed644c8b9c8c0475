// A Grid as kernels see it: plain numbers, copied by value into a launch. Index -> physical and
// back, with the same conventions as core/grid.hpp (p = origin + D diag(spacing) index, i fastest).
#pragma once
#include <cstdint>

#include "core/grid.hpp"
#include "core/host_device.hpp"

namespace ffdp::cuda {

struct GridView {
  int64_t nx = 0, ny = 0, nz = 0;
  double toPhysical[3][3] = {};  // D diag(spacing)
  double toIndex[3][3] = {};     // its inverse
  double origin[3] = {};

  FFDP_HD int64_t voxels() const { return nx * ny * nz; }
  FFDP_HD int64_t linear(int64_t i, int64_t j, int64_t k) const { return i + nx * (j + ny * k); }
  FFDP_HD void physical(double i, double j, double k, double p[3]) const {
    for (int a = 0; a < 3; ++a)
      p[a] = origin[a] + toPhysical[a][0] * i + toPhysical[a][1] * j + toPhysical[a][2] * k;
  }
  FFDP_HD void index(const double p[3], double q[3]) const {
    const double d[3] = {p[0] - origin[0], p[1] - origin[1], p[2] - origin[2]};
    for (int a = 0; a < 3; ++a) q[a] = toIndex[a][0] * d[0] + toIndex[a][1] * d[1] + toIndex[a][2] * d[2];
  }
};

inline GridView makeGridView(const Grid& g) {
  GridView v;
  v.nx = g.size[0];
  v.ny = g.size[1];
  v.nz = g.size[2];
  const Mat3 P = g.indexToPhysicalMatrix(), Q = P.inverse();
  for (int a = 0; a < 3; ++a) {
    v.origin[a] = g.origin[a];
    for (int b = 0; b < 3; ++b) {
      v.toPhysical[a][b] = P.m[a][b];
      v.toIndex[a][b] = Q.m[a][b];
    }
  }
  return v;
}

}  // namespace ffdp::cuda
