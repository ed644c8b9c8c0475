// Device copies of volumes (core/volume.hpp, core/device_copy.hpp) for the CUDA backend:
//   deviceIn      the values on the device for reading (uploaded once and kept with the volume);
//   deviceInOut   the same for an in-place update, after which the host copy is dropped as stale;
//   deviceOut     a device-only result on `grid` (device memory reused when the size matches);
//   adoptDeviceCopy  an out-of-place result replaces a volume's values;
//   downloadToHost  fills `data` from the device copy when the host has none.
#pragma once
#include <cuda_runtime.h>

#include <memory>
#include <optional>
#include <string>

#include "core/device_copy.hpp"
#include "core/volume.hpp"
#include "device_array.cuh"

namespace ffdp::cuda {

class CudaBlock final : public DeviceBlock {
 public:
  CudaBlock(size_t bytes, const std::string& what) : array_(int64_t(bytes), what) {}
  std::unique_ptr<DeviceBlock> clone() const override {
    auto copy = std::make_unique<CudaBlock>(bytes(), "a copy of a volume");
    copy->intensityRange = intensityRange;
    check(cudaMemcpyAsync(copy->data(), array_.data(), bytes(), cudaMemcpyDeviceToDevice, cudaStreamPerThread),
          "device copy of a volume (" + std::to_string(bytes()) + " bytes)");
    return copy;
  }
  size_t bytes() const override { return array_.bytes(); }
  void* data() { return array_.data(); }

  // The global intensity range of the image these bytes hold, once measured (cuda_backend.cu):
  // the metrics need it on every evaluation, and measuring it costs a pass over the image, two
  // waits for the GPU and, on a slab, two reductions over the ranks. deviceInOut and deviceOut
  // forget it, so it never outlives the values it was measured on. Every rank makes and changes
  // its volumes at the same steps, so the ranks measure (a collective) at the same calls.
  struct Range {
    double min = 0, max = 0;
  };
  std::optional<Range> intensityRange;

 private:
  DeviceArray<unsigned char> array_;
};

inline CudaBlock* blockOf(const DeviceCopy& copy) {
  auto* block = dynamic_cast<CudaBlock*>(copy.get());
  if (copy && !block) fail(ExitCode::Internal, "a volume's device copy belongs to another backend");
  return block;
}

template <class T>
const T* deviceIn(const Volume<T>& v, const char* what) {
  const size_t bytes = size_t(v.voxels()) * sizeof(T);
  if (CudaBlock* b = blockOf(v.device); b && b->bytes() == bytes) return static_cast<const T*>(b->data());
  if (!v.onHost()) fail(ExitCode::Internal, std::string(what) + ": a volume has no values (neither host nor device)");
  auto block = std::make_unique<CudaBlock>(bytes, what);
  check(cudaMemcpyAsync(block->data(), v.data.data(), bytes, cudaMemcpyHostToDevice, cudaStreamPerThread),
        std::string("upload for ") + what + " (" + std::to_string(bytes) + " bytes)");
  // The host buffer must stay unchanged until the copy ran; inputs are not modified meanwhile, but a
  // synchronisation here keeps the rule simple (uploads happen once per volume).
  check(cudaStreamSynchronize(cudaStreamPerThread), std::string("upload for ") + what);
  const T* p = static_cast<const T*>(block->data());
  v.device.reset(std::move(block));
  return p;
}

template <class T>
T* deviceInOut(Volume<T>& v, const char* what) {
  T* p = const_cast<T*>(deviceIn(v, what));
  blockOf(v.device)->intensityRange.reset();
  v.data.clear();
  v.data.shrink_to_fit();
  return p;
}

template <class T>
T* deviceOut(Volume<T>& v, const Grid& grid, const char* what) {
  const size_t bytes = size_t(grid.voxels()) * sizeof(T);
  v.grid = grid;
  v.data.clear();
  v.data.shrink_to_fit();
  CudaBlock* b = blockOf(v.device);
  if (!b || b->bytes() != bytes) {
    v.device.reset(std::make_unique<CudaBlock>(bytes, what));
    b = blockOf(v.device);
  }
  b->intensityRange.reset();
  return static_cast<T*>(b->data());
}

// `block` (made from v's values, by work queued on cudaStreamPerThread) becomes v's values; the old
// device copy is freed in stream order, after that work, and the host copy is dropped as stale.
template <class T>
void adoptDeviceCopy(Volume<T>& v, std::unique_ptr<CudaBlock> block) {
  if (!block || block->bytes() != size_t(v.voxels()) * sizeof(T))
    fail(ExitCode::Internal, "adoptDeviceCopy: a device buffer of the wrong size");
  v.data.clear();
  v.data.shrink_to_fit();
  v.device.reset(std::move(block));
}

template <class T>
void downloadToHost(Volume<T>& v, const char* what) {
  if (v.onHost()) return;
  CudaBlock* b = blockOf(v.device);
  if (!b) fail(ExitCode::Internal, std::string(what) + ": a volume has no values (neither host nor device)");
  v.data.resize(size_t(v.voxels()));
  check(cudaMemcpyAsync(v.data.data(), b->data(), b->bytes(), cudaMemcpyDeviceToHost, cudaStreamPerThread),
        std::string("download of ") + what + " (" + std::to_string(b->bytes()) + " bytes)");
  check(cudaStreamSynchronize(cudaStreamPerThread), std::string("download of ") + what);
}

}  // namespace ffdp::cuda
