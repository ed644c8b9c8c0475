// Hand-made files for the io tests: raw NIfTI-1 headers, MetaImage headers, bytes on disk. Written
// without ITK so that the tests judge ITK-backed code against the file formats' own definitions.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/geometry.hpp"

namespace ffdp::test {

std::string readBytes(const std::string& path);
void writeBytes(const std::string& path, const std::string& bytes);
// Decompresses a gzip file with the system's gzip (keeps zlib out of the test link).
std::string gunzipBytes(const std::string& gzPath);
// The first 352 decompressed bytes (a NIfTI-1 header and its extension flag).
std::string gunzipHeader(const std::string& gzPath);

// The fields of a NIfTI-1 header that geometry depends on, decoded by hand (offsets from nifti1.h).
struct NiftiHeader {
  std::array<int16_t, 8> dim{};
  int16_t intentCode = 0;
  int16_t datatype = 0;
  std::array<float, 8> pixdim{};
  float voxOffset = 352;
  int16_t qformCode = 0, sformCode = 0;
  float quaternB = 0, quaternC = 0, quaternD = 0;
  Vec3 qoffset{0, 0, 0};
  std::array<std::array<float, 4>, 3> srow{};
};
NiftiHeader decodeNiftiHeader(const std::string& bytes);
// A single-file .nii: 348-byte header, 4 zero extension bytes, then `data` (datatype/bitpix given).
std::string encodeNifti(const NiftiHeader& h, int16_t bitpix, const std::string& data);

// Direction (unit columns) and origin of the qform/sform, in NIfTI's RAS space.
Mat3 qformDirectionRas(const NiftiHeader& h);
Mat3 sformDirectionRas(const NiftiHeader& h);
// RAS -> LPS: negate the first two rows / components.
Mat3 rasToLps(const Mat3& m);
Vec3 rasToLps(const Vec3& v);

// A MetaImage (.mha) with its header fields given as "Key = value" lines and LOCAL data appended.
std::string metaImage(const std::vector<std::string>& headerLines, const std::string& data);
// The value of one "Key = value" line of a MetaImage header, split into numbers.
std::vector<double> metaHeaderNumbers(const std::string& bytes, const std::string& key);

// Three-letter code of the direction each index axis points to (nibabel/FreeSurfer convention, the one
// used for "stored LIA" in the data README), from an LPS direction matrix.
std::string orientationCode(const Mat3& directionLps);

}  // namespace ffdp::test
