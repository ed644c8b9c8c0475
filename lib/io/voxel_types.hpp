// What the whole-image and the slab readers and writers of lib/io share (internal to lib/io: it
// names ITK types): opening a file's header, and the voxel-type rules.
#pragma once
#include <cmath>
#include <limits>
#include <string>

#include <itkImageIOBase.h>

#include "io/image_io.hpp"

namespace ffdp {

// The file's ImageIO with its header read (no voxels yet); Error(Input) naming the file otherwise.
itk::ImageIOBase::Pointer openImageHeader(const std::string& path);

// The stored type as the public enum (64-bit integers and other exotic types: Other).
PixelType pixelTypeOf(itk::IOComponentEnum component);

// Writing float voxels as type T: integers round half away from zero and clamp to T's range, NaN -> 0.
template <class T>
T roundAndClamp(float v) {
  if constexpr (std::numeric_limits<T>::is_integer) {
    if (std::isnan(v)) return T(0);
    const double r = std::round(static_cast<double>(v));  // halves away from zero
    if (r <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (r >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(r);
  } else {
    return static_cast<T>(v);
  }
}

}  // namespace ffdp
