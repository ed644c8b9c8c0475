// Affine transforms in ITK/ANTs files: round trips, the variable names ANTs looks for, and
// transforms written by hand in ITK's text format (rigid, float, translation, composite).
#include "io/transform_io.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/error.hpp"
#include "io_test_files.hpp"
#include "support/test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

Affine randomAffine(std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  Affine a;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) a.M.m[r][c] = (r == c ? 1.0 : 0.0) + 0.3 * u(rng);
    a.t[r] = 20 * u(rng);
    a.c[r] = 100 * u(rng);
  }
  return a;
}

void requireSameAffine(const Affine& a, const Affine& b, double tol) {
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) REQUIRE(a.M.m[r][c] == Approx(b.M.m[r][c]).margin(tol));
    REQUIRE(a.t[r] == Approx(b.t[r]).margin(tol));
    REQUIRE(a.c[r] == Approx(b.c[r]).margin(tol));
  }
}

void requireSameMap(const Affine& a, const Affine& b, double tol) {
  for (const Vec3 x : {Vec3{0, 0, 0}, Vec3{10, -20, 30}, Vec3{-55, 7, 91}}) {
    const Vec3 ya = a.apply(x), yb = b.apply(x);
    for (int r = 0; r < 3; ++r) REQUIRE(ya[r] == Approx(yb[r]).margin(tol));
  }
}

std::string transformText(const std::string& body) { return "#Insight Transform File V1.0\n" + body; }

}  // namespace

TEST_CASE("affine .mat round trip is exact and ANTs can find its variables", "[io][transform]") {
  ScratchDir dir("io-mat");
  std::mt19937 rng(7);
  for (int trial = 0; trial < 5; ++trial) {
    const Affine a = randomAffine(rng);
    const std::string path = dir / "P0GenericAffine.mat";
    writeAffine(path, a);
    requireSameAffine(readAffine(path), a, 0.0);  // binary doubles: bit-exact
  }
  const std::string bytes = readBytes(dir / "P0GenericAffine.mat");
  CHECK(bytes.find("AffineTransform_double_3_3") != std::string::npos);
  CHECK(bytes.find("fixed") != std::string::npos);
}

TEST_CASE("the .mat holds M row-major, then t, then the centre, as MATLAB v4 doubles", "[io][transform]") {
  ScratchDir dir("io-mat-layout");
  Affine a;
  double v = 1.5;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) a.M.m[r][c] = (v += 1.0);
  a.t = {101.25, 102.25, 103.25};
  a.c = {-7.5, 8.5, -9.5};
  writeAffine(dir / "a.mat", a);
  const std::string bytes = readBytes(dir / "a.mat");
  // The parameter variable: 12 little-endian doubles right after its name; the fixed: 3 after "fixed".
  const auto doublesAfter = [&](const std::string& name, int count) {
    const size_t at = bytes.find(name + std::string(1, '\0'));
    REQUIRE(at != std::string::npos);
    std::vector<double> out(size_t(count), 0.0);
    REQUIRE(at + name.size() + 1 + 8 * size_t(count) <= bytes.size());
    std::memcpy(out.data(), bytes.data() + at + name.size() + 1, 8 * size_t(count));
    return out;
  };
  const auto p = doublesAfter("AffineTransform_double_3_3", 12);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) CHECK(p[size_t(3 * r + c)] == a.M.m[r][c]);
  for (int r = 0; r < 3; ++r) CHECK(p[size_t(9 + r)] == a.t[r]);
  const auto f = doublesAfter("fixed", 3);
  for (int r = 0; r < 3; ++r) CHECK(f[size_t(r)] == a.c[r]);
}

TEST_CASE("affine .txt round trip", "[io][transform]") {
  ScratchDir dir("io-txt");
  std::mt19937 rng(11);
  const Affine a = randomAffine(rng);
  writeAffine(dir / "a.txt", a);
  requireSameAffine(readAffine(dir / "a.txt"), a, 1e-12);
  CHECK(readBytes(dir / "a.txt").find("AffineTransform_double_3_3") != std::string::npos);
}

TEST_CASE("a hand-written Euler3DTransform .txt reads as the rotation ITK defines", "[io][transform]") {
  ScratchDir dir("io-euler");
  const double ax = 0.1, ay = -0.2, az = 0.3;
  writeBytes(dir / "rigid.txt", transformText("#Transform 0\nTransform: Euler3DTransform_double_3_3\n"
                                              "Parameters: 0.1 -0.2 0.3 4 -5 6\n"
                                              "FixedParameters: 10 20 30\n"));
  const Affine a = readAffine(dir / "rigid.txt");
  // ITK's Euler3DTransform (ComputeZYX off): R = Rz * Rx * Ry.
  Mat3 Rx = Mat3::identity(), Ry = Mat3::identity(), Rz = Mat3::identity();
  Rx.m[1][1] = std::cos(ax), Rx.m[1][2] = -std::sin(ax), Rx.m[2][1] = std::sin(ax), Rx.m[2][2] = std::cos(ax);
  Ry.m[0][0] = std::cos(ay), Ry.m[0][2] = std::sin(ay), Ry.m[2][0] = -std::sin(ay), Ry.m[2][2] = std::cos(ay);
  Rz.m[0][0] = std::cos(az), Rz.m[0][1] = -std::sin(az), Rz.m[1][0] = std::sin(az), Rz.m[1][1] = std::cos(az);
  Affine expected;
  expected.M = Rz * Rx * Ry;
  expected.t = {4, -5, 6};
  expected.c = {10, 20, 30};
  requireSameAffine(a, expected, 1e-12);
}

TEST_CASE("float transforms, translations and one-element composites are accepted", "[io][transform]") {
  ScratchDir dir("io-kinds");
  Affine expected;
  expected.M = Mat3::identity();
  expected.M.m[0][1] = 0.5;
  expected.M.m[2][2] = 2.0;
  expected.t = {1, 2, 3};
  expected.c = {4, 5, 6};
  writeBytes(dir / "f.txt", transformText("#Transform 0\nTransform: AffineTransform_float_3_3\n"
                                          "Parameters: 1 0.5 0 0 1 0 0 0 2 1 2 3\nFixedParameters: 4 5 6\n"));
  requireSameAffine(readAffine(dir / "f.txt"), expected, 1e-6);

  writeBytes(dir / "shift.txt", transformText("#Transform 0\nTransform: TranslationTransform_double_3_3\n"
                                              "Parameters: 1.5 -2.5 3.5\nFixedParameters:\n"));
  Affine shift;
  shift.t = {1.5, -2.5, 3.5};
  requireSameMap(readAffine(dir / "shift.txt"), shift, 1e-12);

  writeBytes(dir / "comp.txt", transformText("#Transform 0\nTransform: CompositeTransform_double_3_3\n"
                                             "#Transform 1\nTransform: AffineTransform_double_3_3\n"
                                             "Parameters: 1 0.5 0 0 1 0 0 0 2 1 2 3\nFixedParameters: 4 5 6\n"));
  requireSameAffine(readAffine(dir / "comp.txt"), expected, 1e-12);

  // Older ANTs releases name their affine this way.
  writeBytes(dir / "mob.txt", transformText("#Transform 0\nTransform: MatrixOffsetTransformBase_double_3_3\n"
                                            "Parameters: 1 0.5 0 0 1 0 0 0 2 1 2 3\nFixedParameters: 4 5 6\n"));
  requireSameAffine(readAffine(dir / "mob.txt"), expected, 1e-12);

  writeBytes(dir / "sim.txt", transformText("#Transform 0\nTransform: Similarity3DTransform_double_3_3\n"
                                            "Parameters: 0 0 0 1 2 3 2\nFixedParameters: 0 0 0\n"));
  const Affine sim = readAffine(dir / "sim.txt");
  CHECK(sim.M.m[0][0] == Approx(2.0));
  CHECK(sim.M.m[1][1] == Approx(2.0));
  CHECK(sim.t[2] == Approx(3.0));
}

TEST_CASE("transform files that are not one affine are rejected naming the file", "[io][transform]") {
  ScratchDir dir("io-bad-transform");
  const auto requireInputError = [](const std::string& path, const std::string& fragment) {
    try {
      readAffine(path);
      FAIL("no error for " << path);
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::Input);
      CHECK(std::string(e.what()).rfind(path, 0) == 0);
      CHECK_THAT(e.what(), Catch::Contains(fragment));
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
      CHECK(std::string(e.what()).size() < 600);
    }
  };
  requireInputError(dir / "missing.mat", "no such file");
  requireInputError(dir.path().string(), "directory");

  writeBytes(dir / "junk.mat", "this is not a MATLAB file at all, just some text\n");
  requireInputError(dir / "junk.mat", "");
  writeBytes(dir / "image.nii.gz", "not relevant");
  requireInputError(dir / "image.nii.gz", "not an affine transform file");
  writeBytes(dir / "notes.doc", "not relevant");
  requireInputError(dir / "notes.doc", "not a transform file");

  writeBytes(dir / "two.txt", transformText("#Transform 0\nTransform: AffineTransform_double_3_3\n"
                                            "Parameters: 1 0 0 0 1 0 0 0 1 0 0 0\nFixedParameters: 0 0 0\n"
                                            "#Transform 1\nTransform: AffineTransform_double_3_3\n"
                                            "Parameters: 1 0 0 0 1 0 0 0 1 0 0 0\nFixedParameters: 0 0 0\n"));
  requireInputError(dir / "two.txt", "2 transforms");

  writeBytes(dir / "comp2.txt", transformText("#Transform 0\nTransform: CompositeTransform_double_3_3\n"
                                              "#Transform 1\nTransform: AffineTransform_double_3_3\n"
                                              "Parameters: 1 0 0 0 1 0 0 0 1 0 0 0\nFixedParameters: 0 0 0\n"
                                              "#Transform 2\nTransform: TranslationTransform_double_3_3\n"
                                              "Parameters: 1 2 3\nFixedParameters:\n"));
  requireInputError(dir / "comp2.txt", "2 transforms");

  writeBytes(dir / "field.txt", transformText("#Transform 0\nTransform: DisplacementFieldTransform_double_3_3\n"
                                              "Parameters: \nFixedParameters: 2 2 2 0 0 0 1 1 1 1 0 0 0 1 0 0 0 1\n"));
  requireInputError(dir / "field.txt", "DisplacementFieldTransform");
  writeBytes(dir / "unknown.txt", transformText("#Transform 0\nTransform: NoSuchTransform_double_3_3\n"
                                                "Parameters: 1\nFixedParameters:\n"));
  requireInputError(dir / "unknown.txt", "NoSuchTransform_double_3_3");

  writeBytes(dir / "empty.txt", "");
  requireInputError(dir / "empty.txt", "");
}

TEST_CASE("writing a transform into a missing folder fails naming the file, leaving nothing", "[io][transform]") {
  ScratchDir dir("io-write-transform");
  const std::string path = dir / "no/such/dir/a.mat";
  try {
    writeAffine(path, Affine::identity());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::Resource);
    CHECK(std::string(e.what()).rfind(path + ": cannot write", 0) == 0);
  }
  try {
    writeAffine(dir / "a.nii.gz", Affine::identity());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::Resource);
  }
  CHECK(std::filesystem::is_empty(dir.path()));
}
