// The driver: masks onto their images' grids, the initial transform, then every stage's levels.
#include "reg/registration.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "dist/slab_volume.hpp"
#include "reg/greedy_stage.hpp"
#include "reg/initial_transform.hpp"
#include "reg/linear_level.hpp"
#include "reg/pyramid.hpp"

namespace ffdp {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The spec has been validated by the caller; these checks only keep a broken spec from reading past a vector.
void requireConsistentLevels(const StageSpec& stage, size_t index) {
  const size_t n = stage.iterations.size();
  if (n == 0 || stage.shrinkFactors.size() != n || stage.smoothingSigmas.size() != n)
    fail(ExitCode::Usage, "stages[" + std::to_string(index) +
                              "]: iterations, shrinkFactors and smoothingSigmas need the same number of levels");
}

// A mask can be non-empty on its own grid and still miss its image entirely.
void requireNonEmpty(const Mask* mask, const char* which, Comm& comm) {
  if (!mask || countNonZero(comm, *mask) > 0) return;
  fail(ExitCode::Input, std::string(which) + " mask: none of its voxels lies inside the " + which + " image");
}

}  // namespace

Image resampleRegisteredMoving(const Image& moving, const Grid& fixedGrid, const RegistrationResult& r,
                               Backend& backend) {
  if (!r.warp) return backend.resampleAffine(moving, fixedGrid, r.transform, Interpolation::Linear, 0.0f);
  if (r.warp->grid.sameAs(fixedGrid)) return backend.resampleWarp(moving, r.transform, *r.warp, Interpolation::Linear, 0.0f);
  const Field onFixedGrid = backend.resampleField(*r.warp, fixedGrid);
  return backend.resampleWarp(moving, r.transform, onFixedGrid, Interpolation::Linear, 0.0f);
}

RegistrationResult runRegistration(const Spec& spec, const RegistrationInputs& in, Backend& backend, Comm& comm) {
  const auto start = Clock::now();
  if (!in.fixed || !in.moving) fail(ExitCode::Internal, "runRegistration: the fixed and moving images are required");
  const Image& fixed = *in.fixed;
  const Image& moving = *in.moving;
  for (size_t s = 0; s < spec.stages.size(); ++s) requireConsistentLevels(spec.stages[s], s);

  // 1. Masks on their own grids are brought onto their images' grids once.
  Mask fixedMaskOnGrid, movingMaskOnGrid;
  const Mask* fixedMask = in.fixedMask;
  const Mask* movingMask = in.movingMask;
  if (fixedMask && !fixedMask->grid.sameAs(fixed.grid)) {
    fixedMaskOnGrid = backend.resampleMask(*fixedMask, fixed.grid);
    fixedMask = &fixedMaskOnGrid;
  }
  // The moving mask lies on the whole moving grid even when the image is sharded (masks are replicated).
  const Grid movingWhole = wholeGridOf(moving.grid);
  if (movingMask && !movingMask->grid.sameAs(movingWhole)) {
    movingMaskOnGrid = backend.resampleMask(*movingMask, movingWhole);
    movingMask = &movingMaskOnGrid;
  }

  requireNonEmpty(fixedMask, "fixed", comm);
  requireNonEmpty(movingMask, "moving", comm);

  // 2. Initial transform.
  RegistrationResult result;
  result.initial = computeInitialTransform(spec.initial, fixed, moving, in.initialFromFile, backend);
  Affine current = result.initial;
  const bool talk = comm.rank() == 0;
  if (talk)
    spdlog::info("initial transform ({}): translation [{:.3f}, {:.3f}, {:.3f}] mm", toString(spec.initial.kind),
                 current.offset()[0], current.offset()[1], current.offset()[2]);

  // 3-5. Stages over their pyramid levels.
  Pyramid pyramid(backend, comm, fixed, moving, fixedMask, movingMask, spec.stages);
  const int stageCount = static_cast<int>(spec.stages.size());
  for (int s = 0; s < stageCount; ++s) {
    const StageSpec& stage = spec.stages[static_cast<size_t>(s)];
    if (isDeformable(stage.transform)) {  // validate() puts it last: the affine is final by now
      DeformableFields fields;
      result.stages.push_back(
          runDeformableStage(stage, s, stageCount, pyramid, fixed.grid, current, fields, backend, comm));
      result.warp = std::move(fields.forward);
      result.inverseWarp = std::move(fields.inverse);
      continue;
    }
    const auto stageStart = Clock::now();
    StageReport stageReport;
    stageReport.transform = stage.transform;
    stageReport.metric = stage.metric.kind;
    const int levelCount = static_cast<int>(stage.iterations.size());
    DescentOptimizer optimizer;
    for (int l = 0; l < levelCount; ++l) {
      const size_t li = static_cast<size_t>(l);
      const int maxIterations = stage.iterations[li];
      if (maxIterations <= 0) {
        stageReport.levels.push_back(skippedLevel(l + 1, wholeGridOf(fixed.grid), stage, li));
        if (talk) spdlog::info("stage {}/{} level {}/{}: 0 iterations, skipped", s + 1, stageCount, l + 1, levelCount);
        continue;
      }
      LevelLabel label;
      label.stage = s + 1;
      label.stageCount = stageCount;
      label.level = l + 1;
      label.levelCount = levelCount;
      label.transform = stage.transform;
      label.metric = stage.metric.kind;
      label.sigma = stage.smoothingSigmas[li];
      label.sigmaUnit = stage.sigmaUnit;

      const auto buildStart = Clock::now();
      auto images = pyramid.acquire(stage.shrinkFactors[li], stage.smoothingSigmas[li], stage.sigmaUnit);
      const double buildSeconds = secondsSince(buildStart);
      stageReport.levels.push_back(
          optimiseLevel(label, stage, maxIterations, *images, buildSeconds, current, optimizer, backend, comm));
      images.reset();
      pyramid.release(stage.shrinkFactors[li], stage.smoothingSigmas[li], stage.sigmaUnit);
    }
    stageReport.seconds = secondsSince(stageStart);
    result.stages.push_back(std::move(stageReport));
  }
  result.transform = current;
  result.seconds = secondsSince(start);
  return result;
}

}  // namespace ffdp
