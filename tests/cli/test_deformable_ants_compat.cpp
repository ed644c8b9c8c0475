// Acceptance for deformable outputs: ITK's readers and resampler, with the transforms composed as
// antsApplyTransforms composes `-t P1Warp.nii.gz -t P0GenericAffine.mat` (and the inverse chain
// `-t [P0GenericAffine.mat,1] -t P1InverseWarp.nii.gz` on the moving grid), reproduce PWarped and
// PInverseWarped. Relative L2 errors are printed so that they can be quoted.
#include <catch2/catch.hpp>

#include "cli_fixture.hpp"
#include "itk_reference.hpp"

using namespace ffdp::test;

namespace {

// PWarped and PInverseWarped of the run with prefix P against ITK's resampling through the chains
// antsApplyTransforms builds from its files: relative L2 errors.
struct ItkErrors {
  double forward = 0, inverse = 0;
};
ItkErrors itkErrors(const std::string& fixedPath, const std::string& movingPath, const std::string& P) {
  auto fixed = readItkImage(fixedPath), moving = readItkImage(movingPath);
  auto affine = readItkAffine(P + "0GenericAffine.mat");
  ItkErrors e;
  e.forward = relativeL2(resampleLikeAnts(moving, fixed, {readItkWarp(P + "1Warp.nii.gz"), affine}),
                         readItkImage(P + "Warped.nii.gz"));
  e.inverse = relativeL2(resampleLikeAnts(fixed, moving, {affine->GetInverseTransform(), readItkWarp(P + "1InverseWarp.nii.gz")}),
                         readItkImage(P + "InverseWarped.nii.gz"));
  return e;
}

}  // namespace

TEST_CASE("ITK reproduces PWarped and PInverseWarped of a greedy registration", "[cli][ants][deformable]") {
  const std::string t1 = sharedData("multimodal/stroke/T1.nii.gz"), t2 = sharedData("multimodal/stroke/T2.nii.gz");
  FFDP_REQUIRE_DATA(t1);
  CliFixture fx;
  // A short greedy MI run (T1 to T2 of one head): enough to produce a real, non-trivial field.
  const auto run = runCli("-d 3 -o " + fx.prefix + " -r [" + t1 + "," + t2 + ",1] -t Affine[0.2] -m MI[" + t1 + "," +
                          t2 + ",1,32] -c [20x10,1e-6,10] -f 4x2 -s 2x1vox -t Greedy[0.25,1,0.5] -m MI[" + t1 + "," +
                          t2 + ",1,32] -c [20x10,1e-6,10] -f 4x2 -s 1x0.5vox -q");
  INFO(run.output);
  REQUIRE(run.exitCode == 0);
  const ItkErrors e = itkErrors(t1, t2, fx.prefix);
  WARN("relative L2 error vs ITK: warped " << e.forward << ", inverse warped " << e.inverse);
  CHECK(e.forward < 1e-3);
  CHECK(e.inverse < 1e-3);
}

// --field-shrink 2: the warps lie on the fixed grid shrunk by 2 (their own header geometry), and ITK's
// displacement-field transform, interpolating them at the fixed voxels, still reproduces both outputs.
TEST_CASE("ITK reproduces PWarped and PInverseWarped when the field lies on a coarser grid",
          "[cli][ants][deformable][coarse]") {
  const std::string t1 = sharedData("multimodal/stroke/T1.nii.gz"), t2 = sharedData("multimodal/stroke/T2.nii.gz");
  FFDP_REQUIRE_DATA(t1);
  CliFixture fx;
  const auto run = runCli("-d 3 -o " + fx.prefix + " -r [" + t1 + "," + t2 + ",1] -t Affine[0.2] -m MI[" + t1 + "," +
                          t2 + ",1,32] -c [20x10,1e-6,10] -f 4x2 -s 2x1vox -t Greedy[0.25,1,0.5] -m MI[" + t1 + "," +
                          t2 + ",1,32] -c [20x10x3,1e-6,10] -f 4x2x1 -s 1x0.5x0vox --field-shrink 2 -q");
  INFO(run.output);
  REQUIRE(run.exitCode == 0);
  auto fixed = readItkImage(t1);
  auto warpImage = readItkField(fx.prefix + "1Warp.nii.gz");
  const auto fixedSize = fixed->GetLargestPossibleRegion().GetSize();
  const auto warpSize = warpImage->GetLargestPossibleRegion().GetSize();
  for (unsigned a = 0; a < 3; ++a) CHECK(warpSize[a] == (fixedSize[a] + 1) / 2);
  for (unsigned a = 0; a < 3; ++a) CHECK(warpImage->GetSpacing()[a] == Approx(fixed->GetSpacing()[a] * fixedSize[a] / warpSize[a]));
  const ItkErrors e = itkErrors(t1, t2, fx.prefix);
  WARN("field on a 2x coarser grid, relative L2 error vs ITK: warped " << e.forward << ", inverse warped " << e.inverse);
  CHECK(e.forward < 1e-3);
  CHECK(e.inverse < 1e-3);
}

TEST_CASE("a SyN stage with --field-shrink is refused with a one-line error", "[cli][coarse]") {
  const std::string t1 = sharedData("multimodal/stroke/T1.nii.gz"), t2 = sharedData("multimodal/stroke/T2.nii.gz");
  FFDP_REQUIRE_DATA(t1);
  CliFixture fx;
  const auto syn = runCli("-d 3 -o " + fx.prefix + " -t SyN[0.25,3,0] -m MI[" + t1 + "," + t2 +
                          ",1,32] -c [2,1e-6,10] -f 4 -s 1vox --field-shrink 2 -q");
  requireOneLineError(syn, 2, "fieldShrink");
}

// Without a linear stage the moving grid reaches well beyond the fixed one, so the inverse chain reads
// the inverse warp outside its extent, where ITK's displacement-field transform gives zero. The
// inverse-warped image is built the same way (it was 1.3 % off when our chains took the edge value).
TEST_CASE("ITK reproduces PInverseWarped where the inverse chain leaves the warp's extent", "[cli][ants][deformable]") {
  const std::string t1 = sharedData("multimodal/stroke/T1.nii.gz"), t2 = sharedData("multimodal/stroke/T2.nii.gz");
  FFDP_REQUIRE_DATA(t1);
  for (const char* shrink : {"1", "2"}) {
    CliFixture fx;
    const auto run = runCli("-d 3 -o " + fx.prefix + " -r [" + t1 + "," + t2 + ",1] -t Greedy[0.25,1,0.5] -m MI[" + t1 +
                            "," + t2 + ",1,32] -c [20x10x3,1e-6,10] -f 4x2x1 -s 1x0.5x0vox --field-shrink " + shrink +
                            " -q");
    INFO(run.output);
    REQUIRE(run.exitCode == 0);
    const ItkErrors e = itkErrors(t1, t2, fx.prefix);
    WARN("fieldShrink " << shrink << ", no linear stage: relative L2 error vs ITK: warped " << e.forward
                        << ", inverse warped " << e.inverse);
    CHECK(e.forward < 1e-3);
    CHECK(e.inverse < 1e-3);
  }
}
