// Communication between the ranks that share one registration. The engine and the backends
// reduce every global quantity through this interface, so a run gives the same answer on any
// number of ranks. SelfComm is the single-rank implementation, MpiComm (dist/mpi_comm.hpp) the
// MPI one; a NCCL one for device buffers comes later.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace ffdp {

// One step of a z-slab halo exchange on host bytes between a rank and its neighbours: "below" is
// rank - 1, "above" is rank + 1. A byte count of 0 skips that transfer. The counts pair up across
// ranks (this rank's sendAboveBytes == rank + 1's recvBelowBytes); counts may exceed 2^31.
// dist/slab_halo.hpp plans the steps; this struct only carries buffers.
struct HaloTransfer {
  const void* sendBelow = nullptr;
  std::size_t sendBelowBytes = 0;
  void* recvBelow = nullptr;
  std::size_t recvBelowBytes = 0;
  const void* sendAbove = nullptr;
  std::size_t sendAboveBytes = 0;
  void* recvAbove = nullptr;
  std::size_t recvAboveBytes = 0;
};

class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // In-place element-wise sums / maxima / minima of host arrays, identical on every rank.
  virtual void allreduceSum(double* values, std::size_t count) = 0;
  virtual void allreduceMax(double* values, std::size_t count) = 0;
  virtual void allreduceMin(double* values, std::size_t count) = 0;
  // Stop every rank with this message (a failing rank must not leave the others hanging).
  [[noreturn]] virtual void abort(const std::string& message, int exitCode) = 0;
  // Sends and receives the four buffers of `transfer` with the neighbouring ranks (all four at
  // once, so no ordering between ranks can deadlock). Every rank of the slab chain calls it.
  virtual void exchangeHalo(const HaloTransfer& transfer) = 0;
  // Copies `bytes` bytes from rank `root`'s buffer into every other rank's (any size; chunked).
  virtual void broadcastBytes(void* data, std::size_t bytes, int root) = 0;
};

class SelfComm final : public Comm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduceSum(double*, std::size_t) override {}
  void allreduceMax(double*, std::size_t) override {}
  void allreduceMin(double*, std::size_t) override {}
  [[noreturn]] void abort(const std::string& message, int exitCode) override;
  // A single rank has no neighbours: a no-op when every count is 0, an error otherwise.
  void exchangeHalo(const HaloTransfer& transfer) override;
  void broadcastBytes(void*, std::size_t, int root) override;  // root must be 0
};

}  // namespace ffdp
