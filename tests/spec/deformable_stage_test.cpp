// The deformable stages in the spec: Greedy[step,gradSigma,warpSigma] (sigmas in voxels) and ANTs'
// SyN[step,updateVariance,totalVariance] (variances in voxels², so sigma = sqrt(variance)), their
// JSON form, and the rules validate() adds (one deformable stage, last; sigmas >= 0).
#include <catch2/catch.hpp>

#include <cmath>

#include "spec/ants_flags.hpp"
#include "spec/spec_json.hpp"
#include "spec_test_helpers.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

// -t Affine[0.1] -m MI[F,M,1,32] ... -t <deformable> -m CC[F,M,1,2] -c [200x100x50,1e-6,10] -f 4x2x1 -s 1x0.5x0vox
AntsFlags affineThen(const std::string& deformable) {
  AntsFlags flags;
  flags.output = "out/P";
  flags.transforms = {"Affine[0.1]", deformable};
  flags.metrics = {"MI[F.nii.gz,M.nii.gz,1,32]", "CC[F.nii.gz,M.nii.gz,1,2]"};
  flags.convergences = {"[100x50,1e-6,10]", "[200x100x50,1e-6,10]"};
  flags.shrinkFactors = {"4x2", "4x2x1"};
  flags.smoothingSigmas = {"2x1vox", "1x0.5x0vox"};
  return flags;
}

Spec fromFlags(const AntsFlags& flags) {
  Spec spec;
  applyAntsFlags(flags, spec);
  return spec;
}

}  // namespace

TEST_CASE("Greedy[step,gradSigma,warpSigma] gives the stage's step and sigmas in voxels", "[spec][deformable]") {
  const Spec spec = fromFlags(affineThen("Greedy[0.3,1.5,0.75]"));
  REQUIRE(spec.stages.size() == 2);
  const StageSpec& greedy = spec.stages[1];
  CHECK(greedy.transform == TransformKind::Greedy);
  CHECK(greedy.step == 0.3);
  CHECK(greedy.gradientSigma == 1.5);
  CHECK(greedy.warpSigma == 0.75);
  CHECK(greedy.metric.kind == MetricKind::CC);
  CHECK(greedy.metric.radius == 2);
  CHECK(greedy.iterations == std::vector<int>{200, 100, 50});
  CHECK_NOTHROW(validate(spec));
}

TEST_CASE("Greedy without arguments takes the documented defaults 0.25, 1, 0.5", "[spec][deformable]") {
  for (const char* text : {"Greedy", "Greedy[]", "greedy[,,]"}) {
    INFO(text);
    const StageSpec greedy = fromFlags(affineThen(text)).stages[1];
    CHECK(greedy.transform == TransformKind::Greedy);
    CHECK(greedy.step == 0.25);
    CHECK(greedy.gradientSigma == 1.0);
    CHECK(greedy.warpSigma == 0.5);
  }
}

TEST_CASE("SyN's variances become sigmas: sigma = sqrt(variance)", "[spec][deformable]") {
  const StageSpec syn = fromFlags(affineThen("SyN[0.2,3,0.5]")).stages[1];
  CHECK(syn.transform == TransformKind::SyN);
  CHECK(syn.step == 0.2);
  CHECK(syn.gradientSigma == Approx(std::sqrt(3.0)).epsilon(1e-15));
  CHECK(syn.warpSigma == Approx(std::sqrt(0.5)).epsilon(1e-15));

  // ANTs' defaults SyN[0.1,3,0]: no smoothing of the total field.
  const StageSpec defaults = fromFlags(affineThen("SyN")).stages[1];
  CHECK(defaults.step == 0.1);
  CHECK(defaults.gradientSigma == Approx(std::sqrt(3.0)));
  CHECK(defaults.warpSigma == 0.0);

  const StageSpec squares = fromFlags(affineThen("SyN[0.1,4,1]")).stages[1];
  CHECK(squares.gradientSigma == 2.0);
  CHECK(squares.warpSigma == 1.0);
}

TEST_CASE("malformed deformable --transform values are usage errors naming the flag", "[spec][deformable]") {
  REQUIRE_USAGE_ERROR(fromFlags(affineThen("Greedy[0.25,1,0.5,2]")), "--transform");
  REQUIRE_USAGE_ERROR(fromFlags(affineThen("Greedy[0.25,x]")), "--transform");
  REQUIRE_USAGE_ERROR(fromFlags(affineThen("SyN[0.1,-3,0]")), "variance");
  REQUIRE_USAGE_ERROR(fromFlags(affineThen("SyN[0.1,3,0,1]")), "--transform");
  REQUIRE_USAGE_ERROR(fromFlags(affineThen("BSplineSyN[0.1,26,0,3]")), "Greedy or SyN");
}

TEST_CASE("deformable stages round-trip through JSON with their sigmas", "[spec][deformable]") {
  for (const char* text : {"Greedy[0.3,1.5,0.75]", "SyN[0.2,2,0.5]"}) {
    INFO(text);
    const Spec spec = fromFlags(affineThen(text));
    const nlohmann::json j = specToJson(spec);
    CHECK(j["stages"][1]["gradientSigma"].get<double>() == spec.stages[1].gradientSigma);
    CHECK(j["stages"][1]["warpSigma"].get<double>() == spec.stages[1].warpSigma);
    CHECK_FALSE(j["stages"][0].contains("gradientSigma"));  // inert for a linear stage: not written
    requireSameSpec(specFromJson(j, "roundtrip"), spec);
  }
}

TEST_CASE("a spec file's greedy and syn stages parse; unknown transforms name the choices", "[spec][deformable]") {
  const nlohmann::json j = {
      {"fixed", "F.nii.gz"},
      {"moving", "M.nii.gz"},
      {"output", {{"prefix", "out/P"}}},
      {"stages",
       {{{"transform", "affine"}},
        {{"transform", "greedy"}, {"step", 0.4}, {"gradientSigma", 2.0}, {"warpSigma", 0.0}}}}};
  const Spec spec = specFromJson(j, "spec.json");
  REQUIRE(spec.stages.size() == 2);
  CHECK(spec.stages[1].transform == TransformKind::Greedy);
  CHECK(spec.stages[1].step == 0.4);
  CHECK(spec.stages[1].gradientSigma == 2.0);
  CHECK(spec.stages[1].warpSigma == 0.0);
  CHECK_NOTHROW(validate(spec));

  nlohmann::json bad = j;
  bad["stages"][1]["transform"] = "bspline";
  REQUIRE_USAGE_ERROR(specFromJson(bad, "spec.json"), "expected rigid, affine, greedy or syn");
  bad = j;
  bad["stages"][1]["gradientSigma"] = "1";
  REQUIRE_USAGE_ERROR(specFromJson(bad, "spec.json"), "stages[1].gradientSigma");
}

TEST_CASE("validate: one deformable stage, last, with non-negative sigmas", "[spec][deformable][validate]") {
  Spec spec = fromFlags(affineThen("Greedy[0.25,1,0.5]"));
  CHECK_NOTHROW(validate(spec));

  Spec first = spec;
  std::swap(first.stages[0], first.stages[1]);
  REQUIRE_USAGE_ERROR(validate(first), "stages[0].transform");

  Spec two = spec;
  two.stages[0] = two.stages[1];
  REQUIRE_USAGE_ERROR(validate(two), "must be the last stage");

  Spec negative = spec;
  negative.stages[1].gradientSigma = -1;
  REQUIRE_USAGE_ERROR(validate(negative), "stages[1].gradientSigma");
  negative = spec;
  negative.stages[1].warpSigma = std::nan("");
  REQUIRE_USAGE_ERROR(validate(negative), "stages[1].warpSigma");

  // A linear stage's sigmas are inert and not checked (as bins on a CC metric).
  Spec linear = spec;
  linear.stages[0].gradientSigma = -1;
  CHECK_NOTHROW(validate(linear));

  // Deformable alone (no linear stage before it) is allowed: the initial transform is the affine.
  Spec alone = spec;
  alone.stages.erase(alone.stages.begin());
  CHECK_NOTHROW(validate(alone));
}

TEST_CASE("toString spells the deformable kinds as the spec file does", "[spec][deformable]") {
  CHECK(std::string(toString(TransformKind::Greedy)) == "greedy");
  CHECK(std::string(toString(TransformKind::SyN)) == "syn");
}

TEST_CASE("fieldShrink: read from a spec file, written back, refused below 1 and on SyN", "[spec][deformable][coarse]") {
  nlohmann::json j = {{"fixed", "F.nii.gz"},
                      {"moving", "M.nii.gz"},
                      {"output", {{"prefix", "out/P"}}},
                      {"stages", {{{"transform", "greedy"}, {"fieldShrink", 2}}}}};
  const Spec spec = specFromJson(j, "spec.json");
  CHECK(spec.stages[0].fieldShrink == 2);
  CHECK(specToJson(spec)["stages"][0]["fieldShrink"].get<int>() == 2);
  requireSameSpec(specFromJson(specToJson(spec), "roundtrip"), spec);
  CHECK(specFromJson({{"stages", {{{"transform", "greedy"}}}}}, "default.json").stages[0].fieldShrink == 1);
  j["stages"][0]["fieldShrink"] = 0;
  REQUIRE_USAGE_ERROR(validate(specFromJson(j, "spec.json")), "stages[0].fieldShrink");
  j["stages"][0] = {{"transform", "syn"}, {"fieldShrink", 2}};
  REQUIRE_USAGE_ERROR(validate(specFromJson(j, "spec.json")), "greedy stages only");
  j["stages"][0]["fieldShrink"] = 1.5;
  CHECK_THROWS(specFromJson(j, "spec.json"));  // not an integer
}
