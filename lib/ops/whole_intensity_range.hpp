// The intensity range of the whole image that a window stands for.
//
// Metrics normalise intensities by the global minimum and maximum of each image (MI's bins, CC's flat
// window threshold), and those must not depend on how the image is split over ranks. A sharded moving
// image reaches the compute backend as a window of some of its slices (ops/moving_window_cache.hpp),
// whose own minimum and maximum are not the image's. The Backend interface passes only the window, so
// the slab decorator records the whole image's range here for exactly as long as the window exists
// (an RAII registration), and the backends' range functions ask here first: cpu::intensityRange does;
// the CUDA backend sets MetricDeviceInputs::movingRange from it.
#pragma once
#include <optional>

#include "core/volume.hpp"

namespace ffdp {

struct KnownIntensityRange {
  double min = 0, max = 0;
};

// The range registered for this very Image object (its address, host buffer and voxel count must all
// match, so a different volume at a reused address is never mistaken for it); none otherwise.
std::optional<KnownIntensityRange> wholeIntensityRangeOf(const Image& image);

// Registers `range` for `window` until destroyed. `window` must stay at its address meanwhile (the
// cache holds windows by unique_ptr). Thread-safe (ranks as threads in the tests).
class WholeRangeRegistration {
 public:
  WholeRangeRegistration(const Image& window, KnownIntensityRange range);
  ~WholeRangeRegistration();
  WholeRangeRegistration(const WholeRangeRegistration&) = delete;
  WholeRangeRegistration& operator=(const WholeRangeRegistration&) = delete;

 private:
  const Image* window_;
};

}  // namespace ffdp
