// The registration engine's entry point: initial transform, then each linear stage (rigid, affine)
// over its pyramid levels, then the deformable stage (greedy or SyN) if the spec has one. Written once against Backend + Comm: it does not know which backend
// computes the metric or how many ranks share the work.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/affine.hpp"
#include "core/field.hpp"
#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "ops/backend.hpp"
#include "spec/spec.hpp"

namespace ffdp {

struct RegistrationInputs {
  const Image* fixed = nullptr;
  const Image* moving = nullptr;
  const Mask* fixedMask = nullptr;   // on its own grid, may be null
  const Mask* movingMask = nullptr;  // on its own grid, may be null
  // Used when spec.initial.kind == InitKind::File (already inverted if the spec asked for it).
  std::optional<Affine> initialFromFile;
};

struct LevelReport {
  int level = 0;                     // 1-based, coarse to fine
  std::array<int, 3> shrink{1, 1, 1};
  double sigmaVoxels = 0;            // fixed image's smoothing in its voxels (finest axis when given in mm)
  std::array<int64_t, 3> size{0, 0, 0};  // fixed image size at this level
  int iterations = 0;                // metric evaluations done
  int maxIterations = 0;
  bool converged = false;            // stopped by the convergence window or the minimum step
  double firstMetric = 0;            // metric at the level's start; NaN when skipped (0 iterations)
  double lastMetric = 0;             // last metric evaluated (when the iteration limit ends a level,
                                     // the transform has taken one more step, as in ITK)
  double seconds = 0;                // pyramid build + optimisation
};

struct StageReport {
  TransformKind transform = TransformKind::Affine;
  MetricKind metric = MetricKind::MI;
  std::vector<LevelReport> levels;
  double seconds = 0;
};

struct RegistrationResult {
  Affine initial;    // the initial moving transform (fixed -> moving)
  Affine transform;  // fixed -> moving, initial composed in
  // Deformable stage only, both on the fixed grid or on the coarser one a fieldShrink keeps them on
  // (LPS mm; trilinear between their voxels): the full map is
  // T(x) = transform(x + warp(x)), and x + inverseWarp(x) inverts x + warp(x). They stay where the
  // backend computed them (a GPU backend's device memory): Backend::toHost before reading `data`.
  // Bringing gigavoxel fields to the host is output work (seconds), not part of the registration.
  std::optional<Field> warp, inverseWarp;
  std::vector<StageReport> stages;
  double seconds = 0;
};

// moving(T(x)) on `fixedGrid` (the warped image): T(x) = A(x + u(x)) after a deformable stage, else A(x).
// A warp on a coarser grid is interpolated onto the fixed grid first, as ITK does when it applies it.
// Left where the backend computed it (Backend::toHost before reading it on the host).
Image resampleRegisteredMoving(const Image& moving, const Grid& fixedGrid, const RegistrationResult& r,
                               Backend& backend);

// Runs every stage of `spec` on the inputs. Throws ffdp::Error(ExitCode::Internal) when the metric
// becomes NaN or the images stop overlapping, naming the stage, level and iteration.
RegistrationResult runRegistration(const Spec& spec, const RegistrationInputs& in, Backend& backend, Comm& comm);

}  // namespace ffdp
