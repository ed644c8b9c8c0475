// A scalar image: a Grid and its voxel values, i fastest. Always 64-bit indexed.
//
// Where the values live: `data` on the host and, once a GPU backend has used the volume, `device`
// in accelerator memory. When `device` is set it is current; `data` is then either the same values
// or empty (a result that only exists on the device). Backend::toHost fills `data`; host code
// reads a volume that came out of a backend only after that (lib/reg does so for its results).
#pragma once
#include <vector>

#include "core/device_copy.hpp"
#include "core/grid.hpp"

namespace ffdp {

template <class T>
struct Volume {
  Grid grid;
  std::vector<T> data;
  mutable DeviceCopy device;  // mutable: a backend may cache an upload of a const input

  Volume() = default;
  explicit Volume(const Grid& g, T fill = T{}) : grid(g), data(static_cast<size_t>(g.voxels()), fill) {}
  T& at(int64_t i, int64_t j, int64_t k) { return data[static_cast<size_t>(grid.linear(i, j, k))]; }
  const T& at(int64_t i, int64_t j, int64_t k) const { return data[static_cast<size_t>(grid.linear(i, j, k))]; }
  int64_t voxels() const { return grid.voxels(); }
  // The host values are current (not a device-only result).
  bool onHost() const { return int64_t(data.size()) == grid.voxels(); }
};

using Image = Volume<float>;
// A binary mask on its own grid: nonzero = inside.
using Mask = Volume<uint8_t>;

}  // namespace ffdp
