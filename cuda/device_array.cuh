// An owning array in GPU memory (RAII). Allocation failures name what was being allocated and
// its size, so "out of memory" says which buffer of which size did not fit.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cuda_check.cuh"

namespace ffdp::cuda {

// Freed blocks stay in the current device's memory pool instead of going back to the driver.
void keepFreedMemoryPooled();

// All work of this project is issued on cudaStreamPerThread (kernels take it as their stream), so
// allocation, kernels and copies are ordered without device-wide synchronisation.
template <class T>
class DeviceArray {
 public:
  DeviceArray() = default;
  DeviceArray(int64_t count, const std::string& what) { allocate(count, what); }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  DeviceArray(DeviceArray&& o) noexcept : data_(std::exchange(o.data_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  DeviceArray& operator=(DeviceArray&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  ~DeviceArray() { release(); }

  void allocate(int64_t count, const std::string& what) {
    release();
    if (count <= 0) return;
    const size_t bytes = size_t(count) * sizeof(T);
    keepFreedMemoryPooled();
    // Stream-ordered allocation from the device's pool: per-iteration temporaries cost no
    // cudaMalloc/cudaFree round trip (and no implicit device synchronisation) after the first.
    check(cudaMallocAsync(reinterpret_cast<void**>(&data_), bytes, cudaStreamPerThread),
          "allocating " + what + " (" + std::to_string(bytes) + " bytes)");
    count_ = count;
  }
  T* data() { return data_; }
  const T* data() const { return data_; }
  int64_t size() const { return count_; }
  size_t bytes() const { return size_t(count_) * sizeof(T); }

  // From pageable memory (a std::vector) cudaMemcpyAsync returns once it has staged the values, so
  // the caller may free them at once and nothing waits for the GPU: small per-iteration tables
  // (Gaussian norms, MI's log ratios) cost no synchronisation. From pinned memory the copy really
  // is asynchronous, so that case waits for it.
  void upload(const T* host, int64_t count, const std::string& what) {
    check(cudaMemcpyAsync(data_, host, size_t(count) * sizeof(T), cudaMemcpyHostToDevice, cudaStreamPerThread),
          "upload of " + what);
    cudaPointerAttributes attributes{};
    check(cudaPointerGetAttributes(&attributes, host), "checking where the host values of " + what + " live");
    if (attributes.type != cudaMemoryTypeUnregistered)
      check(cudaStreamSynchronize(cudaStreamPerThread), "upload of " + what);
  }
  void download(T* host, int64_t count, const std::string& what) const {
    check(cudaMemcpyAsync(host, data_, size_t(count) * sizeof(T), cudaMemcpyDeviceToHost, cudaStreamPerThread),
          "download of " + what);
    check(cudaStreamSynchronize(cudaStreamPerThread), "download of " + what);
  }
  std::vector<T> toHost(const std::string& what) const {
    std::vector<T> out(static_cast<size_t>(count_));
    if (count_ > 0) download(out.data(), count_, what);
    return out;
  }
  static DeviceArray fromHost(const std::vector<T>& host, const std::string& what) {
    DeviceArray a(int64_t(host.size()), what);
    if (!host.empty()) a.upload(host.data(), int64_t(host.size()), what);
    return a;
  }

 private:
  void release() {
    if (data_) cudaFreeAsync(data_, cudaStreamPerThread);  // never throws from a destructor
    data_ = nullptr;
    count_ = 0;
  }
  T* data_ = nullptr;
  int64_t count_ = 0;
};

}  // namespace ffdp::cuda
