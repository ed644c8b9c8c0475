// Every preset in params/ loads strictly and, once the command line supplies the images and the
// output prefix, validates. The presets' documented purposes are checked too.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "spec/spec_json.hpp"
#include "spec_test_helpers.hpp"

using namespace ffdp;
namespace fs = std::filesystem;

namespace {

const fs::path kParams = fs::path(FFDP_SOURCE_DIR) / "params";

Spec loadPreset(const std::string& name) { return loadSpecFile((kParams / name).string()); }

// What the CLI does: paths from the command line over the preset.
Spec withCommandLinePaths(Spec spec) {
  spec.fixed = "F.nii.gz";
  spec.moving = "M.nii.gz";
  spec.outputPrefix = "out/P";
  return spec;
}

}  // namespace

TEST_CASE("every preset in params/ loads and validates", "[spec][presets]") {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kParams)) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    const std::string path = entry.path().string();
    INFO("preset " << path);
    const Spec spec = loadSpecFile(path);
    // Presets leave the images and the output to the command line.
    CHECK(spec.fixed.empty());
    CHECK(spec.moving.empty());
    CHECK(spec.outputPrefix.empty());
    CHECK_FALSE(spec.stages.empty());
    CHECK_NOTHROW(validate(withCommandLinePaths(spec)));
    // ... and say what they are for.
    std::ifstream in(path);
    const nlohmann::json raw = nlohmann::json::parse(in);
    REQUIRE(raw.contains("comment"));
    CHECK(raw["comment"].get<std::string>().size() > 40);
  }
  CHECK(count >= 4);
}

TEST_CASE("presets hold the schedules docs/spec.md describes", "[spec][presets]") {
  SECTION("rigid.json: one rigid MI stage, 4x2x1") {
    const Spec spec = loadPreset("rigid.json");
    REQUIRE(spec.stages.size() == 1);
    CHECK(spec.stages[0].transform == TransformKind::Rigid);
    CHECK(spec.stages[0].metric.kind == MetricKind::MI);
    CHECK(spec.stages[0].shrinkFactors == std::vector<int>{4, 2, 1});
    CHECK(spec.stages[0].smoothingSigmas == std::vector<double>{2, 1, 0});
    CHECK(spec.stages[0].sigmaUnit == SigmaUnit::Voxels);
  }
  SECTION("affine.json: rigid MI then affine MI, 8x4x2x1 with 3x2x1x0 vox") {
    const Spec spec = loadPreset("affine.json");
    REQUIRE(spec.stages.size() == 2);
    CHECK(spec.stages[0].transform == TransformKind::Rigid);
    CHECK(spec.stages[1].transform == TransformKind::Affine);
    for (const StageSpec& stage : spec.stages) {
      CHECK(stage.metric.kind == MetricKind::MI);
      CHECK(stage.shrinkFactors == std::vector<int>{8, 4, 2, 1});
      CHECK(stage.smoothingSigmas == std::vector<double>{3, 2, 1, 0});
    }
    CHECK(spec.initial.kind == InitKind::CentreOfMass);
  }
  SECTION("brain-affine-cc.json: rigid MI then affine CC radius 2") {
    const Spec spec = loadPreset("brain-affine-cc.json");
    REQUIRE(spec.stages.size() == 2);
    CHECK(spec.stages[0].metric.kind == MetricKind::MI);
    CHECK(spec.stages[1].transform == TransformKind::Affine);
    CHECK(spec.stages[1].metric.kind == MetricKind::CC);
    CHECK(spec.stages[1].metric.radius == 2);
  }
  SECTION("multimodal-rigid.json: rigid MI with 32 bins") {
    const Spec spec = loadPreset("multimodal-rigid.json");
    REQUIRE(spec.stages.size() == 1);
    CHECK(spec.stages[0].transform == TransformKind::Rigid);
    CHECK(spec.stages[0].metric.kind == MetricKind::MI);
    CHECK(spec.stages[0].metric.bins == 32);
  }
}
