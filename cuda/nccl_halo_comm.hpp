// A Comm whose halo exchange moves DEVICE memory straight between the ranks' GPUs with NCCL
// (ncclSend / ncclRecv with rank - 1 and rank + 1, fused in one group per step), so that
// dist/slab_halo.hpp's exchangeHaloBytes refreshes a device slab buffer with no host staging and
// no host synchronisation. Everything else (rank, size, reductions, broadcast, abort) is the host
// Comm it was built on: those carry host buffers and stay on MPI.
//
// Ordering without host waits: an exchange runs on a stream of its own that first waits (event)
// for the work already queued on the calling thread's cudaStreamPerThread, and that stream in turn
// waits for the exchange, so the kernels before and after it see the slab buffers in order. (NCCL
// is not handed cudaStreamPerThread itself: that handle names the stream of whichever thread
// launches, and NCCL may launch from a thread of its own.)
//
// One rank per GPU: NCCL refuses two ranks of one communicator on one GPU (threads sharing a GPU
// in the slab tests, oversubscribed mpirun); sharedGpuConflict tells the caller beforehand.
// Plain header (no CUDA or NCCL types): g++ code and tests include it.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "dist/comm.hpp"
#include "ops/backend.hpp"  // DeviceTraffic

namespace ffdp::cuda {

class NcclHaloComm final : public Comm {
 public:
  // Largest single ncclSend / ncclRecv: byte counts are size_t and a halo of a gigavoxel field
  // exceeds 2^31 bytes; pieces of at most this size keep every count well inside any limit.
  static constexpr std::size_t kMaxChunkBytes = std::size_t(1) << 30;

  // A collective over `host` (every rank constructs it at the same point): rank 0 makes the NCCL id,
  // host.broadcastBytes hands it out, every rank joins on GPU `device` (made current here). Keeps
  // NVLink multicast (NVLS) off unless NCCL_NVLS_ENABLE says otherwise. `maxChunkBytes` below
  // kMaxChunkBytes is for tests of the split transfers. Throws Error(Resource / Internal) naming
  // the NCCL or CUDA call, the rank and the GPU.
  NcclHaloComm(Comm& host, int device, std::size_t maxChunkBytes = kMaxChunkBytes);
  // ncclCommFinalize + ncclCommDestroy (every rank at the same point). While an exception unwinds,
  // nothing: NCCL's teardown waits for peers that may never come, and the error ends the job anyway.
  ~NcclHaloComm() override;
  NcclHaloComm(const NcclHaloComm&) = delete;
  NcclHaloComm& operator=(const NcclHaloComm&) = delete;

  int rank() const override { return host_.rank(); }
  int size() const override { return host_.size(); }
  void allreduceSum(double* values, std::size_t count) override { host_.allreduceSum(values, count); }
  void allreduceMax(double* values, std::size_t count) override { host_.allreduceMax(values, count); }
  void allreduceMin(double* values, std::size_t count) override { host_.allreduceMin(values, count); }
  [[noreturn]] void abort(const std::string& message, int exitCode) override;
  void broadcastBytes(void* data, std::size_t bytes, int root) override { host_.broadcastBytes(data, bytes, root); }
  // Host buffers, as on the host Comm (the moving image's z-range fetch runs on the host).
  void exchangeAll(const std::vector<PeerBytes>& peers) override { host_.exchangeAll(peers); }
  // The four buffers of `transfer` are DEVICE pointers on this communicator's GPU. Queued, not
  // finished, when it returns (see the top); the calling thread's current GPU must be that GPU.
  void exchangeHalo(const HaloTransfer& transfer) override;

  // Bytes sent and exchanges so far, and the device seconds they took (timed with a CUDA event
  // pair around each exchange; reading them waits for the exchanges queued so far).
  DeviceTraffic traffic() const;
  int device() const;

 private:
  void connectNeighbours();  // a one-byte exchange with both neighbours (the constructor's last step)
  struct Nccl;  // the NCCL communicator, the exchange stream and the timing events
  Comm& host_;
  std::unique_ptr<Nccl> nccl_;
};

// "" when every rank of `comm` drives its own GPU, else a sentence naming two ranks that share one
// (GPUs compared by UUID, so ranks on different machines or with their own CUDA_VISIBLE_DEVICES
// compare right). A collective: every rank calls it, and every rank gets the same answer.
std::string sharedGpuConflict(Comm& comm, int device);

}  // namespace ffdp::cuda
