// Displacement-field files: what antsApplyTransforms and ITK expect of P1Warp.nii.gz (checked against
// the NIfTI-1 header bytes decoded by hand), round trips with full geometry, and one-line errors for
// files that are not usable fields.
#include "io/field_io.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>

#include "core/error.hpp"
#include "io/image_io.hpp"
#include "io_test_files.hpp"
#include "support/test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

// An oblique grid: rotated about an axis that is no coordinate axis, anisotropic spacing.
Grid obliqueGrid() {
  Grid g;
  g.size = {7, 5, 4};
  g.spacing = {1.5, 0.9, 2.5};
  g.origin = {-30.25, 12.5, 7.75};
  const double a = 0.3, c = std::cos(a), s = std::sin(a);
  // Rotation about z, then about x: a proper rotation (det +1).
  const Mat3 rz{{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}};
  const Mat3 rx{{{1, 0, 0}, {0, c, -s}, {0, s, c}}};
  g.direction = rx * rz;
  return g;
}

Field randomField(const Grid& g, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(-5.f, 5.f);
  Field u(g);
  for (auto& v : u.data) v = {value(rng), value(rng), value(rng)};
  return u;
}

void requireSameGeometry(const Grid& a, const Grid& b) {
  for (int d = 0; d < 3; ++d) {
    CHECK(a.size[d] == b.size[d]);
    CHECK(a.spacing[d] == Approx(b.spacing[d]).margin(1e-5));
    CHECK(a.origin[d] == Approx(b.origin[d]).margin(1e-4));
    for (int e = 0; e < 3; ++e) CHECK(a.direction.m[d][e] == Approx(b.direction.m[d][e]).margin(1e-5));
  }
}

void requireFieldInputError(const std::string& path, const std::string& fragment) {
  try {
    readDisplacementField(path);
    FAIL("no error for " << path);
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(e.code() == ExitCode::Input);
    CHECK(std::string(e.what()).rfind(path + ": ", 0) == 0);
    CHECK_THAT(e.what(), Catch::Contains(fragment, Catch::CaseSensitive::No));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
}

// A hand-made NIfTI of float32 with the given dim[] and intent, identity qform, 1 mm voxels.
std::string niftiBytes(std::array<int16_t, 8> dim, int16_t intent) {
  NiftiHeader h;
  h.dim = dim;
  h.intentCode = intent;
  h.datatype = 16;  // float32
  h.pixdim = {1, 1, 1, 1, 1, 1, 1, 1};
  h.qformCode = 1;
  int64_t values = 1;
  for (int i = 1; i <= dim[0]; ++i) values *= dim[i];
  return encodeNifti(h, 32, std::string(size_t(values) * 4, '\0'));
}

template <class T>
T valueAt(const std::string& bytes, size_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return v;
}

}  // namespace

TEST_CASE("a written field has ANTs' NIfTI layout: dim[0]=5, dim[5]=3, intent 1007, LPS values", "[io][field]") {
  ScratchDir dir("field_header");
  const std::string path = dir / "P1Warp.nii.gz";
  Grid g;
  g.size = {3, 2, 2};
  Field u(g);
  for (int64_t v = 0; v < g.voxels(); ++v) u.data[size_t(v)] = {float(v), 100.f + float(v), -200.f - float(v)};
  writeDisplacementField(path, u);

  const std::string bytes = gunzipBytes(path);
  const NiftiHeader h = decodeNiftiHeader(bytes);
  CHECK(h.dim[0] == 5);
  CHECK(h.dim[1] == 3);
  CHECK(h.dim[2] == 2);
  CHECK(h.dim[3] == 2);
  CHECK(h.dim[4] == 1);
  CHECK(h.dim[5] == 3);
  CHECK(h.intentCode == 1007);  // NIFTI_INTENT_VECTOR, what ITK and ANTs write for warps
  CHECK(h.datatype == 16);      // float32
  // NIfTI's 5th axis is the slowest: all x components, then all y, then all z. The values are the
  // LPS millimetres we gave, not turned into RAS (ITK's and ANTs' convention for displacement fields).
  const size_t data = size_t(h.voxOffset), n = size_t(g.voxels());
  REQUIRE(bytes.size() >= data + 3 * n * 4);
  for (size_t v = 0; v < n; ++v) {
    CHECK(valueAt<float>(bytes, data + 4 * v) == float(v));
    CHECK(valueAt<float>(bytes, data + 4 * (n + v)) == 100.f + float(v));
    CHECK(valueAt<float>(bytes, data + 4 * (2 * n + v)) == -200.f - float(v));
  }
}

TEST_CASE("field round trip keeps values and oblique geometry (.nii.gz, .nii, .nrrd, .mha)", "[io][field]") {
  ScratchDir dir("field_roundtrip");
  const Field u = randomField(obliqueGrid(), 7);
  for (const char* name : {"u.nii.gz", "u.nii", "u.nrrd", "u.mha"}) {
    INFO(name);
    const std::string path = dir / name;
    writeDisplacementField(path, u);
    const Field back = readDisplacementField(path);
    requireSameGeometry(u.grid, back.grid);
    REQUIRE(back.data.size() == u.data.size());
    bool same = true;
    for (size_t v = 0; v < u.data.size(); ++v) same = same && back.data[v] == u.data[v];
    CHECK(same);
  }
  // Nothing but the outputs: the temporary siblings were renamed away.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    INFO(entry.path());
    CHECK(entry.path().filename().string()[0] != '.');
    ++files;
  }
  CHECK(files == 4);
}

TEST_CASE("a field written by hand as ANTs does (NIfTI, intent 1007) reads with its values", "[io][field]") {
  ScratchDir dir("field_by_hand");
  const std::string path = dir / "warp.nii";
  NiftiHeader h;
  h.dim = {5, 2, 1, 2, 1, 3, 1, 1};
  h.intentCode = 1007;
  h.datatype = 16;
  h.pixdim = {1, 2, 3, 4, 1, 1, 1, 1};
  h.qformCode = 1;
  h.qoffset = {10, 20, 30};  // RAS: LPS origin (-10, -20, 30)
  std::string data;
  for (float f = 1; f <= 12; ++f) data.append(reinterpret_cast<const char*>(&f), 4);
  writeBytes(path, encodeNifti(h, 32, data));
  const Field u = readDisplacementField(path);
  CHECK(u.grid.size == std::array<int64_t, 3>{2, 1, 2});
  CHECK(u.grid.spacing[0] == Approx(2));
  CHECK(u.grid.origin[0] == Approx(-10));
  CHECK(u.grid.origin[1] == Approx(-20));
  CHECK(u.grid.origin[2] == Approx(30));
  // Component planes of 4 voxels each: voxel 0 is (1, 5, 9), voxel 3 (i=1, k=1) is (4, 8, 12).
  CHECK(u.data[0] == Vec3f{1, 5, 9});
  CHECK(u.data[3] == Vec3f{4, 8, 12});
}

TEST_CASE("unusable field files fail with one line naming the file", "[io][field]") {
  ScratchDir dir("field_bad");
  requireFieldInputError(dir / "missing.nii.gz", "no such file");

  const std::string scalar = dir / "scalar.nii.gz";
  Grid g;
  g.size = {4, 3, 2};
  writeImage(scalar, Image(g, 1.f));
  requireFieldInputError(scalar, "3 (x, y, z in mm) are needed");

  const std::string two = dir / "two.nii";
  writeBytes(two, niftiBytes({5, 4, 3, 2, 1, 2, 1, 1}, 1007));
  requireFieldInputError(two, "2 component");

  const std::string series = dir / "series.nii";
  writeBytes(series, niftiBytes({5, 4, 3, 2, 2, 3, 1, 1}, 1007));
  requireFieldInputError(series, "3-D field is needed");

  const std::string noIntent = dir / "nointent.nii";
  writeBytes(noIntent, niftiBytes({5, 4, 3, 2, 1, 3, 1, 1}, 0));
  requireFieldInputError(noIntent, "field");

  const std::string truncated = dir / "truncated.nii";
  std::string bytes = niftiBytes({5, 4, 3, 2, 1, 3, 1, 1}, 1007);
  bytes.resize(bytes.size() - 40);
  writeBytes(truncated, bytes);
  requireFieldInputError(truncated, "truncated");

  const std::string text = dir / "text.nii.gz";
  writeBytes(text, "not an image");
  requireFieldInputError(text, "");

  const std::string nan = dir / "nan.mha";  // ITK 5.2 reads NaN in a NIfTI vector file as 0
  Field u(g);
  u.data[5][1] = std::nanf("");
  writeDisplacementField(nan, u);
  requireFieldInputError(nan, "non-finite");
}

TEST_CASE("a field that cannot be written leaves no file and names the target", "[io][field]") {
  ScratchDir dir("field_write_fail");
  Grid g;
  g.size = {2, 2, 2};
  const Field u(g);
  for (const std::string path : {dir / "no_such_dir/w.nii.gz", dir / "w.png"}) {
    INFO(path);
    try {
      writeDisplacementField(path, u);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::Resource);
      CHECK(std::string(e.what()).rfind(path + ": cannot write", 0) == 0);
    }
  }
  CHECK(std::filesystem::is_empty(dir.path()));
}
