// The spec file format: strict reading (typos are errors naming the key), defaults for absent
// keys, and a lossless round trip through specToJson.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "spec/spec_json.hpp"
#include "spec_test_helpers.hpp"
#include "support/test_support.hpp"

using namespace ffdp;
using nlohmann::json;
using ffdp::test::requireSameSpec;

namespace {

// Every key of the schema with a non-default value, written by hand from docs/spec.md.
const char* const kFullSpecText = R"({
  "fixed": "F.nii.gz", "moving": "M.nii.gz",
  "fixedMask": "Fmask.nii.gz", "movingMask": "Mmask.nii.gz",
  "output": {"prefix": "out/P", "warped": "out/W.nii.gz", "inverseWarped": "out/IW.nii.gz"},
  "initialTransform": {"kind": "file", "file": "init.mat", "invert": true},
  "stages": [
    {"transform": "rigid", "step": 0.25,
     "metric": {"kind": "MeanSquares", "weight": 0.5, "radius": 3, "bins": 48, "samplingFraction": 0.3},
     "levels": {"iterations": [40, 20], "shrinkFactors": [2, 1], "smoothingSigmas": [1.5, 0], "sigmaUnit": "mm"},
     "convergence": {"threshold": 1e-7, "window": 5}},
    {"transform": "affine", "step": 0.05,
     "metric": {"kind": "CC", "weight": 2, "radius": 4, "bins": 16, "samplingFraction": 1},
     "levels": {"iterations": [30], "shrinkFactors": [1], "smoothingSigmas": [0], "sigmaUnit": "vox"},
     "convergence": {"threshold": 0, "window": 3}}
  ],
  "floatPrecision": false, "verbose": 2, "threads": 8, "overwrite": true
})";

json stageWith(const json& extra) {
  json stage = {{"transform", "rigid"}};
  stage.update(extra);
  return {{"stages", json::array({stage})}};
}

void writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace

TEST_CASE("specFromJson reads every key of the schema", "[spec][json]") {
  const Spec spec = specFromJson(json::parse(kFullSpecText), "full.json");
  CHECK(spec.fixed == "F.nii.gz");
  CHECK(spec.moving == "M.nii.gz");
  CHECK(spec.fixedMask == "Fmask.nii.gz");
  CHECK(spec.movingMask == "Mmask.nii.gz");
  CHECK(spec.outputPrefix == "out/P");
  CHECK(spec.warped == "out/W.nii.gz");
  CHECK(spec.inverseWarped == "out/IW.nii.gz");
  CHECK(spec.initial.kind == InitKind::File);
  CHECK(spec.initial.file == "init.mat");
  CHECK(spec.initial.invert);
  REQUIRE(spec.stages.size() == 2);
  const StageSpec& rigid = spec.stages[0];
  CHECK(rigid.transform == TransformKind::Rigid);
  CHECK(rigid.step == 0.25);
  CHECK(rigid.metric.kind == MetricKind::MeanSquares);
  CHECK(rigid.metric.weight == 0.5);
  CHECK(rigid.metric.radius == 3);
  CHECK(rigid.metric.bins == 48);
  CHECK(rigid.metric.samplingFraction == 0.3);
  CHECK(rigid.iterations == std::vector<int>{40, 20});
  CHECK(rigid.shrinkFactors == std::vector<int>{2, 1});
  CHECK(rigid.smoothingSigmas == std::vector<double>{1.5, 0});
  CHECK(rigid.sigmaUnit == SigmaUnit::Millimetres);
  CHECK(rigid.convergenceThreshold == 1e-7);
  CHECK(rigid.convergenceWindow == 5);
  const StageSpec& affine = spec.stages[1];
  CHECK(affine.transform == TransformKind::Affine);
  CHECK(affine.metric.kind == MetricKind::CC);
  CHECK(affine.metric.radius == 4);
  CHECK(affine.sigmaUnit == SigmaUnit::Voxels);
  CHECK(affine.convergenceThreshold == 0);
  CHECK_FALSE(spec.floatPrecision);
  CHECK(spec.verbose == 2);
  CHECK(spec.threads == 8);
  CHECK(spec.overwrite);
}

TEST_CASE("spec JSON round-trips both ways", "[spec][json]") {
  SECTION("a complete JSON document survives specFromJson then specToJson unchanged") {
    const json original = json::parse(kFullSpecText);
    CHECK(specToJson(specFromJson(original, "full.json")) == original);
  }
  SECTION("a spec survives specToJson then specFromJson unchanged") {
    Spec spec = ffdp::test::validTwoStageSpec();
    spec.stages[0].step = 0.1;  // not exactly representable: must still come back bit for bit
    spec.stages[1].metric.samplingFraction = 1.0 / 3.0;
    spec.stages[1].smoothingSigmas = {2.7, 1.3, 0.6, 0};
    spec.initial.kind = InitKind::Origin;
    spec.warped = "W.nii.gz";
    const json asJson = specToJson(spec);
    requireSameSpec(specFromJson(asJson, ""), spec);
    // through text too, as a report or a saved spec would go
    requireSameSpec(specFromJson(json::parse(asJson.dump(2)), ""), spec);
  }
}

TEST_CASE("absent keys take the defaults of spec.hpp", "[spec][json]") {
  requireSameSpec(specFromJson(json::object(), ""), Spec{});
  const Spec spec = specFromJson(json::parse(R"({"stages": [{}]})"), "");
  REQUIRE(spec.stages.size() == 1);
  ffdp::test::requireSameStage(spec.stages[0], StageSpec{});
  // a partial metric keeps the defaults of the keys it leaves out
  const Spec partial = specFromJson(stageWith({{"metric", {{"kind", "CC"}}}}), "");
  CHECK(partial.stages[0].metric.kind == MetricKind::CC);
  CHECK(partial.stages[0].metric.radius == MetricSpec{}.radius);
  CHECK(partial.stages[0].metric.weight == 1.0);
}

TEST_CASE("specToJson writes every key, defaults included", "[spec][json]") {
  const json j = specToJson(Spec{});
  for (const char* key : {"fixed", "moving", "fixedMask", "movingMask", "output", "initialTransform", "stages",
                          "floatPrecision", "verbose", "threads", "overwrite"})
    CHECK(j.contains(key));
  CHECK(j["initialTransform"]["kind"] == "identity");
  Spec oneStage;
  oneStage.stages.emplace_back();
  const json stage = specToJson(oneStage)["stages"][0];
  CHECK(stage["levels"]["sigmaUnit"] == "vox");
  CHECK(stage["metric"]["kind"] == "MI");
  CHECK(stage["convergence"]["window"] == 10);
}

TEST_CASE("unknown keys are errors naming their path", "[spec][json]") {
  REQUIRE_USAGE_ERROR(specFromJson(json::parse(R"({"fixd": "F.nii.gz"})"), "a.json"), "a.json: fixd: unknown key");
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"metric", {{"radus", 2}}}}), "a.json"),
                      "a.json: stages[0].metric.radus: unknown key (expected kind, weight, radius, bins or "
                      "samplingFraction)");
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"levels", {{"sigmas", json::array({1})}}}}), "a.json"),
                      "stages[0].levels.sigmas: unknown key");
  REQUIRE_USAGE_ERROR(specFromJson(json::parse(R"({"output": {"prefx": "P"}})"), "a.json"),
                      "output.prefx: unknown key");
  REQUIRE_USAGE_ERROR(specFromJson(json::parse(R"({"initialTransform": {"inverse": true}})"), "a.json"),
                      "initialTransform.inverse: unknown key");
}

TEST_CASE("comment is allowed at the top level and per stage only", "[spec][json]") {
  json j = stageWith({{"comment", "stage note"}});
  j["comment"] = "file note";
  CHECK_NOTHROW(specFromJson(j, "a.json"));
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"metric", {{"comment", "x"}}}}), "a.json"),
                      "stages[0].metric.comment: unknown key");
  REQUIRE_USAGE_ERROR(specFromJson(json::parse(R"({"comment": 3})"), "a.json"), "comment: expected a string");
}

TEST_CASE("wrong types are errors naming their path", "[spec][json]") {
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"step", "0.1"}}), "a.json"),
                      "a.json: stages[0].step: expected a number (got string \"0.1\")");
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"metric", {{"bins", 32.5}}}}), "a.json"),
                      "stages[0].metric.bins: expected an integer");
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"metric", {{"bins", 3000000000LL}}}}), "a.json"),
                      "stages[0].metric.bins: integer out of range");
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"levels", {{"iterations", json::parse(R"([100, "50"])")}}}}), "a.json"),
                      "stages[0].levels.iterations[1]: expected an integer");
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"levels", {{"smoothingSigmas", 3}}}}), "a.json"),
                      "stages[0].levels.smoothingSigmas: expected an array of numbers");
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"metric", "MI"}}), "a.json"),
                      "stages[0].metric: expected an object (got string)");
  REQUIRE_USAGE_ERROR(specFromJson(json::parse(R"({"overwrite": 1})"), "a.json"), "overwrite: expected true or false");
  REQUIRE_USAGE_ERROR(specFromJson(json::parse(R"({"fixed": null})"), "a.json"), "fixed: expected a string (got null");
  REQUIRE_USAGE_ERROR(specFromJson(json::parse(R"({"stages": {}})"), "a.json"), "stages: expected an array");
  REQUIRE_USAGE_ERROR(specFromJson(json::parse(R"({"stages": [3]})"), "a.json"),
                      "stages[0]: expected an object (got number)");
  REQUIRE_USAGE_ERROR(specFromJson(json::parse("[]"), "a.json"), "a.json: top level: expected an object");
}

TEST_CASE("unknown enum names list the accepted ones", "[spec][json]") {
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"metric", {{"kind", "MIX"}}}}), "params/x.json"),
                      "params/x.json: stages[0].metric.kind: unknown value 'MIX' (expected MeanSquares, CC or MI)");
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"transform", "Rigid"}}), "a.json"),
                      "stages[0].transform: unknown value 'Rigid' (expected rigid, affine, greedy or syn)");
  REQUIRE_USAGE_ERROR(specFromJson(stageWith({{"levels", {{"sigmaUnit", "voxels"}}}}), "a.json"),
                      "stages[0].levels.sigmaUnit: unknown value 'voxels' (expected vox or mm)");
  REQUIRE_USAGE_ERROR(specFromJson(json::parse(R"({"initialTransform": {"kind": "centerOfMass"}})"), "a.json"),
                      "initialTransform.kind: unknown value 'centerOfMass' (expected identity, geometricCentre, "
                      "centreOfMass, origin or file)");
}

TEST_CASE("loadSpecFile reports file problems with the path", "[spec][json]") {
  ffdp::test::ScratchDir dir("spec-json");
  SECTION("a missing file is an input error") {
    REQUIRE_FFDP_ERROR(loadSpecFile(dir / "absent.json"), ExitCode::Input, dir / "absent.json");
  }
  SECTION("a directory is an input error") {
    REQUIRE_FFDP_ERROR(loadSpecFile(dir.path().string()), ExitCode::Input, "not a spec file");
  }
  SECTION("malformed JSON is a usage error with the byte position") {
    const std::string path = dir / "broken.json";
    writeText(path, "{\n  \"verbose\": 1,\n  \"threads\" 4\n}\n");
    // the '4' where the ':' should be: line 3, column 13, byte 31 (1-based, as nlohmann counts)
    REQUIRE_USAGE_ERROR(loadSpecFile(path), path + ": malformed JSON at line 3, column 13 (byte 31): ");
    REQUIRE_USAGE_ERROR(loadSpecFile(path), "expected ':'");
  }
  SECTION("an empty file is malformed JSON") {
    const std::string path = dir / "empty.json";
    writeText(path, "");
    REQUIRE_USAGE_ERROR(loadSpecFile(path), path + ": malformed JSON at line 1, column 1");
  }
  SECTION("an error on the first line counts columns from 1") {
    const std::string path = dir / "first-line.json";
    writeText(path, "{\"verbose\": 1,}");
    REQUIRE_USAGE_ERROR(loadSpecFile(path), path + ": malformed JSON at line 1, column 15 (byte 15)");
  }
  SECTION("a duplicate key is refused with its path") {
    const std::string path = dir / "dup.json";
    writeText(path, R"({"stages": [{"step": 0.1}, {"step": 0.2, "metric": {"kind": "CC", "kind": "MI"}}]})");
    REQUIRE_USAGE_ERROR(loadSpecFile(path), path + ": stages[1].metric.kind: duplicate key");
  }
  SECTION("the same key in different objects is fine") {
    const std::string path = dir / "fine.json";
    writeText(path, R"({"stages": [{"step": 0.1}, {"step": 0.2}], "verbose": 1})");
    const Spec spec = loadSpecFile(path);
    REQUIRE(spec.stages.size() == 2);
    CHECK(spec.stages[1].step == 0.2);
    CHECK(spec.verbose == 1);
  }
  SECTION("content errors name the file") {
    const std::string path = dir / "typo.json";
    writeText(path, R"({"stages": [{"metric": {"kind": "MIX"}}]})");
    REQUIRE_USAGE_ERROR(loadSpecFile(path), path + ": stages[0].metric.kind: unknown value 'MIX'");
  }
}
