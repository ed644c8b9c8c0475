// Per-rank figures for the run report: wall time, time in communication, peak memory, GPU.
#pragma once
#include <vector>

#include "dist/comm.hpp"

namespace ffdp::cli {

struct RankTimes {
  std::vector<double> seconds, commSeconds, peakMemoryMB, gpu;  // index = rank; gpu -1 for the CPU
};

// Time this rank spent in communication: TimedComm's count, 0 for any other Comm.
double commSeconds(const Comm& comm);
// Every rank's figures on every rank (a reduction: every rank calls it).
RankTimes gatherRankTimes(Comm& comm, double seconds, double commSeconds, int gpu);

}  // namespace ffdp::cli
