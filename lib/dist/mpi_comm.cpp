#ifdef FFDP_HAVE_MPI
#include "dist/mpi_comm.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/error.hpp"
#include "dist/exchange_all_check.hpp"

namespace ffdp {
namespace {

// Tags name the direction a message travels, so a rank's message to rank - 1 never matches one
// to rank + 1. Chunks between one pair in one direction match in order (MPI never overtakes).
constexpr int kTagTowardBelow = 7101;
constexpr int kTagTowardAbove = 7102;
// The all-to-all has its own tag: its chunks never match a halo message.
constexpr int kTagExchangeAll = 7103;

std::string mpiErrorText(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<std::size_t>(length));
}

double combineTwo(double a, double b, bool max) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return max ? (b > a ? b : a) : (b < a ? b : a);
}

}  // namespace

MpiComm::MpiComm(std::size_t maxMessageBytes) : maxMessageBytes_(maxMessageBytes) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) fail(ExitCode::Internal, "MpiComm: MPI is not initialised (create an MpiSession first)");
  if (maxMessageBytes_ == 0 || maxMessageBytes_ > kMaxMessageBytes) {
    fail(ExitCode::Internal, "MpiComm: maxMessageBytes " + std::to_string(maxMessageBytes) + " outside 1.." +
                                 std::to_string(kMaxMessageBytes));
  }
  // World's handler is fatal by default; ours returns codes so each failure names its call.
  int code = MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
  if (code != MPI_SUCCESS) fail(ExitCode::Resource, "MPI_Comm_dup(MPI_COMM_WORLD) failed: " + mpiErrorText(code));
  check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler", "MPI_ERRORS_RETURN");
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank", "");
  check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size", "");
}

MpiComm::~MpiComm() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (!finalised && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);  // nothing to report from a destructor
}

void MpiComm::check(int code, const char* call, const std::string& detail) const {
  if (code == MPI_SUCCESS) return;
  fail(ExitCode::Resource, std::string(call) + " failed on rank " + std::to_string(rank_) + " of " +
                               std::to_string(size_) + (detail.empty() ? "" : " (" + detail + ")") + ": " +
                               mpiErrorText(code));
}

void MpiComm::reduceInRankOrder(double* values, std::size_t count, Combine combine, const char* name) {
  std::vector<double> gathered;
  if (rank_ == 0) gathered.resize(std::min(count, kReduceChunk) * static_cast<std::size_t>(size_));
  for (std::size_t start = 0; start < count; start += kReduceChunk) {
    const std::size_t n = std::min(kReduceChunk, count - start);
    const int ni = static_cast<int>(n);  // <= kReduceChunk, and kReduceChunk * size fits the root buffer
    double* part = values + start;
    const std::string detail = std::string(name) + ", " + std::to_string(n) + " doubles of " + std::to_string(count);
    check(MPI_Gather(part, ni, MPI_DOUBLE, gathered.data(), ni, MPI_DOUBLE, 0, comm_), "MPI_Gather", detail);
    if (rank_ == 0) {
      // Rank order, left to right: ((v0 + v1) + v2) + ... gives one answer for one rank count.
      for (std::size_t i = 0; i < n; ++i) {
        double acc = gathered[i];
        for (int r = 1; r < size_; ++r) {
          const double v = gathered[static_cast<std::size_t>(r) * n + i];
          acc = combine == Combine::Sum ? acc + v : combineTwo(acc, v, combine == Combine::Max);
        }
        part[i] = acc;
      }
    }
    check(MPI_Bcast(part, ni, MPI_DOUBLE, 0, comm_), "MPI_Bcast", detail);
  }
}

void MpiComm::allreduceSum(double* values, std::size_t count) {
  reduceInRankOrder(values, count, Combine::Sum, "allreduceSum");
}
void MpiComm::allreduceMax(double* values, std::size_t count) {
  reduceInRankOrder(values, count, Combine::Max, "allreduceMax");
}
void MpiComm::allreduceMin(double* values, std::size_t count) {
  reduceInRankOrder(values, count, Combine::Min, "allreduceMin");
}

void MpiComm::abort(const std::string& message, int exitCode) {
  std::fprintf(stderr, "ffdp-register: error (rank %d of %d): %s\n", rank_, size_, message.c_str());
  std::fflush(stderr);
  // World, not our duplicate: every process of the job must stop.
  MPI_Abort(MPI_COMM_WORLD, exitCode == 0 ? 1 : exitCode);
  std::_Exit(exitCode == 0 ? 1 : exitCode);  // MPI_Abort should not return; never continue if it does
}

void MpiComm::exchangeHalo(const HaloTransfer& t) {
  const bool hasBelow = rank_ > 0, hasAbove = rank_ + 1 < size_;
  if ((!hasBelow && (t.sendBelowBytes || t.recvBelowBytes)) || (!hasAbove && (t.sendAboveBytes || t.recvAboveBytes))) {
    fail(ExitCode::Internal, "MpiComm::exchangeHalo: rank " + std::to_string(rank_) + " of " + std::to_string(size_) +
                                 " asked to exchange with a neighbour it does not have");
  }
  struct Piece {
    char* recv;
    int bytes;
  };
  std::vector<MPI_Request> requests;
  std::vector<Piece> receives;  // receives first in `requests`, so their statuses line up
  auto post = [&](const void* buffer, std::size_t bytes, int peer, int tag, bool isSend) {
    for (std::size_t offset = 0; offset < bytes; offset += maxMessageBytes_) {
      const int n = static_cast<int>(std::min(maxMessageBytes_, bytes - offset));
      MPI_Request request;
      const std::string detail = std::to_string(n) + " bytes at offset " + std::to_string(offset) + " of " +
                                 std::to_string(bytes) + (isSend ? " to rank " : " from rank ") + std::to_string(peer);
      if (isSend) {
        check(MPI_Isend(static_cast<const char*>(buffer) + offset, n, MPI_BYTE, peer, tag, comm_, &request),
              "MPI_Isend", detail);
      } else {
        char* at = static_cast<char*>(const_cast<void*>(buffer)) + offset;
        check(MPI_Irecv(at, n, MPI_BYTE, peer, tag, comm_, &request), "MPI_Irecv", detail);
        receives.push_back({at, n});
      }
      requests.push_back(request);
    }
  };
  // What rank - 1 sends us travels "toward above", what rank + 1 sends us travels "toward below".
  post(t.recvBelow, t.recvBelowBytes, rank_ - 1, kTagTowardAbove, false);
  post(t.recvAbove, t.recvAboveBytes, rank_ + 1, kTagTowardBelow, false);
  post(t.sendBelow, t.sendBelowBytes, rank_ - 1, kTagTowardBelow, true);
  post(t.sendAbove, t.sendAboveBytes, rank_ + 1, kTagTowardAbove, true);
  if (requests.empty()) return;

  std::vector<MPI_Status> statuses(requests.size());
  const std::string sizes = "below send/recv " + std::to_string(t.sendBelowBytes) + "/" +
                            std::to_string(t.recvBelowBytes) + " bytes, above send/recv " +
                            std::to_string(t.sendAboveBytes) + "/" + std::to_string(t.recvAboveBytes) + " bytes";
  const int code = MPI_Waitall(static_cast<int>(requests.size()), requests.data(), statuses.data());
  if (code == MPI_ERR_IN_STATUS) {
    for (const MPI_Status& s : statuses) check(s.MPI_ERROR, "MPI_Waitall (halo exchange)", sizes);
  }
  check(code, "MPI_Waitall (halo exchange)", sizes);
  // A neighbour that sent fewer bytes than we expected means the two plans disagree: a bug that
  // would otherwise leave stale halo values behind.
  for (std::size_t i = 0; i < receives.size(); ++i) {
    int got = 0;
    check(MPI_Get_count(&statuses[i], MPI_BYTE, &got), "MPI_Get_count", sizes);
    if (got != receives[i].bytes) {
      fail(ExitCode::Internal, "MpiComm::exchangeHalo: rank " + std::to_string(rank_) + " received " +
                                   std::to_string(got) + " bytes where " + std::to_string(receives[i].bytes) +
                                   " were expected (" + sizes + ")");
    }
  }
}

void MpiComm::broadcastBytes(void* data, std::size_t bytes, int root) {
  if (root < 0 || root >= size_)
    fail(ExitCode::Internal, "MpiComm::broadcastBytes: root " + std::to_string(root) + " of " + std::to_string(size_));
  for (std::size_t offset = 0; offset < bytes; offset += maxMessageBytes_) {
    const int n = static_cast<int>(std::min(maxMessageBytes_, bytes - offset));
    check(MPI_Bcast(static_cast<char*>(data) + offset, n, MPI_BYTE, root, comm_), "MPI_Bcast",
          std::to_string(n) + " bytes at offset " + std::to_string(offset) + " of " + std::to_string(bytes) +
              " from rank " + std::to_string(root));
  }
}

void MpiComm::exchangeAll(const std::vector<PeerBytes>& peers) {
  requirePeerCount(peers, size_, "MpiComm::exchangeAll");
  struct Piece {
    int peer;
    int bytes;
  };
  std::vector<MPI_Request> requests;
  std::vector<Piece> receives;  // receives first in `requests`, so their statuses line up
  auto post = [&](const void* buffer, std::size_t bytes, int peer, bool isSend) {
    for (std::size_t offset = 0; offset < bytes; offset += maxMessageBytes_) {
      const int n = static_cast<int>(std::min(maxMessageBytes_, bytes - offset));
      MPI_Request request;
      const std::string detail = std::to_string(n) + " bytes at offset " + std::to_string(offset) + " of " +
                                 std::to_string(bytes) + (isSend ? " to rank " : " from rank ") + std::to_string(peer);
      char* at = static_cast<char*>(const_cast<void*>(buffer)) + offset;
      if (isSend) {
        check(MPI_Isend(at, n, MPI_BYTE, peer, kTagExchangeAll, comm_, &request), "MPI_Isend", detail);
      } else {
        check(MPI_Irecv(at, n, MPI_BYTE, peer, kTagExchangeAll, comm_, &request), "MPI_Irecv", detail);
        receives.push_back({peer, n});
      }
      requests.push_back(request);
    }
  };
  for (int p = 0; p < size_; ++p)
    if (p != rank_) post(peers[size_t(p)].recv, peers[size_t(p)].recvBytes, p, false);
  for (int p = 0; p < size_; ++p)
    if (p != rank_) post(peers[size_t(p)].send, peers[size_t(p)].sendBytes, p, true);
  copyToSelf(peers[size_t(rank_)], "MpiComm::exchangeAll");  // while the messages travel
  if (requests.empty()) return;

  std::vector<MPI_Status> statuses(requests.size());
  const std::string what = "exchangeAll with " + std::to_string(size_ - 1) + " peers";
  const int code = MPI_Waitall(static_cast<int>(requests.size()), requests.data(), statuses.data());
  if (code == MPI_ERR_IN_STATUS) {
    for (const MPI_Status& s : statuses) check(s.MPI_ERROR, "MPI_Waitall (exchangeAll)", what);
  }
  check(code, "MPI_Waitall (exchangeAll)", what);
  // A peer that sent fewer bytes than this rank expected: the two plans disagree (a bug).
  for (std::size_t i = 0; i < receives.size(); ++i) {
    int got = 0;
    check(MPI_Get_count(&statuses[i], MPI_BYTE, &got), "MPI_Get_count", what);
    if (got != receives[i].bytes) {
      fail(ExitCode::Internal, "MpiComm::exchangeAll: rank " + std::to_string(rank_) + " received " +
                                   std::to_string(got) + " bytes from rank " + std::to_string(receives[i].peer) +
                                   " where " + std::to_string(receives[i].bytes) + " were expected");
    }
  }
}

}  // namespace ffdp
#endif  // FFDP_HAVE_MPI
