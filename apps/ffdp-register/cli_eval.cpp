#include "cli_eval.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "core/error.hpp"
#include "eval/chain_difference.hpp"
#include "eval/image_difference.hpp"
#include "eval/inverse_consistency.hpp"
#include "eval/jacobian_stats.hpp"
#include "eval/label_overlap.hpp"
#include "eval/transform_difference.hpp"
#include "io/field_io.hpp"
#include "io/image_io.hpp"
#include "io/transform_io.hpp"
#include "ops/backend.hpp"
#include "transform_list.hpp"

namespace ffdp::cli {

CLI::App* addEvalCommand(CLI::App& app, EvalOptions& o) {
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a result: Dice, image difference, transform distance, Jacobian, inverse consistency");
  cmd->require_subcommand(1);
  o.dice = cmd->add_subcommand("dice", "Dice per label of the reference map and their mean");
  o.dice->add_option("reference", o.reference, "Reference label map (e.g. the fixed labels)")->required();
  o.dice->add_option("test", o.test, "Label map to compare (e.g. warped moving labels)")->required();
  o.diff = cmd->add_subcommand("diff",
                                "Statistics of the difference of two images on the same grid; of two displacement "
                                "fields (their x, y, z components); or of two affine files (M row by row, then the offset)");
  o.diff->add_option("a", o.reference, "First image, field or affine (.mat, .txt)")->required();
  o.diff->add_option("b", o.test, "Second image, field or affine")->required();
  o.diff->add_option("-x,--mask", o.mask, "Only voxels inside this mask");
  o.transform = cmd->add_subcommand("transform", "Distance between two transforms over a reference grid");
  o.transform->add_option("-r,--reference", o.reference, "Reference image: its voxels are the points")->required();
  o.transform->add_option("-x,--mask", o.mask, "Only points inside this mask (on the reference grid)");
  o.transform->add_option("-e,--estimate", o.estimate, "Transform list (ANTs -t grammar) of the estimate")
      ->required()->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  o.transform->add_option("-g,--truth", o.truth, "Transform list of the ground truth")
      ->required()->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  o.jacobian = cmd->add_subcommand("jacobian", "Jacobian determinant of a displacement field: range, mean, folds");
  o.jacobian->add_option("field", o.field, "Displacement field (e.g. P1Warp.nii.gz)")->required();
  o.jacobian->add_option("-x,--mask", o.mask, "Only voxels inside this mask (on the field's grid)");
  o.inverseConsistency = cmd->add_subcommand(
      "inverse-consistency", "Distance from x of x + u(x) mapped back by the inverse field: |u(x) + v(x + u(x))|");
  o.inverseConsistency->add_option("forward", o.field, "Forward field u (e.g. P1Warp.nii.gz)")->required();
  o.inverseConsistency->add_option("inverse", o.inverseField, "Inverse field v (e.g. P1InverseWarp.nii.gz)")->required();
  o.inverseConsistency->add_option("-x,--mask", o.mask, "Only voxels inside this mask (on the forward field's grid)");
  for (CLI::App* sub : {o.dice, o.diff, o.transform, o.jacobian, o.inverseConsistency})
    sub->add_flag("--json", o.json, "Print JSON instead of a table");
  return cmd;
}

namespace {

Image readOnGrid(const std::string& path, const Grid* mustMatch, const std::string& against) {
  LoadedImage loaded = readImage(path);
  if (mustMatch && !loaded.image.grid.sameAs(*mustMatch, 1e-4))
    fail(ExitCode::Input, path + ": grid differs from " + against + "'s; resample it first with 'ffdp-register apply'");
  return std::move(loaded.image);
}

int runDice(const EvalOptions& o) {
  const Image reference = readOnGrid(o.reference, nullptr, "");
  const Image test = readOnGrid(o.test, &reference.grid, o.reference);
  const OverlapTable table = labelOverlap(reference, test);
  if (o.json) {
    nlohmann::json j;
    j["meanDice"] = table.meanDice();
    j["labelsOnlyInTest"] = table.labelsOnlyInTest;
    for (const auto& [label, ov] : table.labels)
      j["labels"].push_back({{"label", label}, {"dice", ov.dice()}, {"referenceVoxels", ov.referenceVoxels},
                             {"testVoxels", ov.testVoxels}});
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("%8s %10s %10s %8s\n", "label", "ref_vox", "test_vox", "dice");
  for (const auto& [label, ov] : table.labels)
    std::printf("%8lld %10lld %10lld %8.4f\n", (long long)label, (long long)ov.referenceVoxels,
                (long long)ov.testVoxels, ov.dice());
  std::printf("mean Dice over %zu labels: %.4f\n", table.labels.size(), table.meanDice());
  if (table.labelsOnlyInTest > 0)
    std::printf("labels only in the test map (not counted): %lld\n", (long long)table.labelsOnlyInTest);
  return 0;
}

// What `eval diff` compares, as two images of values side by side (and a mask over those values):
// images as they are; displacement fields as their components (x, y, z of a voxel next to each
// other, the mask widened to match); affine files as their 12 numbers, M row by row then the offset
// (t + c - M c), the form every ITK tool applies.
struct DiffInputs {
  std::string kind;  // "image", "field components", "affine parameters"
  Image a, b;
  std::optional<Mask> mask;
};

Image componentsOf(const Field& u) {
  Grid g = u.grid;
  g.size[0] *= 3;
  Image out(g);
  for (size_t v = 0; v < u.data.size(); ++v)
    for (size_t c = 0; c < 3; ++c) out.data[3 * v + c] = u.data[v][c];
  return out;
}

Mask widenedMask(const Mask& m) {
  Grid g = m.grid;
  g.size[0] *= 3;
  Mask out(g);
  for (size_t v = 0; v < m.data.size(); ++v) out.data[3 * v] = out.data[3 * v + 1] = out.data[3 * v + 2] = m.data[v];
  return out;
}

Image parametersOf(const Affine& t) {
  Grid g;
  g.size = {12, 1, 1};
  Image out(g);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) out.data[size_t(3 * r + c)] = float(t.M.m[r][c]);
  const Vec3 offset = t.offset();
  for (int d = 0; d < 3; ++d) out.data[size_t(9 + d)] = float(offset[d]);
  return out;
}

std::optional<Mask> readMaskOnGrid(const std::string& path, const Grid& grid, const std::string& against) {
  if (path.empty()) return std::nullopt;
  Mask mask = readMask(path);
  if (!mask.grid.sameAs(grid, 1e-4)) fail(ExitCode::Input, path + ": mask grid differs from " + against + "'s");
  return mask;
}

DiffInputs readDiffInputs(const EvalOptions& o) {
  if (!hasImageExtension(o.reference) && !hasImageExtension(o.test)) {
    if (!o.mask.empty()) fail(ExitCode::Usage, "eval diff: --mask applies to images and fields, not to affine files");
    return {"affine parameters", parametersOf(readAffine(o.reference)), parametersOf(readAffine(o.test)), std::nullopt};
  }
  std::optional<Image> a;
  try {
    a = readOnGrid(o.reference, nullptr, "");
  } catch (const Error& imageError) {
    // Not a scalar image: a displacement field (3 components per voxel)? If not, the image's error says why.
    std::optional<Field> u;
    try {
      u = readDisplacementField(o.reference);
    } catch (const Error&) {
      throw imageError;
    }
    const Field v = readDisplacementField(o.test);
    if (!v.grid.sameAs(u->grid, 1e-4))
      fail(ExitCode::Input, o.test + ": grid differs from " + o.reference + "'s; resample it first");
    const std::optional<Mask> m = readMaskOnGrid(o.mask, u->grid, o.reference);
    return {"field components", componentsOf(*u), componentsOf(v), m ? std::optional<Mask>(widenedMask(*m)) : std::nullopt};
  }
  Image b = readOnGrid(o.test, &a->grid, o.reference);
  std::optional<Mask> m = readMaskOnGrid(o.mask, a->grid, o.reference);
  return {"image", std::move(*a), std::move(b), std::move(m)};
}

int runDiff(const EvalOptions& o) {
  const DiffInputs in = readDiffInputs(o);
  const DifferenceStats s = imageDifference(in.a, in.b, in.mask ? &*in.mask : nullptr);
  if (o.json) {
    std::cout << nlohmann::json{{"compared", in.kind},      {"voxels", s.voxels},         {"meanAbs", s.meanAbs},
                                {"rms", s.rms},            {"maxAbs", s.maxAbs},         {"relativeL2", s.relativeL2},
                                {"correlation", s.correlation}}
                     .dump(2)
              << "\n";
    return 0;
  }
  if (in.kind == "image")
    std::printf("voxels %lld\n", (long long)s.voxels);
  else
    std::printf("%s %lld\n", in.kind.c_str(), (long long)s.voxels);
  std::printf("mean |a-b| %.6g\nrms %.6g\nmax |a-b| %.6g\nrelative L2 %.6g\ncorrelation %.6f\n",
              s.meanAbs, s.rms, s.maxAbs, s.relativeL2, s.correlation);
  return 0;
}

int runTransform(const EvalOptions& o) {
  for (const auto& t : o.estimate) parseTransformRef(t);  // syntax errors before any file is read
  for (const auto& t : o.truth) parseTransformRef(t);
  const Image reference = readOnGrid(o.reference, nullptr, "");
  std::optional<Mask> mask;
  if (!o.mask.empty()) {
    mask = readMask(o.mask);
    if (!mask->grid.sameAs(reference.grid, 1e-4))
      fail(ExitCode::Input, o.mask + ": mask grid differs from " + o.reference + "'s");
  }
  const TransformChain estimate = readTransformChain(o.estimate), truth = readTransformChain(o.truth);
  const Vec3 c = reference.grid.centre();
  const Mask* m = mask ? &*mask : nullptr;
  // Affine lists keep the rotation difference; with a field there is no single rotation to compare.
  const TransformDifference d =
      hasFields(estimate) || hasFields(truth)
          ? chainDifference(estimate, truth, reference.grid, m)
          : transformDifference(composeAffines(estimate, c), composeAffines(truth, c), reference.grid, m);
  if (o.json) {
    std::cout << nlohmann::json{{"points", d.points}, {"meanMm", d.meanMm}, {"maxMm", d.maxMm},
                                {"rotationDeg", d.rotationDeg}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::printf("points %lld\nmean distance %.4f mm\nmax distance %.4f mm\n", (long long)d.points, d.meanMm, d.maxMm);
  if (std::isnan(d.rotationDeg))
    std::printf("rotation difference: none (a list holds a displacement field)\n");
  else
    std::printf("rotation difference %.4f deg\n", d.rotationDeg);
  return 0;
}


int runJacobian(const EvalOptions& o) {
  const Field u = readDisplacementField(o.field);
  const std::optional<Mask> mask = readMaskOnGrid(o.mask, u.grid, o.field);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const JacobianStats s = jacobianStats(backend->jacobianDeterminant(u), mask ? &*mask : nullptr);
  if (o.json) {
    std::cout << nlohmann::json{{"voxels", s.voxels}, {"min", s.min}, {"max", s.max}, {"mean", s.mean},
                                {"nonPositive", s.nonPositive}, {"nonPositivePercent", s.nonPositivePercent}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::printf("voxels %lld\nJacobian determinant min %.6g\nmax %.6g\nmean %.6g\n", (long long)s.voxels, s.min,
              s.max, s.mean);
  std::printf("det <= 0 (folds) %lld voxels, %.4f %%\n", (long long)s.nonPositive, s.nonPositivePercent);
  return 0;
}

int runInverseConsistency(const EvalOptions& o) {
  const Field u = readDisplacementField(o.field);
  const Field v = readDisplacementField(o.inverseField);
  const std::optional<Mask> mask = readMaskOnGrid(o.mask, u.grid, o.field);
  const InverseConsistency r = inverseConsistency(u, v, mask ? &*mask : nullptr);
  if (o.json) {
    std::cout << nlohmann::json{{"voxels", r.voxels}, {"meanMm", r.meanMm}, {"maxMm", r.maxMm},
                                {"meanVoxels", r.meanVoxels}, {"maxVoxels", r.maxVoxels}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::printf("voxels %lld\nmean |u(x) + v(x + u(x))| %.4f mm (%.4f voxel)\nmax %.4f mm (%.4f voxel)\n",
              (long long)r.voxels, r.meanMm, r.meanVoxels, r.maxMm, r.maxVoxels);
  return 0;
}

}  // namespace

int runEval(const EvalOptions& o) {
  if (o.dice->parsed()) return runDice(o);
  if (o.diff->parsed()) return runDiff(o);
  if (o.jacobian->parsed()) return runJacobian(o);
  if (o.inverseConsistency->parsed()) return runInverseConsistency(o);
  return runTransform(o);
}

}  // namespace ffdp::cli
