// Every way an input image can be unusable ends in one ffdp::Error with ExitCode::Input and a
// one-line message that starts with the file's path.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <functional>

#include "core/error.hpp"
#include "io/image_io.hpp"
#include "io_test_files.hpp"
#include "support/test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

void requireInputError(const std::function<void()>& action, const std::string& path, const std::string& fragment) {
  try {
    action();
    FAIL("no error for " << path);
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(e.code() == ExitCode::Input);
    CHECK(std::string(e.what()).rfind(path + ": ", 0) == 0);
    CHECK_THAT(e.what(), Catch::Contains(fragment, Catch::CaseSensitive::No));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
}

void requireUnreadable(const std::string& path, const std::string& fragment) {
  requireInputError([&] { readImage(path); }, path, fragment);
}

std::string bytesOf(int count, unsigned char value = 1) { return std::string(size_t(count), char(value)); }

Image smallImage(float fill) {
  Grid g;
  g.size = {4, 3, 2};
  return Image(g, fill);
}

}  // namespace

TEST_CASE("missing files, folders and non-images", "[io][errors]") {
  ScratchDir dir("io-bad");
  requireUnreadable(dir / "missing.nii.gz", "no such file");
  requireUnreadable(dir.path().string(), "directory");
  writeBytes(dir / "text.nii.gz", "hello, I am a text file pretending to be NIfTI\n");
  requireUnreadable(dir / "text.nii.gz", "not a recognised image");
  writeBytes(dir / "text.mha", "hello\n");
  requireUnreadable(dir / "text.mha", "");
  writeBytes(dir / "noext", "hello\n");
  requireUnreadable(dir / "noext", "not a recognised image");
}

TEST_CASE("a truncated .nii.gz is reported as truncated or corrupt", "[io][errors]") {
  const std::string real = sharedData("headers/10000_1000000_prostate_seg.nii.gz");
  FFDP_REQUIRE_DATA(real);
  ScratchDir dir("io-trunc");
  const std::string whole = readBytes(real);
  const std::string path = dir / "half.nii.gz";
  writeBytes(path, whole.substr(0, whole.size() / 2));
  requireUnreadable(path, "cannot read image: file is truncated or corrupt");
  // The same with a real float volume's first half.
  const std::string lia = sharedData("headers/lia-oasis/image_A.nii.gz");
  if (!lia.empty()) {
    const std::string big = readBytes(lia);
    writeBytes(dir / "lia_half.nii.gz", big.substr(0, big.size() / 2));
    requireUnreadable(dir / "lia_half.nii.gz", "truncated or corrupt");
  }
}

TEST_CASE("truncated uncompressed and MetaImage/NRRD files are reported", "[io][errors]") {
  ScratchDir dir("io-trunc-other");
  Grid g;
  g.size = {6, 5, 4};
  Image img(g);
  for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = float(i % 17);
  for (const std::string name : {"a.nii", "a.nii.gz", "a.mha", "a.nrrd"}) {
    INFO(name);
    const std::string whole = dir / ("whole_" + name);
    writeImage(whole, img);
    REQUIRE(readImage(whole).image.data == img.data);  // the intact file reads
    const std::string bytes = readBytes(whole);
    const std::string cut = dir / ("cut_" + name);
    writeBytes(cut, bytes.substr(0, bytes.size() - 100));
    requireUnreadable(cut, "truncated or corrupt");
  }
  // A two-file MetaImage whose data file is short or gone.
  writeImage(dir / "two.mhd", img);
  const std::string raw = readBytes(dir / "two.raw");
  writeBytes(dir / "two.raw", raw.substr(0, raw.size() / 2));
  requireUnreadable(dir / "two.mhd", "truncated or corrupt");
  std::filesystem::remove(dir / "two.raw");
  requireUnreadable(dir / "two.mhd", "two.raw");
}

TEST_CASE("a truncated compressed MetaImage (real oblique ADC) is reported", "[io][errors]") {
  const std::string real = sharedData("headers/10000_1000000_adc.mha");
  FFDP_REQUIRE_DATA(real);
  ScratchDir dir("io-trunc-mha");
  const std::string bytes = readBytes(real);
  writeBytes(dir / "adc_half.mha", bytes.substr(0, bytes.size() / 2));
  requireUnreadable(dir / "adc_half.mha", "truncated or corrupt");
}

TEST_CASE("a multi-member .nii.gz (concatenated gzip streams) is complete and reads", "[io]") {
  ScratchDir dir("io-members");
  Grid g;
  g.size = {30, 20, 10};
  Image img(g);
  for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = float(i % 251);
  writeImage(dir / "plain.nii", img);
  // Split the file in two and gzip each part: a valid .nii.gz (as parallel writers make) whose
  // trailer length describes only the second member.
  const std::string plain = readBytes(dir / "plain.nii");
  writeBytes(dir / "p1", plain.substr(0, 1000));
  writeBytes(dir / "p2", plain.substr(1000));
  REQUIRE(runShell("gzip -c " + (dir / "p1") + " > " + (dir / "m.nii.gz") + " && gzip -c " + (dir / "p2") + " >> " +
                   (dir / "m.nii.gz"))
              .exitCode == 0);
  CHECK(readImage(dir / "m.nii.gz").image.data == img.data);
  // Cut inside the second member: reported.
  const std::string gz = readBytes(dir / "m.nii.gz");
  writeBytes(dir / "mcut.nii.gz", gz.substr(0, gz.size() - 50));
  requireUnreadable(dir / "mcut.nii.gz", "truncated or corrupt");
}

TEST_CASE("2-D, 4-D and vector images are refused before reading voxels", "[io][errors]") {
  ScratchDir dir("io-dims");
  writeBytes(dir / "flat.mha", metaImage({"NDims = 2", "DimSize = 4 4", "ElementType = MET_UCHAR"}, bytesOf(16)));
  requireUnreadable(dir / "flat.mha", "2-D");

  writeBytes(dir / "series.mha", metaImage({"NDims = 4", "DimSize = 2 2 2 3", "ElementType = MET_UCHAR"}, bytesOf(24)));
  requireUnreadable(dir / "series.mha", "4-D");

  writeBytes(dir / "rgb.mha",
             metaImage({"NDims = 3", "DimSize = 2 2 2", "ElementNumberOfChannels = 3", "ElementType = MET_UCHAR"},
                       bytesOf(24)));
  requireUnreadable(dir / "rgb.mha", "3 components");

  // NIfTI spellings of the same problems, headers crafted by hand.
  NiftiHeader h;
  h.datatype = 2;  // uint8
  h.pixdim = {1, 1, 1, 1, 1, 1, 1, 1};
  h.dim = {4, 2, 2, 2, 3, 1, 1, 1};
  writeBytes(dir / "series.nii", encodeNifti(h, 8, bytesOf(24)));
  requireUnreadable(dir / "series.nii", "4-D");

  h.dim = {2, 4, 4, 1, 1, 1, 1, 1};
  writeBytes(dir / "flat.nii", encodeNifti(h, 8, bytesOf(16)));
  requireUnreadable(dir / "flat.nii", "2-D");

  h.dim = {5, 2, 2, 2, 1, 3, 1, 1};  // a vector field: dim[5] = components, intent "vector"
  h.datatype = 16;
  h.intentCode = 1007;
  writeBytes(dir / "vector.nii", encodeNifti(h, 32, std::string(24 * 4, '\0')));
  requireUnreadable(dir / "vector.nii", "3 components");
  h.intentCode = 0;  // the same layout without the intent: ITK sees a 5-D image
  writeBytes(dir / "values.nii", encodeNifti(h, 32, std::string(24 * 4, '\0')));
  requireUnreadable(dir / "values.nii", "3 values per voxel");
}

TEST_CASE("zero-size images are refused", "[io][errors]") {
  ScratchDir dir("io-zero");
  NiftiHeader h;
  h.datatype = 2;
  h.pixdim = {1, 1, 1, 1, 1, 1, 1, 1};
  h.dim = {3, 4, 4, 0, 1, 1, 1, 1};
  writeBytes(dir / "zero.nii", encodeNifti(h, 8, ""));
  requireUnreadable(dir / "zero.nii", "zero size");
  writeBytes(dir / "zero.nii.gz", encodeNifti(h, 8, ""));  // gzip's transparent mode reads it too
  requireUnreadable(dir / "zero.nii.gz", "zero size");

  writeBytes(dir / "zero.mha", metaImage({"NDims = 3", "DimSize = 4 4 0", "ElementType = MET_UCHAR"}, ""));
  requireUnreadable(dir / "zero.mha", "zero size");
}

TEST_CASE("bad geometry: singular direction, zero spacing", "[io][errors]") {
  ScratchDir dir("io-geom");
  writeBytes(dir / "singular.mha", metaImage({"NDims = 3", "DimSize = 2 2 2", "ElementType = MET_UCHAR",
                                              "TransformMatrix = 1 0 0 1 0 0 0 0 1"},
                                             bytesOf(8)));
  requireUnreadable(dir / "singular.mha", "direction matrix is not invertible");

  writeBytes(
      dir / "flatvox.mha",
      metaImage({"NDims = 3", "DimSize = 2 2 2", "ElementType = MET_UCHAR", "ElementSpacing = 1 0 1"}, bytesOf(8)));
  requireUnreadable(dir / "flatvox.mha", "spacing");
}

TEST_CASE("unusable intensities: all NaN, constant; isolated NaN/Inf become 0", "[io][errors]") {
  const std::string name = "/data/moving.nii.gz";
  Image nan = smallImage(NAN);
  nan.data[3] = INFINITY;
  requireInputError([&] { requireUsableIntensities(nan, name); }, name, "no finite voxel");

  Image constant = smallImage(7.0f);
  constant.data[5] = NAN;  // a NaN does not make a constant image usable
  requireInputError([&] { requireUsableIntensities(constant, name); }, name, "constant");

  Image spotty = smallImage(2.0f);
  spotty.data[1] = 5.0f;
  spotty.data[2] = NAN;
  spotty.data[7] = -INFINITY;
  CHECK(requireUsableIntensities(spotty, name) == 2);
  CHECK(spotty.data[2] == 0.0f);
  CHECK(spotty.data[7] == 0.0f);
  CHECK(spotty.data[1] == 5.0f);
  CHECK(spotty.data[0] == 2.0f);

  Image clean = smallImage(1.0f);
  clean.data[0] = 0.0f;
  CHECK(requireUsableIntensities(clean, name) == 0);
}

TEST_CASE("an all-NaN image read from disk is refused by the intensity check", "[io][errors]") {
  ScratchDir dir("io-nanfile");
  const std::string mha = dir / "nan.mha";
  writeImage(mha, smallImage(NAN));
  LoadedImage img = readImage(mha);
  requireInputError([&] { requireUsableIntensities(img.image, mha); }, mha, "no finite voxel");
  // ITK's NIfTI reader turns non-finite floats into 0 as it reads, so there the image is constant.
  const std::string nii = dir / "nan.nii.gz";
  writeImage(nii, smallImage(NAN));
  img = readImage(nii);
  requireInputError([&] { requireUsableIntensities(img.image, nii); }, nii, "constant");
}

TEST_CASE("masks: nonzero is inside; an empty mask is an error", "[io][errors]") {
  ScratchDir dir("io-mask");
  Image m = smallImage(0.0f);
  writeImage(dir / "empty.nii.gz", m, PixelType::UInt8);
  requireInputError([&] { readMask(dir / "empty.nii.gz"); }, dir / "empty.nii.gz", "mask has no voxels");

  m.data[2] = 1.0f;
  m.data[9] = -3.0f;
  m.data[11] = 0.25f;
  writeImage(dir / "some.nii.gz", m);
  const Mask mask = readMask(dir / "some.nii.gz");
  REQUIRE(mask.data.size() == m.data.size());
  for (size_t i = 0; i < mask.data.size(); ++i) CHECK(int(mask.data[i]) == (m.data[i] != 0.0f ? 1 : 0));
  CHECK(mask.grid.sameAs(m.grid));
}
