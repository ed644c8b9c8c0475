// The parameters a linear stage optimises, as small updates around the current affine
// A(x) = M (x - c) + t + c (centre c held fixed):
//   Rigid (6):  M <- R(dw) M, t <- t + dt, parameters (dw, dt). R(dw) = rotationFromVector(dw) rotates
//               about the centre. M is kept as R S with S held: when the incoming M is a rotation S = I;
//               when it is not (a file or an earlier affine stage), its non-rigid part S stays as it was
//               and only R moves (re-orthogonalised after every step so rounding cannot shear it).
//   Affine (12): M and t directly (ITK's parameter order: M row-major, then t).
#pragma once
#include <array>
#include <vector>

#include "core/affine.hpp"
#include "core/grid.hpp"
#include "ops/backend.hpp"
#include "spec/spec.hpp"

namespace ffdp {

using Corners = std::array<Vec3, 8>;

// Physical centres of the 8 corner voxels of a grid.
Corners domainCorners(const Grid& grid);
// Largest distance between a(x) and b(x) over the corners.
double maxCornerDisplacement(const Affine& a, const Affine& b, const Corners& corners);

class LinearFamily {
 public:
  LinearFamily(TransformKind kind, const Affine& start);

  int dof() const { return kind_ == TransformKind::Rigid ? 6 : 12; }
  TransformKind kind() const { return kind_; }
  const Affine& current() const { return current_; }

  // Gradient of the metric w.r.t. this family's parameters at 0, from the 12-parameter gradient.
  // Rigid: dM/dw_k = [e_k]x M, so g_w[k] = sum_ab G_M[a][b] ([e_k]x M)[a][b]; g_dt = G_t.
  std::vector<double> gradient(const AffineGradient& g) const;
  // ANTs' physical-shift scales: for each parameter, the largest distance a corner moves per unit
  // change (exact derivative; the maps are linear in the parameters at 0), squared.
  std::vector<double> shiftScales(const Corners& corners) const;
  // The affine after the update `delta` (not applied).
  Affine updated(const std::vector<double>& delta) const;
  void apply(const std::vector<double>& delta);

 private:
  TransformKind kind_;
  Affine current_;
  Mat3 rotation_ = Mat3::identity();  // rigid: M = rotation_ * held_
  Mat3 held_ = Mat3::identity();
};

// [v]x, the matrix of v x (.).
Mat3 crossMatrix(const Vec3& v);

}  // namespace ffdp
