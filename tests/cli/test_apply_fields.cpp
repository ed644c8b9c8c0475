// Displacement fields on the command line: `apply` with fields in its -t list reproduces ITK's own
// resampler with a CompositeTransform built as antsApplyTransforms builds it (fields read back with
// ITK's reader), and `eval jacobian` / `eval inverse-consistency` give the numbers known in closed form
// or from ITK's own field inversion.
#include <itkCompositeTransform.h>
#include <itkDisplacementFieldTransform.h>
#include <itkImageFileReader.h>
#include <itkInvertDisplacementFieldImageFilter.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>
#include <itkTransformFileReader.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "cli_fixture.hpp"
#include "itk_reference.hpp"
#include "io/field_io.hpp"
#include "io/image_io.hpp"
#include "io/transform_io.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

// A smooth random field (a few random low-frequency waves per component, up to ~4 mm) that fades to
// zero at the grid's faces.
Field smoothRandomField(const Grid& g, unsigned seed, double amplitudeMm) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> phase(0, 2 * M_PI), freq(0.5, 2.0), amp(0.3, 1.0);
  struct Wave {
    double fx, fy, fz, p, a;
  };
  std::vector<Wave> waves[3];
  for (auto& component : waves)
    for (int w = 0; w < 3; ++w) component.push_back({freq(rng), freq(rng), freq(rng), phase(rng), amp(rng) / 3});
  Field u(g);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const double s[3] = {double(i) / double(g.size[0] - 1), double(j) / double(g.size[1] - 1),
                             double(k) / double(g.size[2] - 1)};
        const double fade = std::pow(std::sin(M_PI * s[0]) * std::sin(M_PI * s[1]) * std::sin(M_PI * s[2]), 2);
        Vec3f& v = u.at(i, j, k);
        for (int c = 0; c < 3; ++c) {
          double sum = 0;
          for (const Wave& w : waves[c]) sum += w.a * std::sin(M_PI * (w.fx * s[0] + w.fy * s[1] + w.fz * s[2]) + w.p);
          v[c] = float(amplitudeMm * fade * sum);
        }
      }
  return u;
}

Affine knownAffine(const Grid& g) {
  Affine a = Affine::identity(g.centre());
  a.M = Mat3{{{0.99, 0.08, -0.03}, {-0.07, 1.01, 0.05}, {0.04, -0.05, 0.98}}};
  a.t = {3.5, -2, 4};
  return a;
}

nlohmann::json runJson(const std::string& arguments) {
  const CommandResult r = runCli(arguments);
  INFO(r.output);
  REQUIRE(r.exitCode == 0);
  return nlohmann::json::parse(r.output);
}

Field linearField(const Grid& g, const Mat3& B) {
  Field u(g);
  const Vec3 c = g.centre();
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3 d = B * (g.indexToPhysical({double(i), double(j), double(k)}) - c);
        u.at(i, j, k) = {float(d[0]), float(d[1]), float(d[2])};
      }
  return u;
}

// The central block of a real image (half of each axis), so that the ITK comparison stays quick.
std::string centralCrop(const std::string& path, const std::string& out) {
  const Image full = readImage(path).image;
  Grid g = full.grid;
  std::array<int64_t, 3> start{};
  for (int d = 0; d < 3; ++d) {
    g.size[d] = full.grid.size[d] / 2;
    start[d] = full.grid.size[d] / 4;
  }
  g.origin = full.grid.indexToPhysical({double(start[0]), double(start[1]), double(start[2])});
  Image crop(g);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) crop.at(i, j, k) = full.at(i + start[0], j + start[1], k + start[2]);
  writeImage(out, crop);
  return out;
}

}  // namespace

TEST_CASE("apply -t field -t affine.mat and -t [affine,1] -t field equal ITK's resampler", "[cli][ants][field]") {
  const std::string t1Full = sharedData("multimodal/stroke/T1.nii.gz");
  FFDP_REQUIRE_DATA(t1Full);
  CliFixture fx;
  const std::string t1 = centralCrop(t1Full, fx.dir / "T1_crop.nii.gz");
  const Grid grid = readImage(t1).image.grid;
  const std::string field = fx.dir / "P1Warp.nii.gz", affine = fx.dir / "P0GenericAffine.mat";
  writeDisplacementField(field, smoothRandomField(grid, 11, 4.0));
  writeAffine(affine, knownAffine(grid));
  auto image = readItkImage(t1);
  auto itkAffine = readItkAffine(affine);
  auto itkWarp = readItkWarp(field);

  // The registration's forward map: A(x + u(x)).
  const std::string forward = fx.dir / "forward.nii.gz";
  const auto r1 = runCli("apply -i " + t1 + " -r " + t1 + " -t " + field + " -t " + affine + " -o " + forward);
  INFO(r1.output);
  REQUIRE(r1.exitCode == 0);
  const double forwardError = relativeL2(resampleLikeAnts(image, image, {itkWarp, itkAffine}), readItkImage(forward));
  CHECK(forwardError < 1e-4);

  // The inverse map's shape: an affine's inverse first, then a field (the CPU chain path).
  const std::string inverse = fx.dir / "inverse.nii.gz";
  const auto r2 = runCli("apply -i " + t1 + " -r " + t1 + " -t [" + affine + ",1] -t " + field + " -o " + inverse);
  INFO(r2.output);
  REQUIRE(r2.exitCode == 0);
  const double inverseError =
      relativeL2(resampleLikeAnts(image, image, {itkAffine->GetInverseTransform(), itkWarp}), readItkImage(inverse));
  CHECK(inverseError < 1e-4);
  // The field mattered: without it the result is clearly different.
  const double withoutField = relativeL2(resampleLikeAnts(image, image, {itkAffine}), readItkImage(forward));
  CHECK(withoutField > 100 * forwardError);
  // Two fields then the affine (backend composition); the second field on a coarser grid of the same
  // region, so apply first resamples it onto the reference grid.
  Grid coarse = grid.shrunk({2, 2, 2});
  const std::string field2 = fx.dir / "coarse_warp.nii.gz", twoFields = fx.dir / "two_fields.nii.gz";
  writeDisplacementField(field2, smoothRandomField(coarse, 12, 3.0));
  const auto r3 =
      runCli("apply -i " + t1 + " -r " + t1 + " -t " + field + " -t " + field2 + " -t " + affine + " -o " + twoFields);
  INFO(r3.output);
  REQUIRE(r3.exitCode == 0);
  const double twoFieldError =
      relativeL2(resampleLikeAnts(image, image, {itkWarp, readItkWarp(field2), itkAffine}), readItkImage(twoFields));
  // The coarse field is interpolated twice (onto the reference grid, then at x + u1(x)) where ITK
  // interpolates it once: a small, smooth difference.
  CHECK(twoFieldError < 1e-3);
  WARN("relative L2 vs ITK: two fields (one coarse) + affine " << twoFieldError);
  WARN("relative L2 vs ITK: field+affine " << forwardError << ", [affine,1]+field " << inverseError
                                           << " (affine alone differs by " << withoutField << ")");
}

TEST_CASE("apply refuses [field,1] with one line naming the argument, before reading files", "[cli][field]") {
  CliFixture fx;
  const auto r = runCli("apply -i " + fx.moving + " -r " + fx.fixed + " -t [" + fx.dir / "missing.nii.gz" + ",1] -o " +
                        fx.dir / "out.nii.gz");
  requireOneLineError(r, 2, "P1InverseWarp");
  CHECK_THAT(r.output, Catch::Contains("missing.nii.gz"));
}

TEST_CASE("eval jacobian of linear fields: det(I + B) everywhere; folds counted", "[cli][field]") {
  CliFixture fx;
  Grid g;
  g.size = {16, 12, 10};
  g.spacing = {1.0, 1.5, 2.0};
  g.origin = {-8, 3, 12};
  const Mat3 B{{{0.2, 0.05, 0}, {-0.1, 0.1, 0.02}, {0.03, 0, -0.15}}};
  const std::string smooth = fx.dir / "linear.nii.gz";
  writeDisplacementField(smooth, linearField(g, B));
  Mat3 jac = B;
  for (int a = 0; a < 3; ++a) jac.m[a][a] += 1;
  const double det = jac.determinant();
  const auto j = runJson("eval jacobian " + smooth + " --json");
  CHECK(j["voxels"] == g.voxels());
  CHECK(j["min"].get<double>() == Approx(det).epsilon(1e-4));
  CHECK(j["max"].get<double>() == Approx(det).epsilon(1e-4));
  CHECK(j["mean"].get<double>() == Approx(det).epsilon(1e-4));
  CHECK(j["nonPositive"] == 0);

  // x -> x - 1.5 x along the first axis reverses it: det = -0.5, every voxel folds.
  const std::string folded = fx.dir / "folded.nii.gz";
  writeDisplacementField(folded, linearField(g, Mat3{{{-1.5, 0, 0}, {0, 0, 0}, {0, 0, 0}}}));
  const auto f = runJson("eval jacobian " + folded + " --json");
  CHECK(f["min"].get<double>() == Approx(-0.5).epsilon(1e-4));
  CHECK(f["nonPositivePercent"].get<double>() == Approx(100.0));
}

TEST_CASE("eval inverse-consistency of a field and ITK's numerical inverse is < 0.05 voxel", "[cli][field]") {
  CliFixture fx;
  Grid g;
  g.size = {40, 36, 32};
  g.spacing = {1.2, 1.0, 1.5};
  g.origin = {-20, -18, -24};
  const std::string forward = fx.dir / "warp.nii.gz", inverse = fx.dir / "inverse.nii.gz";
  writeDisplacementField(forward, smoothRandomField(g, 5, 3.0));

  // ITK's own fixed-point inversion, an independent judge of what a good inverse looks like.
  auto invert = itk::InvertDisplacementFieldImageFilter<ItkFieldImage>::New();
  invert->SetInput(readItkField(forward));
  invert->SetMaximumNumberOfIterations(50);
  invert->SetMeanErrorToleranceThreshold(1e-4);
  invert->SetMaxErrorToleranceThreshold(1e-3);
  invert->Update();
  Field v(g);
  const auto* inv = invert->GetOutput()->GetBufferPointer();
  for (size_t n = 0; n < v.data.size(); ++n) v.data[n] = {float(inv[n][0]), float(inv[n][1]), float(inv[n][2])};
  writeDisplacementField(inverse, v);

  const auto good = runJson("eval inverse-consistency " + forward + " " + inverse + " --json");
  CHECK(good["voxels"] == g.voxels());
  CHECK(good["meanVoxels"].get<double>() < 0.05);
  CHECK(good["maxVoxels"].get<double>() < 0.25);
  // Judged against the forward field itself as a (wrong) inverse, the error is large: the measure can fail.
  const auto bad = runJson("eval inverse-consistency " + forward + " " + forward + " --json");
  CHECK(bad["meanVoxels"].get<double>() > 20 * good["meanVoxels"].get<double>());
  CHECK(bad["meanMm"].get<double>() == Approx(bad["meanVoxels"].get<double>() * 1.0));
  WARN("inverse consistency with ITK's inverse: mean " << good["meanVoxels"] << ", max " << good["maxVoxels"]
                                                       << " voxel; with u as its own inverse: " << bad["meanVoxels"]);
}

TEST_CASE("eval transform compares lists holding fields (no rotation reported)", "[cli][field]") {
  CliFixture fx;
  const Grid g = readImage(fx.fixed).image.grid;
  const std::string field = fx.dir / "w.nii.gz", shifted = fx.dir / "w_shifted.nii.gz";
  Field u = smoothRandomField(g, 3, 2.0);
  writeDisplacementField(field, u);
  for (auto& v : u.data) v[2] += 0.25f;
  writeDisplacementField(shifted, u);
  const auto d = runJson("eval transform -r " + fx.fixed + " -e " + field + " -g " + shifted + " --json");
  CHECK(d["meanMm"].get<double>() == Approx(0.25).epsilon(1e-4));
  CHECK(d["maxMm"].get<double>() == Approx(0.25).epsilon(1e-4));
  CHECK(d["rotationDeg"].is_null());
}
