// indexConversionsOnDevice (index_conversion_check.hpp).
#include "core/index_conversion.hpp"
#include "cuda_check.cuh"
#include "device_array.cuh"
#include "index_conversion_check.hpp"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

__global__ void convertKernel(const int64_t* v, double* d, int64_t nv, const double* x, int64_t* f, int64_t nx) {
  for (int64_t n = firstItem(); n < nv || n < nx; n += itemStride()) {
    if (n < nv) d[n] = indexToDouble(v[n]);
    if (n < nx) f[n] = floorIndex(x[n]);
  }
}

__global__ void convertSmallKernel(const int32_t* v, float* f, int64_t nv, const float* x, float* floorValue,
                                   int32_t* floorIndex, int64_t nx) {
  for (int64_t n = firstItem(); n < nv || n < nx; n += itemStride()) {
    if (n < nv) f[n] = smallIndexToFloat(v[n]);
    if (n < nx) {
      const SmallFloor s = smallFloor(x[n]);
      floorValue[n] = s.value;
      floorIndex[n] = s.index;
    }
  }
}

}  // namespace

SmallIndexConversions smallIndexConversionsOnDevice(const std::vector<int32_t>& integers,
                                                    const std::vector<float>& reals) {
  const auto v = DeviceArray<int32_t>::fromHost(integers, "small integers to convert");
  const auto x = DeviceArray<float>::fromHost(reals, "floats to floor");
  DeviceArray<float> f(int64_t(integers.size()), "converted small integers");
  DeviceArray<float> value(int64_t(reals.size()), "floored floats");
  DeviceArray<int32_t> index(int64_t(reals.size()), "floored floats as integers");
  const int64_t count = int64_t(std::max(integers.size(), reals.size()));
  convertSmallKernel<<<blocksFor(count), kThreads, 0, cudaStreamPerThread>>>(
      v.data(), f.data(), int64_t(integers.size()), x.data(), value.data(), index.data(), int64_t(reals.size()));
  checkLaunch("small index conversions", count);
  return {f.toHost("converted small integers"), value.toHost("floored floats"),
          index.toHost("floored floats as integers")};
}

IndexConversions indexConversionsOnDevice(const std::vector<int64_t>& integers, const std::vector<double>& reals) {
  const auto v = DeviceArray<int64_t>::fromHost(integers, "integers to convert");
  const auto x = DeviceArray<double>::fromHost(reals, "doubles to floor");
  DeviceArray<double> d(int64_t(integers.size()), "converted integers");
  DeviceArray<int64_t> f(int64_t(reals.size()), "floored doubles");
  const int64_t count = int64_t(std::max(integers.size(), reals.size()));
  convertKernel<<<blocksFor(count), kThreads, 0, cudaStreamPerThread>>>(v.data(), d.data(), int64_t(integers.size()),
                                                                         x.data(), f.data(), int64_t(reals.size()));
  checkLaunch("index conversions", count);
  return {d.toHost("converted integers"), f.toHost("floored doubles")};
}

}  // namespace ffdp::cuda
