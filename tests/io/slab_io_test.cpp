// Slab reads and single-rank slab writes. What a user checks: a slab read holds exactly the slices
// that readImage (ITK) gives for the whole file, at the same physical points, for every format and
// voxel type; a file written from slabs is the file writeImage writes, byte for byte.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"
#include "io/image_io.hpp"
#include "io/slab_read.hpp"
#include "io/slab_write.hpp"
#include "io_test_files.hpp"
#include "support/test_support.hpp"

using namespace ffdp;

namespace {

std::vector<float> slicesOf(const Image& whole, const SliceRange& r) {
  const int64_t plane = whole.grid.size[0] * whole.grid.size[1];
  return {whole.data.begin() + r.begin * plane, whole.data.begin() + r.end * plane};
}

// Voxels that differ between the slab and the whole image's slices (0 when identical).
int64_t differingVoxels(const Image& slab, const Image& whole, const SliceRange& r) {
  const std::vector<float> expected = slicesOf(whole, r);
  if (slab.data.size() != expected.size()) return -1;
  int64_t differ = 0;
  for (size_t n = 0; n < expected.size(); ++n) differ += !(slab.data[n] == expected[n]);
  return differ;
}

// The slab's grid places voxel (i, j, k - begin) where the whole grid places (i, j, k).
void checkSlabGeometry(const Grid& slab, const Grid& whole, const SliceRange& r) {
  CHECK(slab.size[0] == whole.size[0]);
  CHECK(slab.size[1] == whole.size[1]);
  CHECK(slab.size[2] == r.count());
  CHECK(slab.spacing == whole.spacing);
  for (int d = 0; d < 3; ++d)
    for (int e = 0; e < 3; ++e) CHECK(slab.direction.m[d][e] == whole.direction.m[d][e]);
  for (int64_t k = r.begin; k < r.end; k += std::max<int64_t>(1, r.count() - 1)) {
    for (const auto& ij : {std::array<int64_t, 2>{0, 0}, std::array<int64_t, 2>{whole.size[0] - 1, whole.size[1] - 1}}) {
      const Vec3 a = slab.indexToPhysical({double(ij[0]), double(ij[1]), double(k - r.begin)});
      const Vec3 b = whole.indexToPhysical({double(ij[0]), double(ij[1]), double(k)});
      for (int d = 0; d < 3; ++d) CHECK(a[d] == Approx(b[d]).margin(1e-9));
    }
  }
}

// Reads the ranges from `path` by slab and compares each with readImage's whole image.
void checkSlabReads(const std::string& path, const std::vector<SliceRange>& ranges) {
  const LoadedImage whole = readImage(path);
  for (const SliceRange& r : ranges) {
    INFO(path << " slices [" << r.begin << ", " << r.end << ")");
    const LoadedImage slab = readImageSlab(path, r);
    CHECK(slab.pixelType == whole.pixelType);
    checkSlabGeometry(slab.image.grid, whole.image.grid, r);
    CHECK(differingVoxels(slab.image, whole.image, r) == 0);
  }
}

// First, last, middle, one-slice, all and empty ranges, plus every single slice of a thin image.
std::vector<SliceRange> rangesFor(int64_t nz) {
  std::vector<SliceRange> r = {{0, 1}, {nz - 1, nz}, {0, nz}, {nz / 3, nz / 3 + std::max<int64_t>(1, nz / 4)}, {2, 2}};
  if (nz <= 24)
    for (int64_t k = 0; k < nz; ++k) r.push_back({k, k + 1});
  return r;
}

// A cropped real volume with oblique, anisotropic geometry and negative, fractional values.
Image obliqueCrop(const Image& real, const std::array<int64_t, 3>& size, float scale, float offset) {
  Grid g;
  g.size = size;
  g.spacing = {0.9, 1.15, 2.5};
  g.origin = {-31.25, 14.5, 7.125};
  g.direction = rotationFromVector({0.25, -0.3, 0.4});
  Image img(g);
  const std::array<int64_t, 3> start = {(real.grid.size[0] - size[0]) / 2, (real.grid.size[1] - size[1]) / 2,
                                        (real.grid.size[2] - size[2]) / 2};
  for (int64_t k = 0; k < size[2]; ++k)
    for (int64_t j = 0; j < size[1]; ++j)
      for (int64_t i = 0; i < size[0]; ++i)
        img.at(i, j, k) = real.at(start[0] + i, start[1] + j, start[2] + k) * scale + offset + 0.01f * float(i % 7);
  return img;
}

// A little-endian NIfTI-1 file turned big-endian: every numeric header field and every voxel swapped.
std::string toBigEndian(std::string b, int bytesPerVoxel) {
  auto swapAt = [&](size_t offset, size_t width) { std::reverse(b.begin() + long(offset), b.begin() + long(offset + width)); };
  // (offset, width, count) of the numeric fields of nifti1.h's header.
  const size_t fields[][3] = {{0, 4, 1},    {32, 4, 1},   {36, 2, 1},  {40, 2, 8},  {56, 4, 3},   {68, 2, 4},
                              {76, 4, 8},   {108, 4, 3},  {120, 2, 1}, {124, 4, 6}, {252, 2, 2},  {256, 4, 6},
                              {280, 4, 12}};
  for (const auto& f : fields)
    for (size_t n = 0; n < f[2]; ++n) swapAt(f[0] + n * f[1], f[1]);
  for (size_t at = 352; at + size_t(bytesPerVoxel) <= b.size(); at += size_t(bytesPerVoxel)) swapAt(at, size_t(bytesPerVoxel));
  return b;
}

template <class T>
void putField(std::string& b, size_t offset, T v) {
  std::memcpy(&b[offset], &v, sizeof(T));
}

}  // namespace

TEST_CASE("slab reads of a real int16 .nii.gz equal readImage's slices at the same physical points", "[io][slab]") {
  const std::string path = test::sharedData("brain-labels/1000_SS.nii.gz");
  FFDP_REQUIRE_DATA(path);
  const int64_t nz = readImageGrid(path).size[2];
  checkSlabReads(path, {{0, 1}, {nz - 1, nz}, {40, 57}, {0, nz}, {9, 9}});
}

TEST_CASE("slab reads of a real oblique MetaImage go through ITK's region reading", "[io][slab]") {
  const std::string path = test::sharedData("headers/10000_1000000_adc.mha");
  FFDP_REQUIRE_DATA(path);
  checkSlabReads(path, rangesFor(readImageGrid(path).size[2]));
}

TEST_CASE("slab reads of oblique int16, uint8, float and double files in every format equal readImage's slices",
          "[io][slab]") {
  const std::string real = test::sharedData("multimodal/stroke/T1.nii.gz");
  FFDP_REQUIRE_DATA(real);
  test::ScratchDir dir("slab-read");
  const Image source = readImage(real).image;
  const Image img = obliqueCrop(source, {61, 70, 23}, 37.25f, -1000.0f);
  struct Case {
    std::string name;
    PixelType type;
  };
  for (const Case& c : {Case{"i16.nii", PixelType::Int16}, Case{"i16.nii.gz", PixelType::Int16},
                        Case{"f32.nii", PixelType::Float32}, Case{"f32.nii.gz", PixelType::Float32},
                        Case{"f64.nii.gz", PixelType::Float64}, Case{"u8.nii", PixelType::UInt8},
                        Case{"f32.nrrd", PixelType::Float32}, Case{"i16.mha", PixelType::Int16}}) {
    const std::string path = dir / c.name;
    writeImage(path, img, c.type);
    checkSlabReads(path, rangesFor(img.grid.size[2]));
    CHECK(readImageSlab(path, {0, 1}).pixelType == c.type);
  }
  // The whole file through the slab reader has readImage's grid exactly.
  const std::string path = dir / "f32.nii";
  CHECK(readImageSlab(path, {0, img.grid.size[2]}).image.grid.sameAs(readImage(path).image.grid, 0.0));
}

TEST_CASE("slab reads apply scl_slope/scl_inter and big-endian byte order as ITK does", "[io][slab]") {
  test::ScratchDir dir("slab-read-nifti");
  test::NiftiHeader h;
  h.dim = {3, 5, 4, 6, 1, 1, 1, 1};
  h.datatype = 4;  // int16
  h.pixdim = {1, 1.5f, 0.75f, 2.0f, 1, 1, 1, 1};
  h.qformCode = 1;
  h.quaternB = 0.1f, h.quaternC = -0.2f, h.quaternD = 0.3f;
  h.qoffset = {3.5, -2.0, 11.0};
  std::string data;
  std::vector<int16_t> raw;
  for (int n = 0; n < 5 * 4 * 6; ++n) raw.push_back(int16_t(n * 257 - 15000));
  data.assign(reinterpret_cast<const char*>(raw.data()), raw.size() * 2);
  std::string file = test::encodeNifti(h, 16, data);
  putField<float>(file, 112, 0.5f);    // scl_slope
  putField<float>(file, 116, -20.0f);  // scl_inter

  const std::string little = dir / "scaled.nii", big = dir / "scaled_be.nii";
  test::writeBytes(little, file);
  test::writeBytes(big, toBigEndian(file, 2));
  for (const std::string& path : {little, big}) {
    INFO(path);
    checkSlabReads(path, rangesFor(6));
    const LoadedImage slab = readImageSlab(path, {2, 4});
    CHECK(slab.pixelType == PixelType::Float32);  // rescaled integers arrive as float, as through ITK
    for (int n = 0; n < 5 * 4 * 2; ++n) CHECK(slab.image.data[size_t(n)] == Approx(raw[size_t(40 + n)] * 0.5 - 20.0));
  }
}

TEST_CASE("slab reads of a .nii.gz made of several gzip members equal readImage's slices", "[io][slab]") {
  test::ScratchDir dir("slab-read-members");
  Grid g;
  g.size = {9, 8, 11};
  g.direction = rotationFromVector({-0.2, 0.1, 0.35});
  Image img(g);
  for (int64_t n = 0; n < img.voxels(); ++n) img.data[size_t(n)] = std::sin(0.1f * float(n)) * 100.0f;
  const std::string plain = dir / "whole.nii";
  writeImage(plain, img);
  // Three members split at arbitrary byte positions (one inside the header), as concatenated gzip files.
  const std::string bytes = test::readBytes(plain);
  const size_t cuts[] = {0, 200, 2000, bytes.size()};
  for (int p = 0; p < 3; ++p) test::writeBytes(dir / ("part" + std::to_string(p)), bytes.substr(cuts[p], cuts[p + 1] - cuts[p]));
  const std::string members = dir / "members.nii.gz";
  REQUIRE(test::runShell("cd " + dir.path().string() + " && for p in part0 part1 part2; do gzip -c $p; done > members.nii.gz")
              .exitCode == 0);
  checkSlabReads(members, rangesFor(11));
  CHECK(differingVoxels(readImageSlab(members, {0, 11}).image, img, {0, 11}) == 0);
}

TEST_CASE("slab reads refuse ranges outside the image and truncated files, naming the file", "[io][slab]") {
  test::ScratchDir dir("slab-read-errors");
  Grid g;
  g.size = {16, 16, 12};
  Image img(g);
  for (int64_t n = 0; n < img.voxels(); ++n) img.data[size_t(n)] = float((n * 7919) % 1000);
  const std::string nii = dir / "a.nii", gz = dir / "a.nii.gz";
  writeImage(nii, img);
  writeImage(gz, img);
  for (const std::string& path : {nii, gz}) {
    for (const SliceRange& bad : {SliceRange{-1, 2}, SliceRange{10, 13}, SliceRange{5, 4}}) {
      try {
        readImageSlab(path, bad);
        FAIL("no error for slices [" << bad.begin << ", " << bad.end << ")");
      } catch (const Error& e) {
        CHECK(e.code() == ExitCode::Input);
        CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains("outside the image's 12 slices"));
      }
    }
  }
  // Cut both files: a plain file's size is checked against its header, so every slab fails; a gzip
  // stream fails for the slabs the cut reaches.
  const std::string cutNii = dir / "cut.nii", cutGz = dir / "cut.nii.gz";
  test::writeBytes(cutNii, test::readBytes(nii).substr(0, 352 + 16 * 16 * 4 * 8));
  const std::string gzBytes = test::readBytes(gz);
  test::writeBytes(cutGz, gzBytes.substr(0, gzBytes.size() / 2));
  for (const auto& [path, range] : {std::pair<std::string, SliceRange>{cutNii, {0, 1}}, {cutNii, {11, 12}}, {cutGz, {11, 12}}}) {
    INFO(path << " slices " << range.begin);
    try {
      readImageSlab(path, range);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::Input);
      CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains("truncated"));
    }
  }
}

TEST_CASE("a single-rank slab write is byte for byte the file writeImage writes", "[io][slab]") {
  const std::string real = test::sharedData("multimodal/stroke/T1.nii.gz");
  FFDP_REQUIRE_DATA(real);
  test::ScratchDir dir("slab-write");
  const Image img = obliqueCrop(readImage(real).image, {53, 47, 19}, 41.5f, -2500.3f);
  SelfComm comm;
  for (const PixelType type : {PixelType::Float32, PixelType::Int16, PixelType::UInt8, PixelType::Float64}) {
    for (const std::string ext : {".nii", ".nii.gz"}) {
      const std::string name = std::string(pixelTypeName(type)) + ext;
      INFO(name);
      const std::string bySlabs = dir / ("slabs_" + name), byItk = dir / ("itk_" + name);
      writeImageSlabs(comm, bySlabs, img.grid, img, {0, img.grid.size[2]}, type);
      writeImage(byItk, img, type);
      if (ext == ".nii")
        CHECK(test::readBytes(bySlabs) == test::readBytes(byItk));
      else
        CHECK(test::gunzipBytes(bySlabs) == test::gunzipBytes(byItk));
      const LoadedImage back = readImage(bySlabs), expected = readImage(byItk);
      CHECK(back.pixelType == type);
      CHECK(back.image.grid.sameAs(expected.image.grid, 0.0));
      CHECK(back.image.data == expected.image.data);
    }
  }
  // Nothing but the outputs is left in the folder (no temporaries, no header probes).
  int64_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) files += entry.is_regular_file();
  CHECK(files == 16);
}

TEST_CASE("a slab write refuses other formats, missing folders and slabs that do not cover the image", "[io][slab]") {
  test::ScratchDir dir("slab-write-errors");
  Grid g;
  g.size = {6, 5, 4};
  const Image img(g, 1.5f);
  SelfComm comm;
  auto expectError = [&](const std::string& path, const SliceRange& own, ExitCode code, const std::string& text) {
    INFO(path);
    try {
      writeImageSlabs(comm, path, g, img.grid.size[2] == own.count() ? img : Image(SlabLayout(g, 1).slabGrid(own), 1.5f), own);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == code);
      CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains(text));
    }
  };
  expectError(dir / "a.mha", {0, 4}, ExitCode::Resource, "only .nii and .nii.gz");
  expectError(dir / "missing/a.nii.gz", {0, 4}, ExitCode::Resource, "does not exist");
  expectError(dir / "short.nii", {0, 3}, ExitCode::Internal, "slices end at 3 of 4");
  expectError(dir / "late.nii.gz", {1, 4}, ExitCode::Internal, "starts at slice 1");
  CHECK(std::filesystem::is_empty(dir.path()));
}
