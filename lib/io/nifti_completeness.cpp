#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "io/data_completeness.hpp"

namespace ffdp {
namespace {

struct DataExtent {
  bool isNifti = false;
  uint64_t expectedBytes = 0;  // vox_offset + voxel bytes: the uncompressed length the file must reach
};

template <class T>
T field(const unsigned char* header, size_t offset, bool swap) {
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, header + offset, sizeof(T));
  if (swap)
    for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
  T v;
  std::memcpy(&v, bytes, sizeof(T));
  return v;
}

// Decodes what the size check needs from a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header.
DataExtent extentFromHeader(const unsigned char* h, size_t available, const std::string& path) {
  DataExtent e;
  if (available < 348) return e;
  const int32_t raw = field<int32_t>(h, 0, false);
  const bool swap = raw != 348 && raw != 540;
  const int32_t sizeofHdr = field<int32_t>(h, 0, swap);
  if (sizeofHdr != 348 && !(sizeofHdr == 540 && available >= 540)) return e;

  const bool v2 = sizeofHdr == 540;
  if (v2 ? std::memcmp(h + 4, "n+2", 3) != 0 : std::memcmp(h + 344, "n+1", 3) != 0) return e;  // not single-file
  int64_t dim[8];
  for (int i = 0; i < 8; ++i)
    dim[i] = v2 ? field<int64_t>(h, 16 + 8 * size_t(i), swap) : field<int16_t>(h, 40 + 2 * size_t(i), swap);
  const int bitpix = field<int16_t>(h, v2 ? 14 : 72, swap);
  const double voxOffset = v2 ? double(field<int64_t>(h, 168, swap)) : double(field<float>(h, 108, swap));
  if (dim[0] < 1 || dim[0] > 7 || bitpix <= 0 || voxOffset < 0) return e;  // let ITK judge such a header

  uint64_t voxels = 1;
  for (int i = 1; i <= dim[0]; ++i) {
    if (dim[i] == 0)
      fail(ExitCode::Input, path + ": image has zero size along axis " + std::to_string(i - 1) + " (NIfTI dim[" +
                                std::to_string(i) + "] = 0)");
    if (dim[i] < 0) return e;
    voxels *= uint64_t(dim[i]);
  }
  e.isNifti = true;
  e.expectedBytes = uint64_t(voxOffset) + voxels * uint64_t(bitpix) / 8;
  return e;
}

bool isGzip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  return in && magic[0] == 0x1f && magic[1] == 0x8b;
}

// The gzip trailer's ISIZE: the last member's uncompressed length mod 2^32.
uint32_t gzipTrailerLength(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const auto size = static_cast<std::streamoff>(in.tellg());
  if (size < 18) return 0;
  in.seekg(size - 4);
  unsigned char b[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(b), 4);
  return uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
}

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

// Decompresses the whole file (every member), counting bytes; zlib checks each member's CRC.
uint64_t countDecompressedBytes(const std::string& path) {
  GzHandle gz(gzopen(path.c_str(), "rb"));
  if (!gz) failTruncated(path, "cannot open for decompression");
  gzbuffer(gz.get(), 1 << 18);
  std::vector<char> buffer(1 << 20);
  uint64_t total = 0;
  for (;;) {
    const int n = gzread(gz.get(), buffer.data(), unsigned(buffer.size()));
    if (n < 0) {
      int code = 0;
      const char* message = gzerror(gz.get(), &code);
      failTruncated(path, std::string("gzip: ") + (message ? message : "read error"));
    }
    if (n == 0) break;
    total += uint64_t(n);
  }
  int code = 0;
  const char* message = gzerror(gz.get(), &code);
  if (code != Z_OK && code != Z_STREAM_END) failTruncated(path, std::string("gzip: ") + (message ? message : "error"));
  return total;
}

}  // namespace

void checkGzipIntact(const std::string& path) {
  if (isGzip(path)) countDecompressedBytes(path);
}

void checkNiftiComplete(const std::string& path) {
  // zlib reads plain files transparently, so one path serves .nii and .nii.gz.
  unsigned char header[540] = {};
  int got = 0;
  {
    GzHandle gz(gzopen(path.c_str(), "rb"));
    if (!gz) return;
    got = gzread(gz.get(), header, sizeof(header));
  }
  if (got < 0) failTruncated(path, "the header cannot be decompressed");
  const DataExtent extent = extentFromHeader(header, size_t(got), path);
  if (!extent.isNifti) return;

  std::error_code ec;
  const uint64_t fileSize = std::filesystem::file_size(path, ec);
  if (ec) return;
  uint64_t present = fileSize;
  if (isGzip(path)) {
    // A complete single-member gzip ends with the length; anything else (several members, or a cut
    // file whose last 4 bytes are compressed data) is decided by counting.
    if (gzipTrailerLength(path) == uint32_t(extent.expectedBytes)) return;
    present = countDecompressedBytes(path);
  }
  if (present < extent.expectedBytes)
    failTruncated(path, std::to_string(present) + " of " + std::to_string(extent.expectedBytes) + " bytes present");
}

}  // namespace ffdp
