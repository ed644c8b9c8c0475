#include "reg/linear_family.hpp"

#include <algorithm>

namespace ffdp {

Corners domainCorners(const Grid& grid) {
  Corners corners;
  for (int n = 0; n < 8; ++n) {
    const Vec3 index{(n & 1) ? double(grid.size[0] - 1) : 0.0, (n & 2) ? double(grid.size[1] - 1) : 0.0,
                     (n & 4) ? double(grid.size[2] - 1) : 0.0};
    corners[static_cast<size_t>(n)] = grid.indexToPhysical(index);
  }
  return corners;
}

double maxCornerDisplacement(const Affine& a, const Affine& b, const Corners& corners) {
  double worst = 0;
  for (const Vec3& x : corners) worst = std::max(worst, norm(a.apply(x) - b.apply(x)));
  return worst;
}

Mat3 crossMatrix(const Vec3& v) {
  Mat3 K;
  K.m[0][1] = -v[2];
  K.m[0][2] = v[1];
  K.m[1][0] = v[2];
  K.m[1][2] = -v[0];
  K.m[2][0] = -v[1];
  K.m[2][1] = v[0];
  return K;
}

LinearFamily::LinearFamily(TransformKind kind, const Affine& start) : kind_(kind), current_(start) {
  if (kind_ == TransformKind::Rigid) {
    // Polar split M = R S: R is the nearest rotation, S = R^T M the part a rigid stage must not touch.
    rotation_ = nearestRotation(start.M);
    held_ = rotation_.transposed() * start.M;
  }
}

std::vector<double> LinearFamily::gradient(const AffineGradient& g) const {
  if (kind_ == TransformKind::Affine) return std::vector<double>(g.begin(), g.end());
  std::vector<double> r(6, 0.0);
  for (int k = 0; k < 3; ++k) {
    Vec3 e{0, 0, 0};
    e[static_cast<size_t>(k)] = 1;
    const Mat3 dM = crossMatrix(e) * current_.M;
    double s = 0;
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) s += g[static_cast<size_t>(3 * a + b)] * dM.m[a][b];
    r[static_cast<size_t>(k)] = s;
  }
  for (int k = 0; k < 3; ++k) r[static_cast<size_t>(3 + k)] = g[static_cast<size_t>(9 + k)];
  return r;
}

std::vector<double> LinearFamily::shiftScales(const Corners& corners) const {
  std::vector<double> shift(static_cast<size_t>(dof()), 0.0);
  for (const Vec3& x : corners) {
    const Vec3 r = x - current_.c;
    if (kind_ == TransformKind::Rigid) {
      // d A(x) / d w_k = e_k x (M (x - c)).
      const Vec3 q = current_.M * r;
      for (int k = 0; k < 3; ++k) {
        Vec3 e{0, 0, 0};
        e[static_cast<size_t>(k)] = 1;
        shift[static_cast<size_t>(k)] = std::max(shift[static_cast<size_t>(k)], norm(cross(e, q)));
      }
      for (int k = 3; k < 6; ++k) shift[static_cast<size_t>(k)] = 1;
    } else {
      // d A_a(x) / d M_ab = (x - c)_b along axis a.
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
          shift[static_cast<size_t>(3 * a + b)] =
              std::max(shift[static_cast<size_t>(3 * a + b)], std::abs(r[static_cast<size_t>(b)]));
      for (int k = 9; k < 12; ++k) shift[static_cast<size_t>(k)] = 1;
    }
  }
  for (double& s : shift) s *= s;
  return shift;
}

Affine LinearFamily::updated(const std::vector<double>& d) const {
  Affine next = current_;
  if (kind_ == TransformKind::Rigid) {
    const Mat3 R = nearestRotation(rotationFromVector({d[0], d[1], d[2]}) * rotation_);
    next.M = R * held_;
    next.t = current_.t + Vec3{d[3], d[4], d[5]};
  } else {
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) next.M.m[a][b] += d[static_cast<size_t>(3 * a + b)];
    next.t = current_.t + Vec3{d[9], d[10], d[11]};
  }
  return next;
}

void LinearFamily::apply(const std::vector<double>& d) {
  const Affine next = updated(d);
  if (kind_ == TransformKind::Rigid) rotation_ = nearestRotation(rotationFromVector({d[0], d[1], d[2]}) * rotation_);
  current_ = next;
}

}  // namespace ffdp
