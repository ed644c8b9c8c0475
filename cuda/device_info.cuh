// What the CUDA runtime reports about the GPUs of this machine (for --version and logs).
#pragma once
#include <string>
#include <vector>

namespace ffdp::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int major = 0, minor = 0;
  size_t totalBytes = 0;
};

// Empty when no driver or no GPU is present; never throws.
std::vector<DeviceInfo> listDevices();
// The CUDA runtime version this binary was built against, as "13.0".
std::string runtimeVersion();

}  // namespace ffdp::cuda
