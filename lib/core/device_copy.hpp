// A volume's copy in accelerator memory, owned by the volume and managed by a GPU backend. lib/core
// knows only this interface, so it never depends on CUDA; cuda/ implements DeviceBlock.
//
// Value semantics: copying a volume copies its device memory too (DeviceBlock::clone), so two
// volumes never share voxels and an in-place operation on one cannot change the other.
#pragma once
#include <cstddef>
#include <memory>

namespace ffdp {

class DeviceBlock {
 public:
  virtual ~DeviceBlock() = default;
  virtual std::unique_ptr<DeviceBlock> clone() const = 0;
  virtual size_t bytes() const = 0;
};

class DeviceCopy {
 public:
  DeviceCopy() = default;
  DeviceCopy(const DeviceCopy& other) : block_(other.block_ ? other.block_->clone() : nullptr) {}
  DeviceCopy& operator=(const DeviceCopy& other) {
    if (this != &other) block_ = other.block_ ? other.block_->clone() : nullptr;
    return *this;
  }
  DeviceCopy(DeviceCopy&&) noexcept = default;
  DeviceCopy& operator=(DeviceCopy&&) noexcept = default;

  explicit operator bool() const { return block_ != nullptr; }
  DeviceBlock* get() const { return block_.get(); }
  void reset(std::unique_ptr<DeviceBlock> block = nullptr) { block_ = std::move(block); }

 private:
  std::unique_ptr<DeviceBlock> block_;
};

}  // namespace ffdp
