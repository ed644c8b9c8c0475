// Shared set-ups of the engine tests: a one-level spec and a blob pair with a known rigid answer.
#pragma once
#include "reg/registration.hpp"
#include "synthetic.hpp"

namespace ffdp::test {

inline StageSpec oneLevelStage(TransformKind transform, MetricKind metric, int iterations, double step) {
  StageSpec s;
  s.transform = transform;
  s.metric.kind = metric;
  s.step = step;
  s.iterations = {iterations};
  s.shrinkFactors = {1};
  s.smoothingSigmas = {0};
  return s;
}

inline Spec specWith(std::vector<StageSpec> stages, InitKind init = InitKind::Identity) {
  Spec spec;
  spec.fixed = "fixed";
  spec.moving = "moving";
  spec.outputPrefix = "out";
  spec.initial.kind = init;
  spec.stages = std::move(stages);
  return spec;
}

// A blob field of radius ~20 mm (plus the blobs' widths) inside a 48^3, 2 mm, obliquely oriented domain centred at `centre`.
struct BlobScene {
  Vec3 centre{12, -20, 35};
  BlobField field = randomBlobs(7, centre, 20.0, 40);
  Grid fixedGrid = obliqueGrid(48, {2, 2, 2}, {1, -2, 0.5}, 20, centre);
  Image fixed = sampleField(fixedGrid, field);

  // moving(y) = field(truth^-1(y)) so that moving(truth(x)) = fixed(x): `truth` is the answer.
  Image movedBy(const Affine& truth, const Grid& grid) const {
    const Affine inverse = truth.inverse();
    return sampleField(grid, [&](const Vec3& y) { return field(inverse.apply(y)); });
  }
};

}  // namespace ffdp::test
