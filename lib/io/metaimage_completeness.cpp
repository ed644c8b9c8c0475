// checkMetaImageComplete: the MetaImage text header says how many bytes of voxel data follow (or
// how long the compressed stream is); compare with what the file holds.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "io/data_completeness.hpp"

namespace ffdp {
namespace {

struct MetaHeader {
  std::map<std::string, std::string> fields;
  uint64_t headerBytes = 0;  // where LOCAL data starts
  bool complete = false;     // an ElementDataFile line was found
};

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

MetaHeader readMetaHeader(const std::string& path) {
  MetaHeader h;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  // Headers are text; real ones with DICOM tags run to a few kB. Stop at 1 MB to avoid scanning binary.
  while (h.headerBytes < (1u << 20) && std::getline(in, line)) {
    h.headerBytes += line.size() + 1;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = trimmed(line.substr(0, eq));
    h.fields[key] = trimmed(line.substr(eq + 1));
    if (key == "ElementDataFile") {
      h.complete = true;
      break;
    }
  }
  return h;
}

// Bytes per element of the MetaIO types whose size does not depend on the platform.
int elementBytes(const std::string& type) {
  static const std::map<std::string, int> sizes = {
      {"MET_UCHAR", 1}, {"MET_CHAR", 1},  {"MET_SHORT", 2},  {"MET_USHORT", 2},    {"MET_INT", 4},
      {"MET_UINT", 4},  {"MET_FLOAT", 4}, {"MET_DOUBLE", 8}, {"MET_LONG_LONG", 8}, {"MET_ULONG_LONG", 8}};
  const auto it = sizes.find(type);
  return it == sizes.end() ? 0 : it->second;
}

// A non-negative integer field, or nothing when absent or not a number (then ITK judges the header).
bool parseCount(const std::string& text, uint64_t& value) {
  if (text.empty() || text[0] == '-') return false;
  std::istringstream in(text);
  return static_cast<bool>(in >> value);
}

bool isTrue(const std::string& v) { return v == "True" || v == "true" || v == "TRUE" || v == "1"; }

}  // namespace

void checkMetaImageComplete(const std::string& path) {
  const MetaHeader h = readMetaHeader(path);
  if (!h.complete) return;
  const auto get = [&](const std::string& key) {
    const auto it = h.fields.find(key);
    return it == h.fields.end() ? std::string() : it->second;
  };
  if (get("BinaryData").size() && !isTrue(get("BinaryData"))) return;  // ASCII voxels: ITK parses them
  const std::string dataFile = get("ElementDataFile");
  if (dataFile == "LIST" || dataFile.find('%') != std::string::npos || dataFile.find(' ') != std::string::npos)
    return;  // one file per slice: left to ITK

  uint64_t expected = 0;
  const bool compressed = isTrue(get("CompressedData"));
  if (compressed) {
    if (!parseCount(get("CompressedDataSize"), expected)) return;
  } else {
    const int bytes = elementBytes(get("ElementType"));
    if (bytes == 0) return;
    std::istringstream sizes(get("DimSize"));
    uint64_t voxels = 1, n = 0;
    int count = 0;
    while (sizes >> n) voxels *= n, ++count;
    if (count == 0) return;
    uint64_t channels = 1;
    if (!get("ElementNumberOfChannels").empty() && !parseCount(get("ElementNumberOfChannels"), channels)) return;
    expected = voxels * uint64_t(bytes) * channels;
  }

  std::error_code ec;
  uint64_t present = 0;
  if (dataFile == "LOCAL") {
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) return;
    present = size > h.headerBytes ? size - h.headerBytes : 0;
  } else {
    const auto dataPath = std::filesystem::path(path).parent_path() / dataFile;
    if (!std::filesystem::exists(dataPath, ec))
      failTruncated(path, "its data file " + dataPath.string() + " is missing");
    present = std::filesystem::file_size(dataPath, ec);
    if (ec) return;
    uint64_t skip = 0;
    if (!compressed && parseCount(get("HeaderSize"), skip)) present -= std::min(present, skip);
  }
  if (present < expected)
    failTruncated(path, std::to_string(present) + " of " + std::to_string(expected) + " bytes of " +
                            (compressed ? "compressed " : "") + "voxel data present");
}

}  // namespace ffdp
