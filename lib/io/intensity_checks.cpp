// requireUsableIntensities: an image with no finite voxel or a single value cannot drive any metric,
// and a few NaN/Inf voxels (common in ADC maps and scanner exports) would poison every global sum.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/error.hpp"
#include "io/image_io.hpp"

namespace ffdp {

int64_t requireUsableIntensities(Image& image, const std::string& path) {
  SelfComm single;
  return requireUsableIntensities(image, path, single);
}

int64_t requireUsableIntensities(Image& image, const std::string& path, Comm& comm) {
  // Counted over this rank's own slices (all of a whole image), then over the ranks for a slab.
  const int64_t plane = image.grid.size[0] * image.grid.size[1];
  double stats[3] = {0, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (int64_t i = image.grid.ownedBegin() * plane; i < image.grid.ownedEnd() * plane; ++i) {
    const float v = image.data[size_t(i)];
    if (!std::isfinite(v)) continue;
    stats[0] += 1;
    stats[1] = std::min(stats[1], double(v));
    stats[2] = std::max(stats[2], double(v));
  }
  double voxels = double(image.grid.ownedEnd() - image.grid.ownedBegin()) * double(plane);
  if (image.grid.isSlab()) {
    comm.allreduceSum(&stats[0], 1);
    comm.allreduceMin(&stats[1], 1);
    comm.allreduceMax(&stats[2], 1);
    comm.allreduceSum(&voxels, 1);
  }
  const int64_t finite = static_cast<int64_t>(stats[0]);
  const float lo = float(stats[1]), hi = float(stats[2]);
  if (voxels == 0) fail(ExitCode::Input, path + ": image has no voxels");
  if (finite == 0) fail(ExitCode::Input, path + ": image has no finite voxel values (all NaN or Inf)");
  if (lo == hi) {
    std::ostringstream s;
    s << path << ": image is constant (every finite voxel is " << lo << "); nothing to register";
    fail(ExitCode::Input, s.str());
  }
  const int64_t replaced = static_cast<int64_t>(voxels) - finite;
  if (replaced > 0)  // halo slices too, as their owners replace them
    for (float& v : image.data)
      if (!std::isfinite(v)) v = 0.0f;
  return replaced;
}

}  // namespace ffdp
