// A scalar image: a Grid and its voxel values, i fastest. Always 64-bit indexed.
#pragma once
#include <vector>

#include "core/grid.hpp"

namespace ffdp {

template <class T>
struct Volume {
  Grid grid;
  std::vector<T> data;

  Volume() = default;
  explicit Volume(const Grid& g, T fill = T{}) : grid(g), data(static_cast<size_t>(g.voxels()), fill) {}
  T& at(int64_t i, int64_t j, int64_t k) { return data[static_cast<size_t>(grid.linear(i, j, k))]; }
  const T& at(int64_t i, int64_t j, int64_t k) const { return data[static_cast<size_t>(grid.linear(i, j, k))]; }
  int64_t voxels() const { return grid.voxels(); }
};

using Image = Volume<float>;
// A binary mask on its own grid: nonzero = inside.
using Mask = Volume<uint8_t>;

}  // namespace ffdp
