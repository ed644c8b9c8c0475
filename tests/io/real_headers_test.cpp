// Geometry of real files as ITK must see it, derived here from the header bytes by the formats' own
// rules (nifti1.h quaternion/sform; MetaImage TransformMatrix/Offset/ElementSpacing).
#include <catch2/catch.hpp>
#include <cstring>

#include "io/image_io.hpp"
#include "io_test_files.hpp"
#include "support/test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("LIA-stored OASIS NIfTI: direction and origin match the header's qform and sform", "[io]") {
  const std::string path = sharedData("headers/lia-oasis/image_A.nii.gz");
  FFDP_REQUIRE_DATA(path);
  const std::string raw = gunzipBytes(path);
  const NiftiHeader h = decodeNiftiHeader(raw.substr(0, 348));
  REQUIRE(h.dim[0] == 3);
  REQUIRE(h.qformCode > 0);
  REQUIRE(h.sformCode > 0);

  // The two header transforms agree for this file, so whichever ITK prefers, the answer is one.
  const Mat3 q = qformDirectionRas(h), s = sformDirectionRas(h);
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) REQUIRE(q.m[r][c] == Approx(s.m[r][c]).margin(1e-6));
    REQUIRE(h.qoffset[r] == Approx(h.srow[r][3]).margin(1e-4));
  }
  const Mat3 expectedDirection = rasToLps(q);
  const Vec3 expectedOrigin = rasToLps(h.qoffset);

  const LoadedImage img = readImage(path);
  const Grid& g = img.image.grid;
  CHECK(img.pixelType == PixelType::Float32);
  CHECK(g.size == std::array<int64_t, 3>{h.dim[1], h.dim[2], h.dim[3]});
  for (int d = 0; d < 3; ++d) {
    CHECK(g.spacing[d] == Approx(h.pixdim[d + 1]).epsilon(1e-6));
    CHECK(g.origin[d] == Approx(expectedOrigin[d]).margin(1e-4));
    for (int e = 0; e < 3; ++e) CHECK(g.direction.m[d][e] == Approx(expectedDirection.m[d][e]).margin(1e-6));
  }
  CHECK(orientationCode(g.direction) == "LIA");  // as the data README describes the storage

  // The first stored voxel (index 0,0,0) equals the first float after vox_offset.
  float first = 0;
  std::memcpy(&first, raw.data() + size_t(h.voxOffset), sizeof(float));
  CHECK(img.image.data[0] == first);
  const size_t lastOffset = size_t(h.voxOffset) + (img.image.data.size() - 1) * sizeof(float);
  float last = 0;
  std::memcpy(&last, raw.data() + lastOffset, sizeof(float));
  CHECK(img.image.data.back() == last);
}

TEST_CASE("oblique MetaImage ADC: direction, origin and spacing match its text header", "[io]") {
  const std::string path = sharedData("headers/10000_1000000_adc.mha");
  FFDP_REQUIRE_DATA(path);
  const std::string bytes = readBytes(path);
  const auto matrix = metaHeaderNumbers(bytes, "TransformMatrix");
  const auto offset = metaHeaderNumbers(bytes, "Offset");
  const auto spacing = metaHeaderNumbers(bytes, "ElementSpacing");
  const auto size = metaHeaderNumbers(bytes, "DimSize");
  REQUIRE(matrix.size() == 9);

  const LoadedImage img = readImage(path);
  const Grid& g = img.image.grid;
  for (int d = 0; d < 3; ++d) {
    CHECK(g.size[d] == int64_t(size[d]));
    CHECK(g.spacing[d] == Approx(spacing[d]).epsilon(1e-12));
    CHECK(g.origin[d] == Approx(offset[d]).epsilon(1e-12));
    // MetaImage lists the direction cosines of index axis 0, then axis 1, then axis 2:
    // consecutive triples are the columns of the direction matrix.
    for (int r = 0; r < 3; ++r) CHECK(g.direction.m[r][d] == Approx(matrix[3 * d + r]).margin(1e-12));
  }
  // The file is really oblique: a rotation about x by about 23 degrees.
  CHECK(std::abs(g.direction.m[1][2]) > 0.3);
  CHECK(g.direction.determinant() == Approx(1.0).margin(1e-9));
}

TEST_CASE("a real label image reads with its integer type", "[io]") {
  const std::string path = sharedData("headers/10000_1000000_prostate_seg.nii.gz");
  FFDP_REQUIRE_DATA(path);
  const NiftiHeader h = decodeNiftiHeader(gunzipHeader(path));
  const LoadedImage img = readImage(path);
  CHECK(img.image.grid.size == std::array<int64_t, 3>{h.dim[1], h.dim[2], h.dim[3]});
  REQUIRE(h.datatype == 2);  // NIFTI_TYPE_UINT8
  CHECK(img.pixelType == PixelType::UInt8);
  const Mask mask = readMask(path);
  int64_t inside = 0;
  for (auto v : mask.data) inside += v;
  CHECK(inside > 0);
  CHECK(inside < mask.voxels());
}
