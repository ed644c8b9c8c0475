// antsRegistration flags as users type them, translated into a Spec field by field, and the
// malformed ones refused with a usage error naming the flag.
#include <catch2/catch.hpp>

#include "spec/ants_flags.hpp"
#include "spec/spec_json.hpp"
#include "spec_test_helpers.hpp"

using namespace ffdp;

namespace {

// antsRegistration -d 3 --float 1 -v 1 \
//   -o [out/P,out/PWarped.nii.gz,out/PInverseWarped.nii.gz] -r [F.nii.gz,M.nii.gz,1] -x [Fmask.nii.gz,NULL] \
//   -t Rigid[0.1] -m MI[F.nii.gz,M.nii.gz,1,32,Regular,0.25] -c [1000x500x250x100,1e-6,10] -f 8x4x2x1 -s 3x2x1x0vox \
//   -t Affine[0.05] -m CC[F.nii.gz,M.nii.gz,0.5,4] -c [100x70x50,1e-7,15] -f 4x2x1 -s 2x1x0.5mm
AntsFlags realisticCommand() {
  AntsFlags flags;
  flags.dimension = 3;
  flags.useFloat = true;
  flags.verbose = 1;
  flags.output = "[out/P,out/PWarped.nii.gz,out/PInverseWarped.nii.gz]";
  flags.initialMovingTransform = "[F.nii.gz,M.nii.gz,1]";
  flags.masks = "[Fmask.nii.gz,NULL]";
  flags.transforms = {"Rigid[0.1]", "Affine[0.05]"};
  flags.metrics = {"MI[F.nii.gz,M.nii.gz,1,32,Regular,0.25]", "CC[F.nii.gz,M.nii.gz,0.5,4]"};
  flags.convergences = {"[1000x500x250x100,1e-6,10]", "[100x70x50,1e-7,15]"};
  flags.shrinkFactors = {"8x4x2x1", "4x2x1"};
  flags.smoothingSigmas = {"3x2x1x0vox", "2x1x0.5mm"};
  return flags;
}

// One rigid stage with the given metric value; everything else minimal.
AntsFlags oneStage(const std::string& metric) {
  AntsFlags flags;
  flags.transforms = {"Rigid[0.1]"};
  flags.metrics = {metric};
  flags.convergences = {"[10x5,1e-6,10]"};
  flags.shrinkFactors = {"2x1"};
  flags.smoothingSigmas = {"1x0vox"};
  return flags;
}

Spec apply(const AntsFlags& flags) {
  Spec spec;
  applyAntsFlags(flags, spec);
  return spec;
}

}  // namespace

TEST_CASE("a realistic antsRegistration command translates field by field", "[spec][ants]") {
  Spec spec;
  spec.floatPrecision = false;  // --float 1 must turn it on
  applyAntsFlags(realisticCommand(), spec);

  CHECK(spec.fixed == "F.nii.gz");
  CHECK(spec.moving == "M.nii.gz");
  CHECK(spec.fixedMask == "Fmask.nii.gz");
  CHECK(spec.movingMask.empty());  // NULL
  CHECK(spec.outputPrefix == "out/P");
  CHECK(spec.warped == "out/PWarped.nii.gz");
  CHECK(spec.inverseWarped == "out/PInverseWarped.nii.gz");
  CHECK(spec.initial.kind == InitKind::CentreOfMass);
  CHECK(spec.initial.file.empty());
  CHECK(spec.floatPrecision);
  CHECK(spec.verbose == 1);
  REQUIRE(spec.stages.size() == 2);

  const StageSpec& rigid = spec.stages[0];
  CHECK(rigid.transform == TransformKind::Rigid);
  CHECK(rigid.step == 0.1);
  CHECK(rigid.metric.kind == MetricKind::MI);
  CHECK(rigid.metric.weight == 1.0);
  CHECK(rigid.metric.bins == 32);
  CHECK(rigid.metric.samplingFraction == 0.25);
  CHECK(rigid.iterations == std::vector<int>{1000, 500, 250, 100});
  CHECK(rigid.convergenceThreshold == 1e-6);
  CHECK(rigid.convergenceWindow == 10);
  CHECK(rigid.shrinkFactors == std::vector<int>{8, 4, 2, 1});
  CHECK(rigid.smoothingSigmas == std::vector<double>{3, 2, 1, 0});
  CHECK(rigid.sigmaUnit == SigmaUnit::Voxels);

  const StageSpec& affine = spec.stages[1];
  CHECK(affine.transform == TransformKind::Affine);
  CHECK(affine.step == 0.05);
  CHECK(affine.metric.kind == MetricKind::CC);
  CHECK(affine.metric.weight == 0.5);
  CHECK(affine.metric.radius == 4);
  CHECK(affine.metric.samplingFraction == 1.0);
  CHECK(affine.iterations == std::vector<int>{100, 70, 50});
  CHECK(affine.convergenceThreshold == 1e-7);
  CHECK(affine.convergenceWindow == 15);
  CHECK(affine.shrinkFactors == std::vector<int>{4, 2, 1});
  CHECK(affine.smoothingSigmas == std::vector<double>{2, 1, 0.5});
  CHECK(affine.sigmaUnit == SigmaUnit::Millimetres);

  CHECK_NOTHROW(validate(spec));
}

TEST_CASE("transform names, steps and defaults", "[spec][ants]") {
  AntsFlags flags = oneStage("MI[F,M,1,32]");
  flags.transforms = {"rigid[0.2]"};  // case-insensitive
  CHECK(apply(flags).stages[0].step == 0.2);
  flags.transforms = {"AFFINE"};  // no brackets: ANTs' default step 0.1
  CHECK(apply(flags).stages[0].transform == TransformKind::Affine);
  CHECK(apply(flags).stages[0].step == 0.1);
  flags.transforms = {"Affine[]"};
  CHECK(apply(flags).stages[0].step == 0.1);
  flags.transforms = {" Rigid[ 0.3 ] "};
  CHECK(apply(flags).stages[0].step == 0.3);
}

TEST_CASE("metric names, aliases and sampling", "[spec][ants]") {
  SECTION("Mattes is MI, and the number of bins is read") {
    const MetricSpec m = apply(oneStage("Mattes[F,M,1,64]")).stages[0].metric;
    CHECK(m.kind == MetricKind::MI);
    CHECK(m.bins == 64);
  }
  SECTION("MSQ is MeanSquares; ANTs' fourth 'radius' placeholder is ignored") {
    const MetricSpec m = apply(oneStage("MSQ[F,M,2,0,Random,0.5]")).stages[0].metric;
    CHECK(m.kind == MetricKind::MeanSquares);
    CHECK(m.weight == 2.0);
    CHECK(m.samplingFraction == 0.5);
  }
  SECTION("MeanSquares without the placeholder, sampling right after the weight") {
    const MetricSpec m = apply(oneStage("meansquares[F,M,1,Regular,0.2]")).stages[0].metric;
    CHECK(m.kind == MetricKind::MeanSquares);
    CHECK(m.samplingFraction == 0.2);
  }
  SECTION("None sampling means every voxel, whatever percentage follows") {
    CHECK(apply(oneStage("MI[F,M,1,32,None,0.3]")).stages[0].metric.samplingFraction == 1.0);
  }
  SECTION("whitespace and omitted optional arguments") {
    const Spec spec = apply(oneStage("cc[ F.nii.gz , M.nii.gz ]"));
    CHECK(spec.fixed == "F.nii.gz");
    CHECK(spec.moving == "M.nii.gz");
    CHECK(spec.stages[0].metric.kind == MetricKind::CC);
    CHECK(spec.stages[0].metric.weight == 1.0);
    CHECK(spec.stages[0].metric.radius == MetricSpec{}.radius);
  }
  SECTION("an empty weight keeps the default") {
    CHECK(apply(oneStage("MI[F,M,,16]")).stages[0].metric.weight == 1.0);
    CHECK(apply(oneStage("MI[F,M,,16]")).stages[0].metric.bins == 16);
  }
  SECTION("a trailing useGradientFilter of 0 is accepted") {
    CHECK(apply(oneStage("CC[F,M,1,3,Regular,0.5,0]")).stages[0].metric.samplingFraction == 0.5);
  }
}

TEST_CASE("convergence, shrink factors and sigmas variants", "[spec][ants]") {
  AntsFlags flags = oneStage("MI[F,M,1,32]");
  flags.convergences = {"40x20"};  // no brackets, threshold and window left to the defaults
  flags.smoothingSigmas = {"1.5x0"};  // no suffix = voxels
  Spec spec = apply(flags);
  CHECK(spec.stages[0].iterations == std::vector<int>{40, 20});
  CHECK(spec.stages[0].convergenceThreshold == StageSpec{}.convergenceThreshold);
  CHECK(spec.stages[0].convergenceWindow == StageSpec{}.convergenceWindow);
  CHECK(spec.stages[0].smoothingSigmas == std::vector<double>{1.5, 0});
  CHECK(spec.stages[0].sigmaUnit == SigmaUnit::Voxels);

  flags.convergences = {"[40x20,1e-8]"};
  flags.smoothingSigmas = {"2x1MM"};
  spec = apply(flags);
  CHECK(spec.stages[0].convergenceThreshold == 1e-8);
  CHECK(spec.stages[0].sigmaUnit == SigmaUnit::Millimetres);
}

TEST_CASE("output, initial transform and mask forms", "[spec][ants]") {
  SECTION("plain output prefix") {
    AntsFlags flags;
    flags.output = "out/P";
    const Spec spec = apply(flags);
    CHECK(spec.outputPrefix == "out/P");
    CHECK(spec.warped.empty());
    CHECK(spec.inverseWarped.empty());
  }
  SECTION("[prefix,warped] without the inverse") {
    AntsFlags flags;
    flags.output = "[P,W.nii.gz]";
    const Spec spec = apply(flags);
    CHECK(spec.warped == "W.nii.gz");
    CHECK(spec.inverseWarped.empty());
  }
  SECTION("initialization features 0 and 2") {
    AntsFlags flags = oneStage("MI[F,M,1,32]");
    flags.initialMovingTransform = "[F,M,0]";
    CHECK(apply(flags).initial.kind == InitKind::GeometricCentre);
    flags.initialMovingTransform = "[F,M,2]";
    CHECK(apply(flags).initial.kind == InitKind::Origin);
  }
  SECTION("a transform file, plain or inverted") {
    AntsFlags flags;
    flags.initialMovingTransform = "init0GenericAffine.mat";
    Spec spec = apply(flags);
    CHECK(spec.initial.kind == InitKind::File);
    CHECK(spec.initial.file == "init0GenericAffine.mat");
    CHECK_FALSE(spec.initial.invert);
    flags.initialMovingTransform = "[init.mat,1]";
    spec = apply(flags);
    CHECK(spec.initial.kind == InitKind::File);
    CHECK(spec.initial.file == "init.mat");
    CHECK(spec.initial.invert);
    flags.initialMovingTransform = "[init.mat,0]";
    CHECK_FALSE(apply(flags).initial.invert);
  }
  SECTION("[fixed,moving,1] without metrics names the pair") {
    AntsFlags flags;
    flags.initialMovingTransform = "[F.nii.gz,M.nii.gz,1]";
    const Spec spec = apply(flags);
    CHECK(spec.fixed == "F.nii.gz");
    CHECK(spec.moving == "M.nii.gz");
  }
  SECTION("masks: one mask, or NULL for the fixed one") {
    AntsFlags flags;
    flags.masks = "Fmask.nii.gz";
    Spec spec = apply(flags);
    CHECK(spec.fixedMask == "Fmask.nii.gz");
    CHECK(spec.movingMask.empty());
    flags.masks = "[NULL,Mmask.nii.gz]";
    spec = apply(flags);
    CHECK(spec.fixedMask.empty());
    CHECK(spec.movingMask == "Mmask.nii.gz");
  }
}

TEST_CASE("flags not given leave a preset's values alone", "[spec][ants]") {
  Spec spec = ffdp::test::validTwoStageSpec();
  spec.verbose = 2;
  AntsFlags flags;
  flags.output = "elsewhere/Q";
  applyAntsFlags(flags, spec);
  CHECK(spec.stages.size() == 2);
  CHECK(spec.fixed == "F.nii.gz");
  CHECK(spec.verbose == 2);
  CHECK(spec.floatPrecision);
  CHECK(spec.outputPrefix == "elsewhere/Q");

  // any --transform replaces the preset's stages
  applyAntsFlags(oneStage("CC[A.nii.gz,B.nii.gz,1,2]"), spec);
  REQUIRE(spec.stages.size() == 1);
  CHECK(spec.stages[0].metric.kind == MetricKind::CC);
  CHECK(spec.fixed == "A.nii.gz");
}

TEST_CASE("malformed flags are usage errors naming the flag", "[spec][ants]") {
  SECTION("-d other than 3") {
    AntsFlags flags;
    flags.dimension = 2;
    REQUIRE_USAGE_ERROR(apply(flags), "-d 2: only 3-D registration is supported");
  }
  SECTION("missing closing bracket") {
    REQUIRE_USAGE_ERROR(apply(oneStage("MI[F,M,1,32")), "--metric MI[F,M,1,32: missing closing ']'");
    AntsFlags flags = oneStage("MI[F,M,1,32]");
    flags.convergences = {"[100x50,1e-6,10"};
    REQUIRE_USAGE_ERROR(apply(flags), "--convergence [100x50,1e-6,10: missing closing ']'");
    flags = oneStage("MI[F,M,1,32]");
    flags.output = "[P,W.nii.gz";
    REQUIRE_USAGE_ERROR(apply(flags), "--output [P,W.nii.gz: missing closing ']'");
  }
  SECTION("text after the bracket or before an optional one") {
    REQUIRE_USAGE_ERROR(apply(oneStage("MI[F,M,1,32]x")), "--metric MI[F,M,1,32]x: unexpected text after ']'");
    AntsFlags flags;
    flags.masks = "m[F,M]";
    REQUIRE_USAGE_ERROR(apply(flags), "--masks m[F,M]: unexpected text 'm' before '['");
  }
  SECTION("numbers are parsed strictly") {
    REQUIRE_USAGE_ERROR(apply(oneStage("CC[f,m,1,abc]")), "--metric CC[f,m,1,abc]: radius: 'abc' is not an integer");
    REQUIRE_USAGE_ERROR(apply(oneStage("MI[f,m,1,32.5]")), "--metric MI[f,m,1,32.5]: number of bins");
    REQUIRE_USAGE_ERROR(apply(oneStage("MI[f,m,1x,32]")), "--metric MI[f,m,1x,32]: weight: '1x' is not a number");
    AntsFlags flags = oneStage("MI[F,M,1,32]");
    flags.transforms = {"Rigid[fast]"};
    REQUIRE_USAGE_ERROR(apply(flags), "--transform Rigid[fast]: gradient step: 'fast' is not a number");
    flags = oneStage("MI[F,M,1,32]");
    flags.convergences = {"[100x5Ox10,1e-6,10]"};
    REQUIRE_USAGE_ERROR(apply(flags), "--convergence [100x5Ox10,1e-6,10]: iterations: '5O' is not an integer");
    flags = oneStage("MI[F,M,1,32]");
    flags.shrinkFactors = {"4x2x"};
    REQUIRE_USAGE_ERROR(apply(flags), "--shrink-factors 4x2x: shrink factors: '' is not an integer");
    flags = oneStage("MI[F,M,1,32]");
    flags.smoothingSigmas = {"2x1x0voxels"};
    REQUIRE_USAGE_ERROR(apply(flags), "--smoothing-sigmas 2x1x0voxels: smoothing sigmas");
  }
  SECTION("per-stage counts must match the transforms") {
    AntsFlags flags = realisticCommand();
    flags.metrics.pop_back();
    REQUIRE_USAGE_ERROR(apply(flags), "--metric: given 1 time but --transform gives 2 stages");
    flags = realisticCommand();
    flags.smoothingSigmas.push_back("1x0");
    REQUIRE_USAGE_ERROR(apply(flags), "--smoothing-sigmas: given 3 times but --transform gives 2 stages");
    flags = AntsFlags{};
    flags.convergences = {"100x50"};
    REQUIRE_USAGE_ERROR(apply(flags), "--convergence: given without --transform");
  }
  SECTION("every stage must name the same image pair") {
    AntsFlags flags = realisticCommand();
    flags.metrics[1] = "CC[F.nii.gz,Other.nii.gz,1,4]";
    REQUIRE_USAGE_ERROR(apply(flags), "--metric CC[F.nii.gz,Other.nii.gz,1,4]: images (F.nii.gz, Other.nii.gz) differ");
    flags = realisticCommand();
    flags.initialMovingTransform = "[F.nii.gz,Other.nii.gz,1]";
    REQUIRE_USAGE_ERROR(apply(flags), "--initial-moving-transform [F.nii.gz,Other.nii.gz,1]: images");
  }
  SECTION("unsupported or out-of-range values") {
    AntsFlags flags = oneStage("MI[F,M,1,32]");
    flags.transforms = {"BSplineSyN[0.1,26,0,3]"};
    REQUIRE_USAGE_ERROR(apply(flags), "--transform BSplineSyN[0.1,26,0,3]: 'BSplineSyN' is not supported (expected "
                                      "Rigid, Affine, Greedy or SyN)");
    REQUIRE_USAGE_ERROR(apply(oneStage("Demons[F,M,1,4]")), "--metric Demons[F,M,1,4]: 'Demons' is not supported");
    REQUIRE_USAGE_ERROR(apply(oneStage("MI[F,M,1,32,Regular,25]")), "sampling percentage must be in (0, 1] (got 25;");
    REQUIRE_USAGE_ERROR(apply(oneStage("MI[F,M,1,32,Sparse,0.2]")), "sampling strategy 'Sparse'");
    REQUIRE_USAGE_ERROR(apply(oneStage("MI[F,M,1,32,Regular,0.2,1]")), "useGradientFilter '1' is not supported");
    REQUIRE_USAGE_ERROR(apply(oneStage("MI[F.nii.gz]")), "--metric MI[F.nii.gz]: expects the fixed and moving images");
    flags = oneStage("MI[F,M,1,32]");
    flags.initialMovingTransform = "[F,M,3]";
    REQUIRE_USAGE_ERROR(apply(flags), "--initial-moving-transform [F,M,3]: initialization feature must be 0");
    flags.initialMovingTransform = "[init.mat,2]";
    REQUIRE_USAGE_ERROR(apply(flags), "--initial-moving-transform [init.mat,2]: useInverse must be 0 or 1");
    flags = oneStage("MI[F,M,1,32]");
    flags.masks = "[a,b,c]";
    REQUIRE_USAGE_ERROR(apply(flags), "--masks [a,b,c]: expected [fixedMask,movingMask]");
    flags = oneStage("MI[F,M,1,32]");
    flags.output = "[]";
    REQUIRE_USAGE_ERROR(apply(flags), "--output []: missing the output prefix");
  }
}

TEST_CASE("a preset plus ANTs flags for paths gives a runnable spec", "[spec][ants][presets]") {
  Spec spec = loadSpecFile(std::string(FFDP_SOURCE_DIR) + "/params/affine.json");
  AntsFlags flags;
  flags.output = "[out/P,out/PWarped.nii.gz]";
  flags.initialMovingTransform = "[F.nii.gz,M.nii.gz,1]";
  applyAntsFlags(flags, spec);
  CHECK_NOTHROW(validate(spec));
  CHECK(spec.stages.size() == 2);
}
