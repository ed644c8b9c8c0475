// The device's index conversions (core/index_conversion.hpp) evaluated on the GPU, so a test can
// compare them with the host's casts on many values. Host arrays in and out.
#pragma once
#include <cstdint>
#include <vector>

namespace ffdp::cuda {

struct IndexConversions {
  std::vector<double> asDouble;   // indexToDouble(v) per integer
  std::vector<int64_t> floored;   // floorIndex(x) per double
};
IndexConversions indexConversionsOnDevice(const std::vector<int64_t>& integers, const std::vector<double>& reals);

// The float twins (smallIndexToFloat, smallFloor) on the GPU.
struct SmallIndexConversions {
  std::vector<float> asFloat;          // smallIndexToFloat(v) per integer
  std::vector<float> flooredValue;     // smallFloor(x).value per float
  std::vector<int32_t> flooredIndex;   // smallFloor(x).index per float
};
SmallIndexConversions smallIndexConversionsOnDevice(const std::vector<int32_t>& integers,
                                                    const std::vector<float>& reals);

}  // namespace ffdp::cuda
