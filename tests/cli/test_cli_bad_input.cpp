// Every bad input gets one line naming the file, a documented exit code, and no output files.
#include <catch2/catch.hpp>
#include <fstream>
#include <limits>

#include "cli_fixture.hpp"
#include "support/raw_image_writer.hpp"

using namespace ffdp::test;

namespace {
constexpr int kInput = 3, kResource = 4;

void expectInputError(const CliFixture& fx, const std::string& badPath) {
  requireOneLineError(fx.registerPair(fx.fixed, badPath), kInput, badPath);
  CHECK(fx.outputCount() == 0);
}
}  // namespace

TEST_CASE("missing file, directory and non-image file", "[cli][bad-input]") {
  CliFixture fx;
  expectInputError(fx, fx.dir / "does_not_exist.nii.gz");
  expectInputError(fx, fx.dir.path().string());
  const std::string text = fx.dir / "notes.nii.gz";
  std::ofstream(text) << "this is not an image\n";
  expectInputError(fx, text);
}

TEST_CASE("truncated .nii.gz", "[cli][bad-input]") {
  CliFixture fx;
  const std::string gz = fx.dir / "full.nii.gz", cut = fx.dir / "cut.nii.gz";
  REQUIRE(runShell("gzip -c " + fx.moving + " > " + gz).exitCode == 0);
  REQUIRE(runShell("head -c $(( $(stat -c %s " + gz + ") / 2 )) " + gz + " > " + cut).exitCode == 0);
  expectInputError(fx, cut);
}

TEST_CASE("2-D, 4-D and zero-size images", "[cli][bad-input]") {
  CliFixture fx;
  const std::string twoD = fx.dir / "slice.nii", fourD = fx.dir / "series.nii", empty = fx.dir / "empty.nii";
  writeRawNifti(twoD, {20, 20}, {1, 2, 3});
  writeRawNifti(fourD, {20, 20, 20, 3}, {1, 2, 3});
  writeRawNifti(empty, {20, 20, 0}, {});
  expectInputError(fx, twoD);
  expectInputError(fx, fourD);
  expectInputError(fx, empty);
}

TEST_CASE("an image too thin to register (a slice stored as 3-D)", "[cli][bad-input]") {
  CliFixture fx;
  const std::string slab = fx.dir / "slab.nii";
  writeRawNifti(slab, {20, 20, 1}, {1, 2, 3, 4, 5});
  expectInputError(fx, slab);
}

TEST_CASE("all-NaN and constant images", "[cli][bad-input]") {
  CliFixture fx;
  const std::string nan = fx.dir / "nan.nii", flat = fx.dir / "flat.nii";
  writeRawNifti(nan, {20, 20, 20}, {std::numeric_limits<float>::quiet_NaN()});
  writeRawNifti(flat, {20, 20, 20}, {7.f});
  expectInputError(fx, nan);
  expectInputError(fx, flat);
}

TEST_CASE("non-invertible direction matrix", "[cli][bad-input]") {
  CliFixture fx;
  const std::string degenerate = fx.dir / "degenerate.mha";
  writeRawMetaImage(degenerate, {20, 20, 20}, {1, 0, 0, 1, 0, 0, 0, 0, 1}, {1, 2, 3, 4});
  expectInputError(fx, degenerate);
}

TEST_CASE("mask with no voxels", "[cli][bad-input]") {
  CliFixture fx;
  const std::string mask = fx.dir / "mask.nii";
  writeRawNifti(mask, {20, 20, 20}, {0.f});
  requireOneLineError(fx.registerPair(fx.fixed, fx.moving, "-x " + mask), kInput, mask);
  CHECK(fx.outputCount() == 0);
}

TEST_CASE("output directory missing or not a directory", "[cli][bad-input]") {
  CliFixture fx;
  const std::string missingDir = fx.dir / "no/such/dir/P";
  auto r = runCli("-d 3 -o " + missingDir + " -t Rigid[0.2] -m MeanSquares[" + fx.fixed + "," + fx.moving +
                  ",1] -c 5 -f 1 -s 0");
  requireOneLineError(r, kResource, fx.dir / "no/such/dir");
  const std::string fileAsDir = fx.dir / "plainfile";
  std::ofstream(fileAsDir) << "x";
  r = runCli("-d 3 -o " + fileAsDir + "/P -t Rigid[0.2] -m MeanSquares[" + fx.fixed + "," + fx.moving +
             ",1] -c 5 -f 1 -s 0");
  requireOneLineError(r, kResource, fileAsDir);
}

TEST_CASE("existing outputs are kept unless --overwrite", "[cli][bad-input]") {
  CliFixture fx;
  const std::string existing = fx.prefix + "0GenericAffine.mat";
  std::ofstream(existing) << "precious";
  requireOneLineError(fx.registerPair(fx.fixed, fx.moving), kResource, existing);
  CHECK(fx.outputCount() == 1);
  std::ifstream in(existing);
  std::string content;
  in >> content;
  CHECK(content == "precious");
  const auto ok = fx.registerPair(fx.fixed, fx.moving, "--overwrite");
  INFO(ok.output);
  CHECK(ok.exitCode == 0);
  CHECK(fx.outputCount() == 4);
}
