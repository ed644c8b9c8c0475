// Acceptance: what ffdp-register writes is read by ITK's own readers, and ITK's resampler with the
// transform composed the way antsApplyTransforms composes it reproduces PWarped.nii.gz.
#include <catch2/catch.hpp>
#include <fstream>


#include "cli_fixture.hpp"
#include "itk_reference.hpp"

using namespace ffdp::test;

namespace {
const char* kKnownAffine =
    "#Insight Transform File V1.0\n#Transform 0\nTransform: AffineTransform_double_3_3\n"
    "Parameters: 0.99 0.08 -0.03 -0.07 1.01 0.05 0.04 -0.05 0.98 3.5 -2 4\nFixedParameters: 5 -10 8\n";
}  // namespace

TEST_CASE("ITK reproduces PWarped and PInverseWarped from the written transform", "[cli][ants]") {
  const std::string t1 = sharedData("multimodal/stroke/T1.nii.gz"), t2 = sharedData("multimodal/stroke/T2.nii.gz");
  FFDP_REQUIRE_DATA(t1);
  CliFixture fx;
  const std::string truth = fx.dir / "truth.txt", moving = fx.dir / "moved_T2.nii.gz";
  std::ofstream(truth) << kKnownAffine;
  // A moved T2 gives the registration something real to do.
  REQUIRE(runCli("apply -i " + t2 + " -r " + t2 + " -t [" + truth + ",1] -o " + moving).exitCode == 0);
  const auto run = runCli("-d 3 -o " + fx.prefix + " -r [" + t1 + "," + moving + ",1] -t Affine[0.2] -m MI[" + t1 +
                          "," + moving + ",1,32] -c [30x15,1e-6,10] -f 4x2 -s 2x1vox");
  INFO(run.output);
  REQUIRE(run.exitCode == 0);

  auto fixed = readItkImage(t1), movingImage = readItkImage(moving);
  auto affine = readItkAffine(fx.prefix + "0GenericAffine.mat");
  CHECK(std::string(affine->GetNameOfClass()) == "AffineTransform");
  const double forward = relativeL2(resampleLikeAnts(movingImage, fixed, {affine}), readItkImage(fx.prefix + "Warped.nii.gz"));
  CHECK(forward < 1e-4);
  // antsApplyTransforms -r M -i F -t [P0GenericAffine.mat,1]
  const double inverse = relativeL2(resampleLikeAnts(fixed, movingImage, {affine->GetInverseTransform()}),
                                    readItkImage(fx.prefix + "InverseWarped.nii.gz"));
  CHECK(inverse < 1e-4);
  WARN("relative L2 error vs ITK: warped " << forward << ", inverse warped " << inverse);
}

TEST_CASE("apply equals ITK's resampler for a chain of transforms with an inverse", "[cli][ants]") {
  const std::string t1 = sharedData("multimodal/stroke/T1.nii.gz");
  FFDP_REQUIRE_DATA(t1);
  CliFixture fx;
  const std::string a = fx.dir / "a.txt", b = fx.dir / "b.txt", out = fx.dir / "applied.nii.gz";
  std::ofstream(a) << kKnownAffine;
  std::ofstream(b) << "#Insight Transform File V1.0\n#Transform 0\nTransform: Euler3DTransform_double_3_3\n"
                      "Parameters: 0.1 -0.05 0.2 -4 6 1\nFixedParameters: 0 0 0 0\n";
  const auto r = runCli("apply -i " + t1 + " -r " + t1 + " -t " + a + " -t [" + b + ",1] -o " + out);
  INFO(r.output);
  REQUIRE(r.exitCode == 0);
  auto image = readItkImage(t1);
  auto ta = readItkAffine(a), tb = readItkAffine(b);
  const double err = relativeL2(resampleLikeAnts(image, image, {ta, tb->GetInverseTransform()}), readItkImage(out));
  CHECK(err < 1e-4);
}
