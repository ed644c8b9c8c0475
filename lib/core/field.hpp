// A displacement field u on a grid: one physical vector (LPS millimetres) per voxel, stored as
// three interleaved floats (x, y, z) per voxel, i fastest. A point x of the grid maps to x + u(x).
#pragma once
#include <array>

#include "core/volume.hpp"

namespace ffdp {

using Vec3f = std::array<float, 3>;
using Field = Volume<Vec3f>;

}  // namespace ffdp
