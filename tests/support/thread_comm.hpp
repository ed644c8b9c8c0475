// Ranks as threads of one process (for the CPU and GPU slab tests): a Comm whose allreduce combines
// every rank's array in rank order (the same bits on every rank, as MPI guarantees), whose halo
// exchange copies between neighbouring threads' buffers and whose all-to-all copies between any two. Several threads may drive one GPU: each
// uses its own cudaStreamPerThread. The bodies must not use Catch2 assertions (not thread-safe):
// they store results, and the test asserts on the main thread.
#pragma once
#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dist/comm.hpp"

namespace ffdp::test {

class ThreadHub {
 public:
  explicit ThreadHub(int ranks)
      : ranks_(ranks), slots_(size_t(ranks)), transfers_(size_t(ranks)), peers_(size_t(ranks)) {}
  int ranks() const { return ranks_; }

  template <class Op>
  void allreduce(int rank, double* values, std::size_t count, Op op) {
    slots_[size_t(rank)].assign(values, values + count);
    barrier();
    std::vector<double> result = slots_[0];
    for (int q = 1; q < ranks_; ++q)
      for (std::size_t n = 0; n < count; ++n) result[n] = op(result[n], slots_[size_t(q)][n]);
    barrier();  // no rank refills its slot before every rank has read all of them
    std::copy(result.begin(), result.end(), values);
  }

  // Every rank posts its transfer; each then reads its neighbours' send buffers.
  void exchangeHalo(int rank, const HaloTransfer& t) {
    transfers_[size_t(rank)] = t;
    barrier();
    std::string error;
    if (t.recvBelowBytes) error += receive(t.recvBelow, t.recvBelowBytes, rank - 1, true);
    if (t.recvAboveBytes) error += receive(t.recvAbove, t.recvAboveBytes, rank + 1, false);
    barrier();  // the senders keep their buffers until every rank has copied
    if (!error.empty()) throw std::logic_error("ThreadComm halo exchange, rank " + std::to_string(rank) + ": " + error);
  }

  // Every rank posts its per-peer buffers; each then copies what every peer sends it.
  void exchangeAll(int rank, const std::vector<PeerBytes>& peers) {
    if (peers.size() != size_t(ranks_)) throw std::logic_error("ThreadComm exchangeAll: wrong peer count");
    peers_[size_t(rank)] = peers;
    barrier();
    std::string error;
    for (int from = 0; from < ranks_; ++from) {
      const PeerBytes& mine = peers[size_t(from)];
      const PeerBytes& theirs = peers_[size_t(from)][size_t(rank)];
      if (theirs.sendBytes != mine.recvBytes) {
        error += "expects " + std::to_string(mine.recvBytes) + " bytes from rank " + std::to_string(from) +
                 ", which sends " + std::to_string(theirs.sendBytes) + "; ";
        continue;
      }
      if (mine.recvBytes) std::memcpy(mine.recv, theirs.send, mine.recvBytes);
    }
    barrier();  // the senders keep their buffers until every rank has copied
    if (!error.empty()) throw std::logic_error("ThreadComm exchangeAll, rank " + std::to_string(rank) + ": " + error);
  }

  void barrier() {
    std::unique_lock<std::mutex> lock(mutex_);
    const long generation = generation_;
    if (++arrived_ == ranks_) {
      arrived_ = 0;
      ++generation_;
      wake_.notify_all();
    } else {
      wake_.wait(lock, [&] { return generation_ != generation; });
    }
  }

 private:
  std::string receive(void* into, std::size_t bytes, int from, bool fromBelow) {
    if (from < 0 || from >= ranks_) return "receives from missing rank " + std::to_string(from) + "; ";
    const HaloTransfer& s = transfers_[size_t(from)];
    const void* source = fromBelow ? s.sendAbove : s.sendBelow;
    const std::size_t sent = fromBelow ? s.sendAboveBytes : s.sendBelowBytes;
    if (sent != bytes)
      return "expects " + std::to_string(bytes) + " bytes, rank " + std::to_string(from) + " sends " +
             std::to_string(sent) + "; ";
    std::memcpy(into, source, bytes);
    return "";
  }

  int ranks_;
  std::vector<std::vector<double>> slots_;
  std::vector<HaloTransfer> transfers_;
  std::vector<std::vector<PeerBytes>> peers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  int arrived_ = 0;
  long generation_ = 0;
};

class ThreadComm final : public Comm {
 public:
  ThreadComm(ThreadHub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_.ranks(); }
  void allreduceSum(double* v, std::size_t n) override {
    hub_.allreduce(rank_, v, n, [](double a, double b) { return a + b; });
  }
  void allreduceMax(double* v, std::size_t n) override {
    hub_.allreduce(rank_, v, n, [](double a, double b) { return std::isnan(a) || b > a ? b : a; });
  }
  void allreduceMin(double* v, std::size_t n) override {
    hub_.allreduce(rank_, v, n, [](double a, double b) { return std::isnan(a) || b < a ? b : a; });
  }
  [[noreturn]] void abort(const std::string& message, int) override { throw std::runtime_error(message); }
  void exchangeHalo(const HaloTransfer& t) override { hub_.exchangeHalo(rank_, t); }
  void broadcastBytes(void*, std::size_t, int) override { throw std::logic_error("ThreadComm: no broadcast"); }
  void exchangeAll(const std::vector<PeerBytes>& peers) override { hub_.exchangeAll(rank_, peers); }

 private:
  ThreadHub& hub_;
  int rank_;
};

// Runs body(rank, comm) for `ranks` ranks at once, one thread each, and rethrows the first failure.
// A rank that throws would leave the others waiting in a barrier, so bodies throw only on bugs.
inline void runRanks(int ranks, const std::function<void(int, Comm&)>& body) {
  ThreadHub hub(ranks);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(ranks));
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      ThreadComm comm(hub, r);
      try {
        body(r, comm);
      } catch (...) {
        errors[size_t(r)] = std::current_exception();
      }
    });
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace ffdp::test
