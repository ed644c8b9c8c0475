#include "io_test_files.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/test_support.hpp"

namespace ffdp::test {
namespace {

template <class T>
T get(const std::string& b, size_t offset) {
  T v;
  std::memcpy(&v, b.data() + offset, sizeof(T));
  return v;
}
template <class T>
void put(std::string& b, size_t offset, T v) {
  std::memcpy(&b[offset], &v, sizeof(T));
}

std::string shellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("test: cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("test: cannot write " + path);
}

std::string gunzipBytes(const std::string& gzPath) {
  // Through a file: reading a large pipe in small chunks is slow.
  ScratchDir tmp("gunzip");
  const std::string out = tmp / "plain";
  if (runShell("gzip -dc " + shellQuote(gzPath) + " > " + shellQuote(out)).exitCode != 0)
    throw std::runtime_error("test: gzip -dc failed on " + gzPath);
  return readBytes(out);
}

std::string gunzipHeader(const std::string& gzPath) {
  const CommandResult r = runShell("gzip -dc " + shellQuote(gzPath) + " 2>/dev/null | head -c 352");
  if (r.output.size() < 348) throw std::runtime_error("test: cannot decompress the header of " + gzPath);
  return r.output;
}

NiftiHeader decodeNiftiHeader(const std::string& b) {
  if (b.size() < 348 || get<int32_t>(b, 0) != 348) throw std::runtime_error("test: not a little-endian NIfTI-1 header");
  NiftiHeader h;
  for (int i = 0; i < 8; ++i) h.dim[i] = get<int16_t>(b, 40 + 2 * i);
  h.intentCode = get<int16_t>(b, 68);
  h.datatype = get<int16_t>(b, 70);
  for (int i = 0; i < 8; ++i) h.pixdim[i] = get<float>(b, 76 + 4 * i);
  h.voxOffset = get<float>(b, 108);
  h.qformCode = get<int16_t>(b, 252);
  h.sformCode = get<int16_t>(b, 254);
  h.quaternB = get<float>(b, 256);
  h.quaternC = get<float>(b, 260);
  h.quaternD = get<float>(b, 264);
  for (int i = 0; i < 3; ++i) h.qoffset[i] = get<float>(b, 268 + 4 * i);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) h.srow[r][c] = get<float>(b, 280 + 16 * r + 4 * c);
  return h;
}

std::string encodeNifti(const NiftiHeader& h, int16_t bitpix, const std::string& data) {
  std::string b(352, '\0');
  put<int32_t>(b, 0, 348);
  for (int i = 0; i < 8; ++i) put<int16_t>(b, 40 + 2 * i, h.dim[i]);
  put<int16_t>(b, 68, h.intentCode);
  put<int16_t>(b, 70, h.datatype);
  put<int16_t>(b, 72, bitpix);
  for (int i = 0; i < 8; ++i) put<float>(b, 76 + 4 * i, h.pixdim[i]);
  put<float>(b, 108, 352.0f);
  put<float>(b, 112, 1.0f);  // scl_slope
  put<int16_t>(b, 252, h.qformCode);
  put<int16_t>(b, 254, h.sformCode);
  put<float>(b, 256, h.quaternB);
  put<float>(b, 260, h.quaternC);
  put<float>(b, 264, h.quaternD);
  for (int i = 0; i < 3; ++i) put<float>(b, 268 + 4 * i, static_cast<float>(h.qoffset[i]));
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) put<float>(b, 280 + 16 * r + 4 * c, h.srow[r][c]);
  std::memcpy(&b[344], "n+1\0", 4);
  return b + data;
}

// nifti1.h, "METHOD 2": R from the quaternion (b,c,d), a = sqrt(1-b²-c²-d²); qfac = pixdim[0] flips column 3.
Mat3 qformDirectionRas(const NiftiHeader& h) {
  double b = h.quaternB, c = h.quaternC, d = h.quaternD;
  // As nifti1_io.c's quatern_to_mat44: when 1-b²-c²-d² is tiny (a 180-degree rotation stored in
  // float), a is taken as 0 and (b,c,d) renormalised, rather than sqrt of rounding noise.
  double a = 1.0 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    const double n = 1.0 / std::sqrt(b * b + c * c + d * d);
    b *= n, c *= n, d *= n;
    a = 0.0;
  } else {
    a = std::sqrt(a);
  }
  Mat3 R;
  R.m[0][0] = a * a + b * b - c * c - d * d;
  R.m[0][1] = 2 * (b * c - a * d);
  R.m[0][2] = 2 * (b * d + a * c);
  R.m[1][0] = 2 * (b * c + a * d);
  R.m[1][1] = a * a + c * c - b * b - d * d;
  R.m[1][2] = 2 * (c * d - a * b);
  R.m[2][0] = 2 * (b * d - a * c);
  R.m[2][1] = 2 * (c * d + a * b);
  R.m[2][2] = a * a + d * d - c * c - b * b;
  const double qfac = h.pixdim[0] < 0 ? -1.0 : 1.0;
  for (int r = 0; r < 3; ++r) R.m[r][2] *= qfac;
  return R;
}

// nifti1.h, "METHOD 3": the srow rows hold the affine; the direction is its columns normalised.
Mat3 sformDirectionRas(const NiftiHeader& h) {
  Mat3 D;
  for (int c = 0; c < 3; ++c) {
    const double n = std::sqrt(double(h.srow[0][c]) * h.srow[0][c] + double(h.srow[1][c]) * h.srow[1][c] +
                               double(h.srow[2][c]) * h.srow[2][c]);
    for (int r = 0; r < 3; ++r) D.m[r][c] = h.srow[r][c] / n;
  }
  return D;
}

Mat3 rasToLps(const Mat3& m) {
  Mat3 r = m;
  for (int c = 0; c < 3; ++c) r.m[0][c] = -m.m[0][c], r.m[1][c] = -m.m[1][c];
  return r;
}
Vec3 rasToLps(const Vec3& v) { return {-v[0], -v[1], v[2]}; }

std::string metaImage(const std::vector<std::string>& headerLines, const std::string& data) {
  std::string text = "ObjectType = Image\n";
  for (const auto& l : headerLines) text += l + "\n";
  text += "ElementDataFile = LOCAL\n";
  return text + data;
}

std::vector<double> metaHeaderNumbers(const std::string& bytes, const std::string& key) {
  std::istringstream in(bytes);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("ElementDataFile", 0) == 0) break;
    if (line.rfind(key + " =", 0) != 0) continue;
    std::istringstream values(line.substr(line.find('=') + 1));
    std::vector<double> out;
    double v;
    while (values >> v) out.push_back(v);
    return out;
  }
  throw std::runtime_error("test: MetaImage header has no " + key);
}

std::string orientationCode(const Mat3& d) {
  // Axis i points along the largest component of column i; +x is L, +y is P, +z is S in LPS.
  const char positive[3] = {'L', 'P', 'S'}, negative[3] = {'R', 'A', 'I'};
  std::string code;
  for (int c = 0; c < 3; ++c) {
    int best = 0;
    for (int r = 1; r < 3; ++r)
      if (std::abs(d.m[r][c]) > std::abs(d.m[best][c])) best = r;
    code += d.m[best][c] > 0 ? positive[best] : negative[best];
  }
  return code;
}

}  // namespace ffdp::test
