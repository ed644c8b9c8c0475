// The sampling grid of an image in ITK's physical space (LPS millimetres):
//   p = origin + D * diag(spacing) * index,  index i fastest, k slowest.
#pragma once
#include <cstdint>

#include "core/geometry.hpp"

namespace ffdp {

struct Grid {
  std::array<int64_t, 3> size{0, 0, 0};
  Vec3 spacing{1, 1, 1};
  Vec3 origin{0, 0, 0};
  Mat3 direction = Mat3::identity();

  int64_t voxels() const { return size[0] * size[1] * size[2]; }
  int64_t linear(int64_t i, int64_t j, int64_t k) const { return i + size[0] * (j + size[1] * k); }

  // D * diag(spacing): maps an index offset to a physical offset.
  Mat3 indexToPhysicalMatrix() const { return direction * Mat3::diagonal(spacing); }
  Vec3 indexToPhysical(const Vec3& index) const { return origin + indexToPhysicalMatrix() * index; }
  // Continuous index of a physical point (the inverse map).
  Vec3 physicalToIndex(const Vec3& p) const { return indexToPhysicalMatrix().inverse() * (p - origin); }

  // Physical centre of the voxel domain (the geometric centre ANTs uses for initialisation).
  Vec3 centre() const {
    return indexToPhysical({(size[0] - 1) / 2.0, (size[1] - 1) / 2.0, (size[2] - 1) / 2.0});
  }
  // Grid of ceil(size/shrink) voxels covering the same physical extent (voxel edges kept).
  Grid shrunk(const std::array<int, 3>& shrink) const;
  bool sameAs(const Grid& other, double tolerance = 1e-6) const;
};

}  // namespace ffdp
