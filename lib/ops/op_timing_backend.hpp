// A Backend decorator that times every operation (a profile for the scale benchmark, where there is
// no Nsight Systems): before and after each call it waits for the queued device work
// (Backend::finishQueuedWork), so an operation's wall time holds its kernels, its reductions and its
// halo exchanges, and it reads how much of that the host Comm (MPI) and the device exchanges (NCCL)
// took. Rows are per operation and per grid, so each pyramid level shows apart.
//
// The waits remove the overlap of host and device work, so a timed run is a little slower than a
// plain one; the ratios between operations and between rank counts are what it is for.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ops/backend.hpp"

namespace ffdp {

struct OpTime {
  std::string op;    // the Backend method
  std::string grid;  // the whole grid's size, "XxYxZ" (a slab buffer counts as its whole grid)
  int64_t calls = 0;
  double seconds = 0;      // wall time, device work included
  double hostCommSeconds = 0;  // of which inside the host Comm
  double deviceCommSeconds = 0;  // of which inside the backend's own device exchanges (DeviceTraffic)
};

class OpTimingBackend : public Backend {
 public:
  // The rows so far, in first-call order.
  virtual std::vector<OpTime> times() const = 0;
};

// `inner` must outlive the result. `hostCommSeconds` reads the seconds spent so far inside the host
// Comm (dist/timed_comm.hpp); pass a function returning 0 where there is none.
std::unique_ptr<OpTimingBackend> makeOpTimingBackend(Backend& inner, std::function<double()> hostCommSeconds);

// The rows as a markdown table, one line per row, with the share of `totalSeconds` in each.
std::string formatOpTimes(const std::vector<OpTime>& rows, double totalSeconds);

}  // namespace ffdp
