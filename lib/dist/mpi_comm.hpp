// Comm over MPI for host buffers (one rank per process, launched by mpirun or srun).
// Only compiled when CMake found MPI (FFDP_HAVE_MPI); use makeComm() (dist/make_comm.hpp) to get
// the right Comm without knowing how the program was built or launched.
#pragma once
#ifdef FFDP_HAVE_MPI
#include <mpi.h>

#include <cstdint>

#include "dist/comm.hpp"

namespace ffdp {

class MpiComm final : public Comm {
 public:
  // Largest single MPI message: MPI counts are `int`, and a z-slice of a gigavoxel vector field
  // exceeds 2^31 bytes, so larger transfers go out as several messages of at most this size.
  static constexpr std::size_t kMaxMessageBytes = std::size_t(1) << 30;
  // Reductions gather at most this many doubles per rank per call (the engine reduces a few
  // doubles up to 64K; longer arrays are reduced in pieces of this length).
  static constexpr std::size_t kReduceChunk = std::size_t(1) << 16;

  // Works on a private duplicate of MPI_COMM_WORLD whose errors return instead of killing the
  // process, so every call can be checked and named. MPI must be initialised (MpiSession).
  // maxMessageBytes below kMaxMessageBytes is for tests of the chunked transfers.
  explicit MpiComm(std::size_t maxMessageBytes = kMaxMessageBytes);
  ~MpiComm() override;
  MpiComm(const MpiComm&) = delete;
  MpiComm& operator=(const MpiComm&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  // Deterministic: gathered to rank 0, combined in rank order, broadcast. Same bits on every rank
  // and, for a given rank count, on every run (MPI_Allreduce does not promise a fixed order).
  void allreduceSum(double* values, std::size_t count) override;
  // NaN on any rank gives NaN (a NaN metric must not vanish in a reduction).
  void allreduceMax(double* values, std::size_t count) override;
  void allreduceMin(double* values, std::size_t count) override;
  // Prints "ffdp-register: error (rank r of n): message" once and calls MPI_Abort, which makes
  // the launcher stop every rank with a non-zero status.
  [[noreturn]] void abort(const std::string& message, int exitCode) override;
  void exchangeHalo(const HaloTransfer& transfer) override;
  // MPI_Bcast in pieces of at most maxMessageBytes.
  void broadcastBytes(void* data, std::size_t bytes, int root) override;
  // MPI_Irecv / MPI_Isend with every peer at once, each transfer in pieces of at most maxMessageBytes
  // (MPI_Alltoallv counts are `int`); the copy to itself is a memcpy.
  void exchangeAll(const std::vector<PeerBytes>& peers) override;

 private:
  enum class Combine { Sum, Max, Min };
  void reduceInRankOrder(double* values, std::size_t count, Combine combine, const char* name);
  void check(int code, const char* call, const std::string& detail) const;

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  std::size_t maxMessageBytes_;
};

}  // namespace ffdp
#endif  // FFDP_HAVE_MPI
