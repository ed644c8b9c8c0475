// Synthetic NIfTI headers written byte by byte: the geometry read must be the one nifti1.h defines
// (qform, RAS) converted to ITK's LPS, including the cases ITK's reader treats specially.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "io/image_io.hpp"
#include "io_test_files.hpp"
#include "support/test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

// An oblique qform: rotation by 0.5 rad about an axis in the x-y plane, anisotropic voxels.
NiftiHeader obliqueHeader() {
  NiftiHeader h;
  h.datatype = 16;  // float32
  h.dim = {3, 3, 4, 5, 1, 1, 1, 1};
  h.pixdim = {1, 0.8f, 1.1f, 2.5f, 1, 1, 1, 1};
  h.qformCode = 1;
  const double half = 0.25, axisX = 0.6, axisY = 0.8;
  h.quaternB = float(std::sin(half) * axisX);
  h.quaternC = float(std::sin(half) * axisY);
  h.quaternD = 0;
  h.qoffset = {-20.5, 31.25, 12.0};
  return h;
}

std::string rampData(int count) {
  std::string data(size_t(count) * 4, '\0');
  for (int i = 0; i < count; ++i) {
    const float v = float(i) * 0.5f;
    std::memcpy(&data[size_t(i) * 4], &v, 4);
  }
  return data;
}

void requireGeometry(const Grid& g, const Mat3& directionLps, const Vec3& originLps, const Vec3& spacing) {
  for (int r = 0; r < 3; ++r) {
    CHECK(g.spacing[r] == Approx(spacing[r]).epsilon(1e-6));
    CHECK(g.origin[r] == Approx(originLps[r]).margin(1e-5));
    for (int c = 0; c < 3; ++c) CHECK(g.direction.m[r][c] == Approx(directionLps.m[r][c]).margin(1e-6));
  }
}

}  // namespace

TEST_CASE("an oblique qform NIfTI reads as the RAS qform turned into LPS", "[io][nifti]") {
  ScratchDir dir("io-qform");
  const NiftiHeader h = obliqueHeader();
  writeBytes(dir / "q.nii", encodeNifti(h, 32, rampData(60)));
  const LoadedImage img = readImage(dir / "q.nii");
  CHECK(img.image.grid.size == std::array<int64_t, 3>{3, 4, 5});
  requireGeometry(img.image.grid, rasToLps(qformDirectionRas(h)), rasToLps(h.qoffset), {0.8, 1.1, 2.5});
  CHECK(img.image.at(2, 3, 4) == 0.5f * float(2 + 3 * (3 + 4 * 4)));
}

TEST_CASE("a NIfTI with dim[0]=4 and dim[4]=1 reads as the same 3-D image", "[io][nifti]") {
  ScratchDir dir("io-dim4");
  NiftiHeader h = obliqueHeader();
  h.dim[0] = 4;
  writeBytes(dir / "v.nii", encodeNifti(h, 32, rampData(60)));
  const LoadedImage img = readImage(dir / "v.nii");
  CHECK(img.image.grid.size == std::array<int64_t, 3>{3, 4, 5});
  requireGeometry(img.image.grid, rasToLps(qformDirectionRas(h)), rasToLps(h.qoffset), {0.8, 1.1, 2.5});
}

TEST_CASE("a negative pixdim reads as ITK's reader makes it: positive spacing, flipped axis", "[io][nifti]") {
  ScratchDir dir("io-negpix");
  NiftiHeader h = obliqueHeader();
  h.pixdim[2] = -1.1f;
  writeBytes(dir / "n.nii", encodeNifti(h, 32, rampData(60)));
  const LoadedImage img = readImage(dir / "n.nii");
  Mat3 expected = rasToLps(qformDirectionRas(h));
  for (int r = 0; r < 3; ++r) expected.m[r][1] = -expected.m[r][1];
  requireGeometry(img.image.grid, expected, rasToLps(h.qoffset), {0.8, 1.1, 2.5});
}

TEST_CASE("an uncompressed two-file MetaImage (.mhd + .raw) round-trips", "[io]") {
  ScratchDir dir("io-mhd");
  Grid g;
  g.size = {4, 3, 2};
  g.spacing = {0.5, 0.75, 3.0};
  g.origin = {1, 2, 3};
  g.direction = rotationFromVector({0.0, 0.4, -0.1});
  Image img(g);
  for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = float(i) - 7.5f;
  writeImage(dir / "two.mhd", img);
  CHECK(std::filesystem::exists(dir / "two.raw"));
  const LoadedImage back = readImage(dir / "two.mhd");
  CHECK(back.image.data == img.data);
  CHECK(back.image.grid.sameAs(img.grid, 1e-9));
}
