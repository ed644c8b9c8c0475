#include "support/raw_image_writer.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace ffdp::test {

namespace {
template <class T>
void put(std::vector<char>& h, size_t offset, T v) {
  std::memcpy(h.data() + offset, &v, sizeof(T));
}
size_t voxelCount(const std::vector<int>& dims) {
  size_t n = 1;
  for (int d : dims) n *= size_t(d);
  return n;
}
std::vector<float> fill(const std::vector<float>& values, size_t n) {
  std::vector<float> out(n, 0.f);
  for (size_t i = 0; i < n && !values.empty(); ++i) out[i] = values[i % values.size()];
  return out;
}
}  // namespace

void writeRawNifti(const std::string& path, const std::vector<int>& dims, const std::vector<float>& values) {
  std::vector<char> h(352, 0);
  put<int32_t>(h, 0, 348);
  put<int16_t>(h, 40, int16_t(dims.size()));
  for (size_t d = 0; d < dims.size() && d < 7; ++d) put<int16_t>(h, 42 + 2 * d, int16_t(dims[d]));
  for (size_t d = dims.size(); d < 7; ++d) put<int16_t>(h, 42 + 2 * d, 1);
  put<int16_t>(h, 70, 16);  // DT_FLOAT32
  put<int16_t>(h, 72, 32);
  put<float>(h, 76, 1.f);  // qfac
  for (int d = 1; d < 8; ++d) put<float>(h, 76 + 4 * d, 1.f);
  put<float>(h, 108, 352.f);
  put<float>(h, 112, 1.f);
  put<uint8_t>(h, 123, 2);  // mm
  std::memcpy(h.data() + 344, "n+1\0", 4);
  const auto data = fill(values, voxelCount(dims));
  std::ofstream f(path, std::ios::binary);
  f.write(h.data(), std::streamsize(h.size()));
  f.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size() * sizeof(float)));
  if (!f) throw std::runtime_error("cannot write " + path);
}

void writeRawMetaImage(const std::string& path, const std::vector<int>& dims, const std::vector<double>& direction,
                       const std::vector<float>& values) {
  std::ofstream f(path, std::ios::binary);
  f << "ObjectType = Image\nNDims = " << dims.size() << "\nBinaryData = True\nBinaryDataByteOrderMSB = False\n";
  f << "TransformMatrix =";
  for (double v : direction) f << " " << v;
  f << "\nOffset =";
  for (size_t d = 0; d < dims.size(); ++d) f << " 0";
  f << "\nElementSpacing =";
  for (size_t d = 0; d < dims.size(); ++d) f << " 1";
  f << "\nDimSize =";
  for (int d : dims) f << " " << d;
  f << "\nElementType = MET_FLOAT\nElementDataFile = LOCAL\n";
  const auto data = fill(values, voxelCount(dims));
  f.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size() * sizeof(float)));
  if (!f) throw std::runtime_error("cannot write " + path);
}

}  // namespace ffdp::test
