// Communication between the ranks that share one registration. The engine and the backends
// reduce every global quantity through this interface, so a run gives the same answer on any
// number of ranks. SelfComm is the single-rank implementation; MPI and NCCL ones come later.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace ffdp {

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
};

class SelfComm final : public Comm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduceSum(double*, std::size_t) override {}
  void allreduceMax(double*, std::size_t) override {}
  void allreduceMin(double*, std::size_t) override {}
  [[noreturn]] void abort(const std::string& message, int exitCode) override;
};

}  // namespace ffdp
