#include <cstdint>
#include <mutex>

#include "device_array.cuh"

namespace ffdp::cuda {

void keepFreedMemoryPooled() {
  static std::once_flag once;
  std::call_once(once, [] {
    int device = 0;
    check(cudaGetDevice(&device), "querying the current device");
    cudaMemPool_t pool;
    check(cudaDeviceGetDefaultMemPool(&pool, device), "querying the device memory pool");
    uint64_t keepAll = UINT64_MAX;
    check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keepAll), "configuring the memory pool");
  });
}

}  // namespace ffdp::cuda
