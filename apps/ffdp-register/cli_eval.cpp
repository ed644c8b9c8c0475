#include "cli_eval.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <optional>

#include "core/error.hpp"
#include "eval/image_difference.hpp"
#include "eval/label_overlap.hpp"
#include "eval/transform_difference.hpp"
#include "io/image_io.hpp"
#include "transform_list.hpp"

namespace ffdp::cli {

CLI::App* addEvalCommand(CLI::App& app, EvalOptions& o) {
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a result: Dice, image difference, transform distance");
  cmd->require_subcommand(1);
  o.dice = cmd->add_subcommand("dice", "Dice per label of the reference map and their mean");
  o.dice->add_option("reference", o.reference, "Reference label map (e.g. the fixed labels)")->required();
  o.dice->add_option("test", o.test, "Label map to compare (e.g. warped moving labels)")->required();
  o.diff = cmd->add_subcommand("diff", "Statistics of the difference of two images on the same grid");
  o.diff->add_option("a", o.reference, "First image")->required();
  o.diff->add_option("b", o.test, "Second image")->required();
  o.diff->add_option("-x,--mask", o.mask, "Only voxels inside this mask");
  o.transform = cmd->add_subcommand("transform", "Distance between two transforms over a reference grid");
  o.transform->add_option("-r,--reference", o.reference, "Reference image: its voxels are the points")->required();
  o.transform->add_option("-x,--mask", o.mask, "Only points inside this mask (on the reference grid)");
  o.transform->add_option("-e,--estimate", o.estimate, "Transform list (ANTs -t grammar) of the estimate")
      ->required()->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  o.transform->add_option("-g,--truth", o.truth, "Transform list of the ground truth")
      ->required()->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  for (CLI::App* sub : {o.dice, o.diff, o.transform})
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

int runDiff(const EvalOptions& o) {
  const Image a = readOnGrid(o.reference, nullptr, "");
  const Image b = readOnGrid(o.test, &a.grid, o.reference);
  std::optional<Mask> mask;
  if (!o.mask.empty()) {
    mask = readMask(o.mask);
    if (!mask->grid.sameAs(a.grid, 1e-4)) fail(ExitCode::Input, o.mask + ": mask grid differs from " + o.reference + "'s");
  }
  const DifferenceStats s = imageDifference(a, b, mask ? &*mask : nullptr);
  if (o.json) {
    std::cout << nlohmann::json{{"voxels", s.voxels}, {"meanAbs", s.meanAbs}, {"rms", s.rms}, {"maxAbs", s.maxAbs},
                                {"relativeL2", s.relativeL2}, {"correlation", s.correlation}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::printf("voxels %lld\nmean |a-b| %.6g\nrms %.6g\nmax |a-b| %.6g\nrelative L2 %.6g\ncorrelation %.6f\n",
              (long long)s.voxels, s.meanAbs, s.rms, s.maxAbs, s.relativeL2, s.correlation);
  return 0;
}

int runTransform(const EvalOptions& o) {
  const Image reference = readOnGrid(o.reference, nullptr, "");
  std::optional<Mask> mask;
  if (!o.mask.empty()) {
    mask = readMask(o.mask);
    if (!mask->grid.sameAs(reference.grid, 1e-4))
      fail(ExitCode::Input, o.mask + ": mask grid differs from " + o.reference + "'s");
  }
  const Vec3 c = reference.grid.centre();
  const TransformDifference d =
      transformDifference(composeTransformList(o.estimate, c), composeTransformList(o.truth, c), reference.grid,
                          mask ? &*mask : nullptr);
  if (o.json) {
    std::cout << nlohmann::json{{"points", d.points}, {"meanMm", d.meanMm}, {"maxMm", d.maxMm},
                                {"rotationDeg", d.rotationDeg}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::printf("points %lld\nmean distance %.4f mm\nmax distance %.4f mm\nrotation difference %.4f deg\n",
              (long long)d.points, d.meanMm, d.maxMm, d.rotationDeg);
  return 0;
}

}  // namespace

int runEval(const EvalOptions& o) {
  if (o.dice->parsed()) return runDice(o);
  if (o.diff->parsed()) return runDiff(o);
  return runTransform(o);
}

}  // namespace ffdp::cli
