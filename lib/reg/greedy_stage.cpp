#include "reg/greedy_stage.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>

#include "dist/slab.hpp"
#include "reg/field_optimizer.hpp"
#include "reg/greedy_level.hpp"
#include "reg/syn_level.hpp"

namespace ffdp {

namespace {

using Clock = std::chrono::steady_clock;

// One displacement field with its optimiser, carried from level to level.
struct HalfField {
  Field u;
  std::optional<FieldOptimizer> optimizer;
  bool started = false;  // a level ran

  // Zero on the first level; resampled (field and moments) onto each later level's grid.
  void moveTo(const Grid& grid, Backend& backend) {
    if (!started) {
      started = true;
      u = backend.zeroField(grid);
      optimizer.emplace(grid, backend);
      return;
    }
    if (!u.grid.sameAs(grid)) u = backend.resampleField(u, grid);
    optimizer->moveTo(grid, backend);
  }

  // After the last level the Adam moments are spent: freeing them before the inverse is computed keeps
  // two fields out of the stage's final memory peak (the inversion's own buffers came on top of them).
  void finishLevels() { optimizer.reset(); }

  // The result on the full-resolution fixed grid (zero when no level ran).
  Field onGrid(const Grid& grid, Backend& backend) const {
    if (!started) return backend.zeroField(grid);
    return u.grid.sameAs(grid) ? u : backend.resampleField(u, grid);
  }
};

}  // namespace

StageReport runDeformableStage(const StageSpec& stage, int stageIndex, int stageCount, Pyramid& pyramid,
                               const Grid& fixedGrid, const Affine& affine, DeformableFields& fields,
                               Backend& backend, Comm& comm) {
  const auto stageStart = Clock::now();
  const bool talk = comm.rank() == 0;
  const bool syn = stage.transform == TransformKind::SyN;
  StageReport report;
  report.transform = stage.transform;
  report.metric = stage.metric.kind;
  HalfField moving, fixed;  // greedy uses `moving` only
  const int levelCount = static_cast<int>(stage.iterations.size());
  for (int l = 0; l < levelCount; ++l) {
    const size_t li = static_cast<size_t>(l);
    if (stage.iterations[li] <= 0) {
      report.levels.push_back(skippedLevel(l + 1, wholeGridOf(fixedGrid), stage, li));
      if (talk) spdlog::info("stage {}/{} level {}/{}: 0 iterations, skipped", stageIndex + 1, stageCount, l + 1, levelCount);
      continue;
    }
    DeformableLevelInputs in;
    in.label.stage = stageIndex + 1;
    in.label.stageCount = stageCount;
    in.label.level = l + 1;
    in.label.levelCount = levelCount;
    in.label.transform = stage.transform;
    in.label.metric = stage.metric.kind;
    in.label.sigma = stage.smoothingSigmas[li];
    in.label.sigmaUnit = stage.sigmaUnit;
    in.stage = &stage;
    in.maxIterations = stage.iterations[li];
    in.affine = affine;

    const auto buildStart = Clock::now();
    auto images = pyramid.acquire(stage.shrinkFactors[li], stage.smoothingSigmas[li], stage.sigmaUnit);
    in.images = images.get();
    const Grid& levelGrid = images->fixed->grid;
    const Grid fieldGrid = fieldGridFor(stage, fixedGrid, levelGrid, images->fixedShrink, comm.size(), comm.rank());
    moving.moveTo(fieldGrid, backend);
    if (syn) fixed.moveTo(fieldGrid, backend);
    in.buildSeconds = std::chrono::duration<double>(Clock::now() - buildStart).count();

    report.levels.push_back(syn ? optimiseSynLevel(in, moving.u, fixed.u, *moving.optimizer, *fixed.optimizer,
                                                   backend, comm)
                                : optimiseGreedyLevel(in, moving.u, *moving.optimizer, backend, comm));
    images.reset();
    pyramid.release(stage.shrinkFactors[li], stage.smoothingSigmas[li], stage.sigmaUnit);
  }

  moving.finishLevels();
  fixed.finishLevels();
  const auto inverseStart = Clock::now();
  const double tolerance = kInverseToleranceVoxels * *std::min_element(fixedGrid.spacing.begin(), fixedGrid.spacing.end());
  const auto invert = [&](const Field& u) { return backend.invertField(u, kInverseIterations, tolerance); };
  if (syn) {
    // x -> midpoint (inverse of the fixed half) -> moving half; and the other way round.
    const Field uM = moving.onGrid(fixedGrid, backend);
    const Field uF = fixed.onGrid(fixedGrid, backend);
    fields.forward = backend.composeFields(uM, invert(uF));
    fields.inverse = backend.composeFields(uF, invert(uM));
  } else {
    // On the fixed grid, or on the coarser one a fieldShrink keeps it on (ITK interpolates it there).
    fields.forward = moving.onGrid(fieldGridFor(stage, fixedGrid, fixedGrid, {1, 1, 1}, comm.size(), comm.rank()), backend);
    fields.inverse = invert(fields.forward);
  }
  if (talk)
    spdlog::info("stage {}/{}: fields on the fixed grid and their inverse in {:.2f} s", stageIndex + 1, stageCount,
                 std::chrono::duration<double>(Clock::now() - inverseStart).count());
  report.seconds = std::chrono::duration<double>(Clock::now() - stageStart).count();
  return report;
}

}  // namespace ffdp
