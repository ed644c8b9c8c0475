#include "rank_times.hpp"

#include "dist/timed_comm.hpp"
#include "reg/report.hpp"

namespace ffdp::cli {

double commSeconds(const Comm& comm) {
  const auto* timed = dynamic_cast<const TimedComm*>(&comm);
  return timed ? timed->seconds() : 0.0;
}

RankTimes gatherRankTimes(Comm& comm, double seconds, double commSeconds, int gpu) {
  const size_t n = static_cast<size_t>(comm.size()), me = static_cast<size_t>(comm.rank());
  RankTimes t{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0), std::vector<double>(n, 0.0),
              std::vector<double>(n, 0.0)};
  t.seconds[me] = seconds;
  t.commSeconds[me] = commSeconds;
  t.peakMemoryMB[me] = peakResidentMB();
  t.gpu[me] = gpu;
  // Each rank fills its own slot; the sums fill every slot on every rank.
  comm.allreduceSum(t.seconds.data(), n);
  comm.allreduceSum(t.commSeconds.data(), n);
  comm.allreduceSum(t.peakMemoryMB.data(), n);
  comm.allreduceSum(t.gpu.data(), n);
  return t;
}

}  // namespace ffdp::cli
