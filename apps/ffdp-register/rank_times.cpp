#include "rank_times.hpp"

#include "dist/timed_comm.hpp"
#include "reg/report.hpp"

namespace ffdp::cli {

double commSeconds(const Comm& comm) {
  const auto* timed = dynamic_cast<const TimedComm*>(&comm);
  return timed ? timed->seconds() : 0.0;
}

RankTimes gatherRankTimes(Comm& comm, double seconds, double commSeconds, int gpu, const DeviceTraffic& traffic) {
  const size_t n = static_cast<size_t>(comm.size()), me = static_cast<size_t>(comm.rank());
  const std::vector<double> zeros(n, 0.0);
  RankTimes t{zeros, zeros, zeros, zeros, zeros, zeros};
  t.seconds[me] = seconds;
  t.commSeconds[me] = commSeconds + traffic.seconds;
  t.peakMemoryMB[me] = peakResidentMB();
  t.gpu[me] = gpu;
  t.gpuBytesSent[me] = double(traffic.bytesSent);  // exact below 2^53 bytes (8 PiB)
  t.gpuExchanges[me] = double(traffic.exchanges);
  // Each rank fills its own slot; the sums fill every slot on every rank.
  for (std::vector<double>* v : {&t.seconds, &t.commSeconds, &t.peakMemoryMB, &t.gpu, &t.gpuBytesSent, &t.gpuExchanges})
    comm.allreduceSum(v->data(), n);
  return t;
}

}  // namespace ffdp::cli
