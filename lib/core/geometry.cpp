#include "core/geometry.hpp"

#include <algorithm>

namespace ffdp {

Mat3 rotationFromVector(const Vec3& w) {
  const double theta = norm(w);
  Mat3 K;
  K.m[0][1] = -w[2];
  K.m[0][2] = w[1];
  K.m[1][0] = w[2];
  K.m[1][2] = -w[0];
  K.m[2][0] = -w[1];
  K.m[2][1] = w[0];
  // Series coefficients near zero keep the formula accurate for tiny angles.
  const double a = theta < 1e-8 ? 1.0 - theta * theta / 6.0 : std::sin(theta) / theta;
  const double b = theta < 1e-8 ? 0.5 - theta * theta / 24.0 : (1.0 - std::cos(theta)) / (theta * theta);
  const Mat3 K2 = K * K;
  Mat3 R = Mat3::identity();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) R.m[i][j] += a * K.m[i][j] + b * K2.m[i][j];
  return R;
}

Vec3 rotationVector(const Mat3& R) {
  const double c = std::clamp((R.m[0][0] + R.m[1][1] + R.m[2][2] - 1.0) / 2.0, -1.0, 1.0);
  const double theta = std::acos(c);
  const Vec3 v{R.m[2][1] - R.m[1][2], R.m[0][2] - R.m[2][0], R.m[1][0] - R.m[0][1]};
  if (theta < 1e-8) return 0.5 * v;
  if (M_PI - theta > 1e-6) return (theta / (2.0 * std::sin(theta))) * v;
  // Near pi: the axis is the column of (R + I) with the largest norm.
  Mat3 S = R;
  for (int i = 0; i < 3; ++i) S.m[i][i] += 1.0;
  int best = 0;
  double bestNorm = -1;
  for (int j = 0; j < 3; ++j) {
    const double n = norm(Vec3{S.m[0][j], S.m[1][j], S.m[2][j]});
    if (n > bestNorm) bestNorm = n, best = j;
  }
  Vec3 axis{S.m[0][best] / bestNorm, S.m[1][best] / bestNorm, S.m[2][best] / bestNorm};
  return theta * axis;
}

Mat3 nearestRotation(const Mat3& M) {
  Mat3 R = M;
  for (int it = 0; it < 50; ++it) {
    const Mat3 Rit = R.inverse().transposed();
    Mat3 next;
    double change = 0;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        next.m[i][j] = 0.5 * (R.m[i][j] + Rit.m[i][j]);
        change = std::max(change, std::abs(next.m[i][j] - R.m[i][j]));
      }
    R = next;
    if (change < 1e-15) break;
  }
  return R;
}

}  // namespace ffdp
