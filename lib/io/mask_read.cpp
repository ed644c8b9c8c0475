// readMask: any image file read as a mask; nonzero finite voxels are inside.
#include <cmath>

#include "core/error.hpp"
#include "io/image_io.hpp"

namespace ffdp {

Mask readMask(const std::string& path) {
  LoadedImage loaded = readImage(path);
  Mask mask;
  mask.grid = loaded.image.grid;
  mask.data.resize(loaded.image.data.size());
  int64_t inside = 0;
  for (size_t i = 0; i < mask.data.size(); ++i) {
    const float v = loaded.image.data[i];
    mask.data[i] = (std::isfinite(v) && v != 0.0f) ? 1 : 0;
    inside += mask.data[i];
  }
  if (inside == 0) fail(ExitCode::Input, path + ": mask has no voxels (every voxel is zero)");
  return mask;
}

}  // namespace ffdp
