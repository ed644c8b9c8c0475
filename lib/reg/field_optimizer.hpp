// The deformable stages' optimiser (FireANTs-style "Riemannian Adam" on a displacement field):
// one update takes the metric gradient g = d(metric)/d(u(x)), smooths it (sigma_grad), forms Adam's
// bias-corrected direction d, scales d so that its largest vector is `step` mm, composes
// u <- u ∘ (x - d) (r(x) = -d(x) + u(x - d(x))) and smooths u (sigma_warp). Every voxel-wise
// operation goes through the Backend; this class only holds the state and orchestrates.
#pragma once
#include "core/field.hpp"
#include "ops/backend.hpp"

namespace ffdp {

struct FieldStepSettings {
  double stepMm = 0;        // largest displacement of one update, mm
  Vec3 gradientSigma{};     // voxels of the field's grid per axis (0 = none)
  Vec3 warpSigma{};         // voxels of the field's grid per axis (0 = none)
};

class FieldOptimizer {
 public:
  static constexpr double kBeta1 = 0.9;
  static constexpr double kBeta2 = 0.999;
  // Adam's epsilon, relative to the largest gradient seen in the moments (sqrt of max v-hat): the
  // metric's per-voxel gradient scales with 1/N and with the intensities, so an absolute epsilon
  // would mean something different on every image. Voxels whose gradient is far below the
  // largest one (the smoothed gradient's tails in the background) then take proportionally
  // smaller steps instead of full-size ones.
  static constexpr double kRelativeEpsilon = 1e-3;

  // Zero moments on `grid` (the first level's fixed grid).
  FieldOptimizer(const Grid& grid, Backend& backend);

  // Carries the moments to the next level's grid (resampled like the field); the step count goes on.
  void moveTo(const Grid& grid, Backend& backend);

  // One update of `u` from the gradient `gradientScale` g. g is used up: on return it holds the old
  // field (a buffer for the next gradient). Returns the largest displacement of the update in mm:
  // settings.stepMm, or 0 when the gradient is zero everywhere (then u and g are unchanged).
  double update(Field& u, Field& g, double gradientScale, const FieldStepSettings& settings, Backend& backend);

  int steps() const { return steps_; }

 private:
  Field m_, v_;
  int steps_ = 0;
};

}  // namespace ffdp
