// A Comm that forwards to another and adds up the wall time spent in its calls: the run report's
// communication share per rank (time in reductions and halo exchanges, waiting included).
#pragma once
#include <chrono>
#include <exception>

#include "dist/comm.hpp"

namespace ffdp {

class TimedComm final : public Comm {
 public:
  explicit TimedComm(Comm& inner) : inner_(inner) {}
  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  void allreduceSum(double* v, std::size_t n) override { timed([&] { inner_.allreduceSum(v, n); }); }
  void allreduceMax(double* v, std::size_t n) override { timed([&] { inner_.allreduceMax(v, n); }); }
  void allreduceMin(double* v, std::size_t n) override { timed([&] { inner_.allreduceMin(v, n); }); }
  [[noreturn]] void abort(const std::string& message, int exitCode) override {
    inner_.abort(message, exitCode);
    std::terminate();  // not reached: GCC does not carry [[noreturn]] through the virtual call
  }
  void exchangeHalo(const HaloTransfer& t) override { timed([&] { inner_.exchangeHalo(t); }); }
  void broadcastBytes(void* data, std::size_t bytes, int root) override {
    timed([&] { inner_.broadcastBytes(data, bytes, root); });
  }
  void exchangeAll(const std::vector<PeerBytes>& peers) override { timed([&] { inner_.exchangeAll(peers); }); }
  // Seconds spent inside the calls above so far.
  double seconds() const { return seconds_; }

 private:
  template <class F>
  void timed(F&& call) {
    const auto start = std::chrono::steady_clock::now();
    call();
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  Comm& inner_;
  double seconds_ = 0;
};

}  // namespace ffdp
