#include <cuda_runtime.h>

#include "device_info.cuh"

namespace ffdp::cuda {

std::vector<DeviceInfo> listDevices() {
  std::vector<DeviceInfo> out;
  int count = 0;
  // No driver or no device is a normal situation on CPU machines, not an error.
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return out;
  }
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, d) != cudaSuccess) continue;
    out.push_back({d, prop.name, prop.major, prop.minor, prop.totalGlobalMem});
  }
  return out;
}

std::string runtimeVersion() {
  return std::to_string(CUDART_VERSION / 1000) + "." + std::to_string((CUDART_VERSION % 1000) / 10);
}

}  // namespace ffdp::cuda
