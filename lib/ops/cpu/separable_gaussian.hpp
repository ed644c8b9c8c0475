// Separable Gaussian smoothing shared by images (one float per voxel) and displacement fields
// (three interleaved floats per voxel, smoothed component by component with the same kernel).
// Sigma is in voxels per axis (0 = none along that axis); the kernel has radius ceil(4 sigma) and
// is renormalised over the taps inside the volume at the border, so a constant stays constant and
// nothing leaks in from outside. Every output is a fixed-order sum, whatever the thread count.
#pragma once
#include "core/field.hpp"
#include "core/volume.hpp"

namespace ffdp::cpu {

// Smooths `volume` in place. Instantiated for float (Image) and Vec3f (Field).
template <class T>
void smoothSeparableInPlace(Volume<T>& volume, const Vec3& sigmaVoxels);

}  // namespace ffdp::cpu
