// Helpers for the field and image GPU tests: host volumes to device arrays and back, error
// measures against the CPU reference, and a cropped real brain.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/field.hpp"
#include "core/volume.hpp"
#include "device_array.cuh"
#include "io/image_io.hpp"
#include "support/test_support.hpp"

namespace ffdp::test {

inline cuda::DeviceArray<float> toDevice(const Field& u, const std::string& what = "test field") {
  cuda::DeviceArray<float> d(3 * u.voxels(), what);
  d.upload(reinterpret_cast<const float*>(u.data.data()), 3 * u.voxels(), what);
  return d;
}
inline cuda::DeviceArray<float> toDevice(const Image& im, const std::string& what = "test image") {
  return cuda::DeviceArray<float>::fromHost(im.data, what);
}
inline Field fieldFromDevice(const cuda::DeviceArray<float>& d, const Grid& g) {
  Field u(g);
  d.download(reinterpret_cast<float*>(u.data.data()), 3 * u.voxels(), "test field");
  return u;
}
inline Image imageFromDevice(const cuda::DeviceArray<float>& d, const Grid& g) {
  Image im(g);
  d.download(im.data.data(), im.voxels(), "test image");
  return im;
}

// How far a GPU result is from the CPU reference: the largest absolute difference relative to
// the largest magnitude of the reference, and how many floats are bit-identical.
struct Agreement {
  double relative = 0, largestDifference = 0, scale = 0;
  int64_t identical = 0, total = 0;
};
inline Agreement compareFloats(const float* gpu, const float* cpu, int64_t count) {
  Agreement a;
  a.total = count;
  for (int64_t n = 0; n < count; ++n) {
    a.scale = std::max(a.scale, double(std::abs(cpu[n])));
    a.largestDifference = std::max(a.largestDifference, std::abs(double(gpu[n]) - double(cpu[n])));
    a.identical += std::memcmp(&gpu[n], &cpu[n], sizeof(float)) == 0;
  }
  a.relative = a.largestDifference / std::max(a.scale, 1e-30);
  return a;
}
inline Agreement compare(const Field& gpu, const Field& cpu) {
  return compareFloats(&gpu.data[0][0], &cpu.data[0][0], 3 * cpu.voxels());
}
inline Agreement compare(const Image& gpu, const Image& cpu) {
  return compareFloats(gpu.data.data(), cpu.data.data(), cpu.voxels());
}
#define FFDP_REPORT_AGREEMENT(a)                                                                     \
  INFO("largest difference " << (a).largestDifference << " (relative " << (a).relative << " of " \
                             << (a).scale << "); bit-identical " << (a).identical << " / " << (a).total)

// The sub-volume [lo, lo + size) with its own grid (same spacing and direction, moved origin).
template <class T>
Volume<T> cropVolume(const Volume<T>& in, const std::array<int64_t, 3>& lo, const std::array<int64_t, 3>& size) {
  Grid g = in.grid;
  g.size = size;
  g.origin = in.grid.indexToPhysical({double(lo[0]), double(lo[1]), double(lo[2])});
  Volume<T> out(g);
  for (int64_t k = 0; k < size[2]; ++k)
    for (int64_t j = 0; j < size[1]; ++j)
      for (int64_t i = 0; i < size[0]; ++i) out.at(i, j, k) = in.at(lo[0] + i, lo[1] + j, lo[2] + k);
  return out;
}

// A field made of a real brain's intensities: u_c(x) = scale * (I(x + e_c) - I(x - e_c)) over
// index neighbours (clamped), i.e. a scaled intensity gradient, with the brain's sharp edges.
inline Field brainGradientField(const Image& im, double scale) {
  Field u(im.grid);
  const auto& n = im.grid.size;
  for (int64_t k = 0; k < n[2]; ++k)
    for (int64_t j = 0; j < n[1]; ++j)
      for (int64_t i = 0; i < n[0]; ++i) {
        const int64_t p[3] = {i, j, k};
        Vec3f v{};
        for (int c = 0; c < 3; ++c) {
          int64_t lo[3] = {i, j, k}, hi[3] = {i, j, k};
          lo[c] = std::max<int64_t>(p[c] - 1, 0);
          hi[c] = std::min<int64_t>(p[c] + 1, n[c] - 1);
          v[c] = float(scale * (im.at(hi[0], hi[1], hi[2]) - im.at(lo[0], lo[1], lo[2])));
        }
        u.at(i, j, k) = v;
      }
  return u;
}

}  // namespace ffdp::test
