// requireUsableIntensities: an image with no finite voxel or a single value cannot drive any metric,
// and a few NaN/Inf voxels (common in ADC maps and scanner exports) would poison every global sum.
#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "io/image_io.hpp"

namespace ffdp {

int64_t requireUsableIntensities(Image& image, const std::string& path) {
  int64_t finite = 0;
  float lo = 0, hi = 0;
  for (const float v : image.data) {
    if (!std::isfinite(v)) continue;
    if (finite == 0) lo = hi = v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    ++finite;
  }
  if (image.data.empty()) fail(ExitCode::Input, path + ": image has no voxels");
  if (finite == 0) fail(ExitCode::Input, path + ": image has no finite voxel values (all NaN or Inf)");
  if (lo == hi) {
    std::ostringstream s;
    s << path << ": image is constant (every finite voxel is " << lo << "); nothing to register";
    fail(ExitCode::Input, s.str());
  }
  const int64_t replaced = image.voxels() - finite;
  if (replaced > 0)
    for (float& v : image.data)
      if (!std::isfinite(v)) v = 0.0f;
  return replaced;
}

}  // namespace ffdp
