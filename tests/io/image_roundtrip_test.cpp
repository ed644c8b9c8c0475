// Writing then reading an image keeps its voxels and its whole geometry, in every format we write.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "io/image_io.hpp"
#include "support/test_support.hpp"

using namespace ffdp;

namespace {

// A small oblique, anisotropic, non-cubic image whose voxels are all different.
Image obliqueImage() {
  Grid g;
  g.size = {7, 5, 4};
  g.spacing = {0.9, 1.3, 2.5};
  g.origin = {-12.25, 30.5, 7.125};
  g.direction = rotationFromVector({0.3, -0.2, 0.5});
  Image img(g);
  for (int64_t i = 0; i < img.voxels(); ++i) img.data[size_t(i)] = 0.37f * float(i) - 11.0f;
  return img;
}

void requireSameGeometry(const Grid& a, const Grid& b) {
  REQUIRE(a.size == b.size);
  for (int d = 0; d < 3; ++d) {
    CHECK(a.spacing[d] == Approx(b.spacing[d]).epsilon(1e-6));
    CHECK(a.origin[d] == Approx(b.origin[d]).margin(1e-5));
    for (int e = 0; e < 3; ++e) CHECK(a.direction.m[d][e] == Approx(b.direction.m[d][e]).margin(1e-6));
  }
}

}  // namespace

TEST_CASE("float images round-trip with values and oblique geometry in every format", "[io]") {
  ffdp::test::ScratchDir dir("io-roundtrip");
  const Image img = obliqueImage();
  for (const std::string name : {"a.nii.gz", "a.nii", "a.nrrd", "a.mha"}) {
    INFO(name);
    const std::string path = dir / name;
    writeImage(path, img);
    const LoadedImage back = readImage(path);
    CHECK(back.pixelType == PixelType::Float32);
    requireSameGeometry(back.image.grid, img.grid);
    REQUIRE(back.image.data.size() == img.data.size());
    CHECK(back.image.data == img.data);
    // Nothing but the target is left in the folder (the temporary was renamed away).
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);
    std::filesystem::remove(path);
  }
}

TEST_CASE("integer pixel types round and clamp, and the file reports its type", "[io]") {
  ffdp::test::ScratchDir dir("io-int");
  Image img = obliqueImage();
  img.data[0] = 2.6f;   // rounds to 3
  img.data[1] = -2.6f;  // rounds to -3 (0 for unsigned)
  img.data[2] = 1e6f;   // clamps to the type's maximum
  img.data[3] = -1e6f;  // clamps to the type's minimum
  img.data[4] = NAN;    // becomes 0
  struct Case {
    PixelType type;
    double lo, hi;
  };
  for (const Case c : {Case{PixelType::UInt8, 0, 255}, Case{PixelType::Int8, -128, 127},
                       Case{PixelType::UInt16, 0, 65535}, Case{PixelType::Int16, -32768, 32767},
                       Case{PixelType::Int32, -2147483648.0, 2147483647.0}, Case{PixelType::UInt32, 0, 4294967295.0}}) {
    for (const std::string ext : {".nii.gz", ".nrrd", ".mha"}) {
      INFO(pixelTypeName(c.type) << ext);
      const std::string path = dir / (std::string("i_") + pixelTypeName(c.type) + ext);
      writeImage(path, img, c.type);
      const LoadedImage back = readImage(path);
      CHECK(back.pixelType == c.type);
      requireSameGeometry(back.image.grid, img.grid);
      const auto& v = back.image.data;
      CHECK(v[0] == 3.0f);
      CHECK(v[1] == float(c.lo < 0 ? -3.0 : 0.0));
      CHECK(v[2] == float(std::min(c.hi, 1e6)));
      CHECK(v[3] == float(std::max(c.lo, -1e6)));
      CHECK(v[4] == 0.0f);
      for (size_t i = 5; i < v.size(); ++i) {
        const double expected = std::clamp(std::round(double(img.data[i])), c.lo, c.hi);
        REQUIRE(v[i] == float(expected));
      }
    }
  }
}

TEST_CASE("float64 output keeps float32 values exactly", "[io]") {
  ffdp::test::ScratchDir dir("io-f64");
  const Image img = obliqueImage();
  writeImage(dir / "d.nii.gz", img, PixelType::Float64);
  const LoadedImage back = readImage(dir / "d.nii.gz");
  CHECK(back.pixelType == PixelType::Float64);
  CHECK(back.image.data == img.data);
}

TEST_CASE("writing over an existing file replaces it", "[io]") {
  ffdp::test::ScratchDir dir("io-replace");
  Image img = obliqueImage();
  writeImage(dir / "r.mha", img);
  img.data[0] = 1234.5f;
  writeImage(dir / "r.mha", img);
  CHECK(readImage(dir / "r.mha").image.data[0] == 1234.5f);
}

TEST_CASE("a 4-D file whose 4th dimension is 1 reads as 3-D", "[io]") {
  ffdp::test::ScratchDir dir("io-4d1");
  const std::string path = dir / "t.mha";
  std::string data;
  for (int i = 0; i < 2 * 3 * 4; ++i) data += char(i);
  std::ofstream(path, std::ios::binary) << "ObjectType = Image\nNDims = 4\nDimSize = 2 3 4 1\n"
                                           "ElementType = MET_UCHAR\nElementSpacing = 1 2 3 1\n"
                                           "ElementDataFile = LOCAL\n"
                                        << data;
  const LoadedImage img = readImage(path);
  CHECK(img.image.grid.size == std::array<int64_t, 3>{2, 3, 4});
  CHECK(img.image.grid.spacing[2] == 3.0);
  CHECK(img.image.at(1, 2, 3) == float(1 + 2 * (2 + 3 * 3)));
}
