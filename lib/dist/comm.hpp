// Communication between the ranks that share one registration. The engine and the backends
// reduce every global quantity through this interface, so a run gives the same answer on any
// number of ranks. SelfComm is the single-rank implementation, MpiComm (dist/mpi_comm.hpp) the
// MPI one; a NCCL one for device buffers comes later.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

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

// One peer's share of a variable all-to-all (Comm::exchangeAll), host bytes: what this rank sends to
// the peer and where what the peer sends to this rank lands. A byte count of 0 skips that direction.
// The counts pair up across ranks (this rank's sendBytes to p == p's recvBytes from this rank) and
// may exceed 2^31. The entry for this rank itself is a local copy (sendBytes == recvBytes).
struct PeerBytes {
  const void* send = nullptr;
  std::size_t sendBytes = 0;
  void* recv = nullptr;
  std::size_t recvBytes = 0;
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
  // Variable all-to-all: `peers` has one entry per rank (index = peer rank); every transfer of every
  // pair runs at once, so no ordering between ranks can deadlock. Every rank calls it together (with
  // zero counts where it has nothing to move). Fetching the moving image's z-range from the ranks
  // that own it (ops/moving_window_cache.hpp) needs it. Not pure so that communicators written
  // before it (a device communicator that forwards the host methods) still compile: the default
  // throws Error(Internal) naming the method.
  virtual void exchangeAll(const std::vector<PeerBytes>& peers);
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
  // Only the copy to itself (peers[0]).
  void exchangeAll(const std::vector<PeerBytes>& peers) override;
};

}  // namespace ffdp
