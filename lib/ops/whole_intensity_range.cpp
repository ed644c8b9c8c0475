#include "ops/whole_intensity_range.hpp"

#include <map>
#include <mutex>

namespace ffdp {
namespace {

struct Registered {
  const float* host;
  int64_t voxels;
  KnownIntensityRange range;
};

std::mutex& registryMutex() {
  static std::mutex m;
  return m;
}
std::map<const Image*, Registered>& registry() {
  static std::map<const Image*, Registered> r;
  return r;
}

}  // namespace

std::optional<KnownIntensityRange> wholeIntensityRangeOf(const Image& image) {
  std::lock_guard<std::mutex> lock(registryMutex());
  const auto it = registry().find(&image);
  if (it == registry().end() || it->second.host != image.data.data() || it->second.voxels != image.voxels())
    return std::nullopt;
  return it->second.range;
}

WholeRangeRegistration::WholeRangeRegistration(const Image& window, KnownIntensityRange range) : window_(&window) {
  std::lock_guard<std::mutex> lock(registryMutex());
  registry()[window_] = Registered{window.data.data(), window.voxels(), range};
}

WholeRangeRegistration::~WholeRangeRegistration() {
  std::lock_guard<std::mutex> lock(registryMutex());
  registry().erase(window_);
}

}  // namespace ffdp
