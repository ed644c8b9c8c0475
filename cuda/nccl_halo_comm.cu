// NCCL halo exchange between the ranks' GPUs (nccl_halo_comm.hpp). Every NCCL and CUDA call is
// checked; a failure names the call, this rank, the peer and the byte count.
#include <cuda_runtime.h>
#include <nccl.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <vector>

#include "cuda_check.cuh"
#include "device_array.cuh"
#include "nccl_halo_comm.hpp"

namespace ffdp::cuda {
namespace {

// NCCL's own words for a failure: the code's text and, when NCCL recorded one, its last message.
std::string ncclText(ncclResult_t status) {
  std::string text = ncclGetErrorString(status);
  const char* last = ncclGetLastError(nullptr);  // the argument is unused by NCCL
  if (last && *last) text += " (" + std::string(last) + ")";
  return text;
}

// System and remote errors (a network or peer problem, a missing library) are resources the user
// can look at; the rest means our calls were wrong.
void checkNccl(ncclResult_t status, const std::string& what) {
  if (status == ncclSuccess) return;
  const ExitCode code =
      status == ncclSystemError || status == ncclRemoteError ? ExitCode::Resource : ExitCode::Internal;
  fail(code, "NCCL: " + what + ": " + ncclText(status));
}

std::string rankText(int rank, int size, int device) {
  return "rank " + std::to_string(rank) + " of " + std::to_string(size) + ", GPU " + std::to_string(device);
}

}  // namespace

struct NcclHaloComm::Nccl {
  // Timing events awaiting their reading; past this many, the oldest half is read (they are long
  // done by then), so the list stays short however many exchanges a run makes.
  static constexpr std::size_t kMaxPending = 512;
  struct Timing {
    cudaEvent_t start = nullptr, stop = nullptr;
  };

  int device = 0;
  int rank = 0, size = 1;
  std::size_t maxChunkBytes = kMaxChunkBytes;
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;  // the exchanges' stream (see the header)
  cudaEvent_t queued = nullptr;   // "the calling thread's work so far", recorded before each exchange
  std::deque<Timing> pending;     // exchanges not yet read
  std::vector<Timing> spare;      // read pairs, reused
  uint64_t bytesSent = 0;
  int64_t exchanges = 0;
  double seconds = 0;  // of the pairs read so far

  std::string where() const { return rankText(rank, size, device); }

  Timing takeTiming() {
    if (!spare.empty()) {
      Timing t = spare.back();
      spare.pop_back();
      return t;
    }
    Timing t;
    check(cudaEventCreate(&t.start), "creating a timing event for the NCCL halo exchange (" + where() + ")");
    if (cudaError_t status = cudaEventCreate(&t.stop); status != cudaSuccess) {
      cudaEventDestroy(t.start);
      check(status, "creating a timing event for the NCCL halo exchange (" + where() + ")");
    }
    return t;
  }

  // Adds the device time of the `count` oldest exchanges (waiting for them when still running).
  void readOldest(std::size_t count) {
    for (; count > 0 && !pending.empty(); --count) {
      const Timing t = pending.front();
      check(cudaEventSynchronize(t.stop), "waiting for an NCCL halo exchange to finish (" + where() + ")");
      float ms = 0;
      check(cudaEventElapsedTime(&ms, t.start, t.stop), "timing an NCCL halo exchange (" + where() + ")");
      seconds += double(ms) * 1e-3;
      pending.pop_front();
      spare.push_back(t);
    }
    // A peer that failed while we were not looking shows up here (a blocking communicator reports
    // most failures from the calls themselves).
    ncclResult_t async = ncclSuccess;
    checkNccl(ncclCommGetAsyncError(comm, &async), "ncclCommGetAsyncError (" + where() + ")");
    checkNccl(async, "an NCCL halo exchange failed on the device (" + where() + ")");
  }

  ~Nccl() {
    // Nothing here may throw. While an exception unwinds, this rank failed and its peers may sit in
    // a collective waiting for it: recent NCCL's ncclCommAbort and ncclCommDestroy synchronise with
    // the peers on one machine and could hang here, before the error reaches runOrAbort's MPI_Abort,
    // which stops every rank. So the communicator, its stream and events are left to the process's
    // end. A normal end (every rank destroys its backend at the same point): finalize (flushes with
    // the peers), then destroy.
    if (std::uncaught_exceptions() > 0) return;
    if (stream) cudaStreamSynchronize(stream);
    if (comm && ncclCommFinalize(comm) == ncclSuccess) ncclCommDestroy(comm);
    for (const Timing& t : pending) cudaEventDestroy(t.start), cudaEventDestroy(t.stop);
    for (const Timing& t : spare) cudaEventDestroy(t.start), cudaEventDestroy(t.stop);
    if (queued) cudaEventDestroy(queued);
    if (stream) cudaStreamDestroy(stream);
  }
};

NcclHaloComm::NcclHaloComm(Comm& host, int device, std::size_t maxChunkBytes)
    : host_(host), nccl_(std::make_unique<Nccl>()) {
  Nccl& n = *nccl_;
  n.device = device;
  n.rank = host.rank();
  n.size = host.size();
  if (maxChunkBytes == 0 || maxChunkBytes > kMaxChunkBytes)
    fail(ExitCode::Internal, "NcclHaloComm: maxChunkBytes " + std::to_string(maxChunkBytes) + " outside 1.." +
                                 std::to_string(kMaxChunkBytes));
  n.maxChunkBytes = maxChunkBytes;
  // NVLink SHARP (multicast objects) stays off: a halo exchange is point to point and gains nothing,
  // and multicast setup has failed on shared machines. An explicit NCCL_NVLS_ENABLE still wins.
  setenv("NCCL_NVLS_ENABLE", "0", 0);
  check(cudaSetDevice(device), "selecting GPU " + std::to_string(device) + " for NCCL (" + n.where() + ")");

  ncclUniqueId id;
  std::memset(&id, 0, sizeof id);
  if (n.rank == 0) checkNccl(ncclGetUniqueId(&id), "ncclGetUniqueId (" + n.where() + ")");
  host.broadcastBytes(&id, sizeof id, 0);
  checkNccl(ncclCommInitRank(&n.comm, n.size, id, n.rank), "ncclCommInitRank (" + n.where() + ")");

  check(cudaStreamCreateWithFlags(&n.stream, cudaStreamNonBlocking),
        "creating the NCCL halo exchange stream (" + n.where() + ")");
  check(cudaEventCreateWithFlags(&n.queued, cudaEventDisableTiming),
        "creating the NCCL halo exchange ordering event (" + n.where() + ")");
  connectNeighbours();
}

// NCCL connects two ranks on their first send/recv: about 0.5 s for 4 H200s, which used to land in
// the first pyramid level's halo exchange. One byte each way with both neighbours, here, moves that
// into set-up, where the caller times it with the communicator's creation. Not counted as traffic.
void NcclHaloComm::connectNeighbours() {
  Nccl& n = *nccl_;
  if (n.size < 2) return;
  DeviceArray<unsigned char> bytes(4, "NCCL connection test bytes");  // allocated in cudaStreamPerThread's order
  check(cudaMemsetAsync(bytes.data(), 0, bytes.bytes(), cudaStreamPerThread), "clearing the NCCL connection test bytes");
  check(cudaStreamSynchronize(cudaStreamPerThread), "clearing the NCCL connection test bytes");
  std::string failure;
  const auto post = [&](ncclResult_t status, const char* call, int peer) {
    if (status != ncclSuccess && failure.empty())
      failure = std::string(call) + " with rank " + std::to_string(peer) + " (" + n.where() + "): " + ncclText(status);
  };
  checkNccl(ncclGroupStart(), "ncclGroupStart to connect the neighbours (" + n.where() + ")");
  if (n.rank > 0) {
    post(ncclRecv(bytes.data() + 0, 1, ncclUint8, n.rank - 1, n.comm, n.stream), "ncclRecv", n.rank - 1);
    post(ncclSend(bytes.data() + 2, 1, ncclUint8, n.rank - 1, n.comm, n.stream), "ncclSend", n.rank - 1);
  }
  if (n.rank + 1 < n.size) {
    post(ncclRecv(bytes.data() + 1, 1, ncclUint8, n.rank + 1, n.comm, n.stream), "ncclRecv", n.rank + 1);
    post(ncclSend(bytes.data() + 3, 1, ncclUint8, n.rank + 1, n.comm, n.stream), "ncclSend", n.rank + 1);
  }
  const ncclResult_t ended = ncclGroupEnd();
  if (!failure.empty()) fail(ExitCode::Internal, "NCCL: connecting the neighbours: " + failure);
  checkNccl(ended, "ncclGroupEnd to connect the neighbours (" + n.where() + ")");
  check(cudaStreamSynchronize(n.stream), "waiting for the NCCL neighbour connection (" + n.where() + ")");
}

NcclHaloComm::~NcclHaloComm() = default;

int NcclHaloComm::device() const { return nccl_->device; }

void NcclHaloComm::abort(const std::string& message, int exitCode) {
  host_.abort(message, exitCode);
  std::_Exit(exitCode == 0 ? 1 : exitCode);  // the host Comm's abort does not return; never go on if it did
}

void NcclHaloComm::exchangeHalo(const HaloTransfer& t) {
  Nccl& n = *nccl_;
  const bool hasBelow = n.rank > 0, hasAbove = n.rank + 1 < n.size;
  if ((!hasBelow && (t.sendBelowBytes || t.recvBelowBytes)) || (!hasAbove && (t.sendAboveBytes || t.recvAboveBytes)))
    fail(ExitCode::Internal, "NcclHaloComm::exchangeHalo: " + n.where() + " asked to exchange with a neighbour it does not have");
  const std::size_t sent = t.sendBelowBytes + t.sendAboveBytes;
  if (sent + t.recvBelowBytes + t.recvAboveBytes == 0) return;  // nothing to move this step

  int current = -1;
  check(cudaGetDevice(&current), "querying the current GPU before an NCCL halo exchange (" + n.where() + ")");
  if (current != n.device)
    fail(ExitCode::Internal, "NcclHaloComm::exchangeHalo: the calling thread's current GPU is " +
                                 std::to_string(current) + ", the communicator's is " + std::to_string(n.device));

  const std::string sizes = "below send/recv " + std::to_string(t.sendBelowBytes) + "/" +
                            std::to_string(t.recvBelowBytes) + " bytes, above send/recv " +
                            std::to_string(t.sendAboveBytes) + "/" + std::to_string(t.recvAboveBytes) + " bytes, " +
                            n.where();
  // The exchange starts after the work queued so far on this thread's stream (it wrote the slices).
  check(cudaEventRecord(n.queued, cudaStreamPerThread), "ordering an NCCL halo exchange after queued work (" + sizes + ")");
  check(cudaStreamWaitEvent(n.stream, n.queued, 0), "ordering an NCCL halo exchange after queued work (" + sizes + ")");
  const Nccl::Timing timing = n.takeTiming();
  check(cudaEventRecord(timing.start, n.stream), "timing an NCCL halo exchange (" + sizes + ")");

  // Pieces between one pair of ranks in one direction match in the order they are posted; both
  // sides cut a transfer at the same offsets because the byte counts pair up (dist/slab_halo.hpp).
  std::string failure;  // the first failing call; the group is closed before it is reported
  auto post = [&](const void* buffer, std::size_t bytes, int peer, bool isSend) {
    for (std::size_t offset = 0; offset < bytes && failure.empty(); offset += n.maxChunkBytes) {
      const std::size_t count = std::min(n.maxChunkBytes, bytes - offset);
      char* at = static_cast<char*>(const_cast<void*>(buffer)) + offset;
      const ncclResult_t status = isSend ? ncclSend(at, count, ncclUint8, peer, n.comm, n.stream)
                                         : ncclRecv(at, count, ncclUint8, peer, n.comm, n.stream);
      if (status != ncclSuccess)
        failure = std::string(isSend ? "ncclSend of " : "ncclRecv of ") + std::to_string(count) + " bytes at offset " +
                  std::to_string(offset) + " of " + std::to_string(bytes) + (isSend ? " to rank " : " from rank ") +
                  std::to_string(peer) + " (" + sizes + "): " + ncclText(status);
    }
  };
  checkNccl(ncclGroupStart(), "ncclGroupStart for a halo exchange (" + sizes + ")");
  post(t.recvBelow, t.recvBelowBytes, n.rank - 1, false);
  post(t.recvAbove, t.recvAboveBytes, n.rank + 1, false);
  post(t.sendBelow, t.sendBelowBytes, n.rank - 1, true);
  post(t.sendAbove, t.sendAboveBytes, n.rank + 1, true);
  const ncclResult_t ended = ncclGroupEnd();  // always: an open group would swallow later calls
  if (!failure.empty()) fail(ExitCode::Internal, "NCCL: " + failure);
  checkNccl(ended, "ncclGroupEnd of a halo exchange (" + sizes + ")");

  check(cudaEventRecord(timing.stop, n.stream), "timing an NCCL halo exchange (" + sizes + ")");
  // The calling thread's later work (kernels reading the halo, frees of the buffers) waits for it.
  check(cudaStreamWaitEvent(cudaStreamPerThread, timing.stop, 0),
        "ordering queued work after an NCCL halo exchange (" + sizes + ")");
  n.pending.push_back(timing);
  n.bytesSent += sent;
  ++n.exchanges;
  if (n.pending.size() >= Nccl::kMaxPending) n.readOldest(Nccl::kMaxPending / 2);
}

DeviceTraffic NcclHaloComm::traffic() const {
  Nccl& n = *nccl_;
  n.readOldest(n.pending.size());
  DeviceTraffic out;
  out.bytesSent = n.bytesSent;
  out.exchanges = n.exchanges;
  out.seconds = n.seconds;
  return out;
}

std::string sharedGpuConflict(Comm& comm, int device) {
  const int size = comm.size(), rank = comm.rank();
  cudaDeviceProp prop;
  check(cudaGetDeviceProperties(&prop, device), "reading the UUID of GPU " + std::to_string(device));
  // Each rank writes its 16-byte UUID as four 32-bit numbers into its own slots; a sum with the
  // other ranks' zeros is exact in doubles, so every rank ends up with every UUID. An allreduce
  // rather than a broadcast: every Comm has one (the test ThreadComm has no broadcast).
  constexpr int kWords = 4;
  std::vector<double> ids(std::size_t(size) * kWords, 0.0);
  for (int w = 0; w < kWords; ++w) {
    uint32_t word = 0;
    std::memcpy(&word, prop.uuid.bytes + 4 * w, sizeof word);
    ids[std::size_t(rank) * kWords + w] = double(word);
  }
  comm.allreduceSum(ids.data(), ids.size());
  for (int a = 0; a < size; ++a)
    for (int b = a + 1; b < size; ++b)
      if (std::equal(ids.begin() + a * kWords, ids.begin() + (a + 1) * kWords, ids.begin() + b * kWords)) {
        char uuid[40];
        const double* id = ids.data() + std::size_t(a) * kWords;
        std::snprintf(uuid, sizeof uuid, "%08x%08x%08x%08x", unsigned(id[0]), unsigned(id[1]), unsigned(id[2]),
                      unsigned(id[3]));
        return "ranks " + std::to_string(a) + " and " + std::to_string(b) + " share one GPU (UUID words " + uuid +
               ")";
      }
  return "";
}

}  // namespace ffdp::cuda
