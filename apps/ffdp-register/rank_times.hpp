// Per-rank figures for the run report: wall time, time in communication, peak memory, GPU, and the
// bytes the rank's GPU sent straight to other GPUs (NCCL halo exchanges).
#pragma once
#include <vector>

#include "dist/comm.hpp"
#include "ops/backend.hpp"

namespace ffdp::cli {

struct RankTimes {
  std::vector<double> seconds, commSeconds, peakMemoryMB, gpu;  // index = rank; gpu -1 for the CPU
  std::vector<double> gpuBytesSent, gpuExchanges;               // 0 where halos went through the host
};

// Time this rank spent in communication: TimedComm's count, 0 for any other Comm.
double commSeconds(const Comm& comm);
// Every rank's figures on every rank (a reduction: every rank calls it). A rank's communication
// seconds are `commSeconds` (the host Comm) plus the device seconds of `traffic`, the compute
// backend's own GPU-to-GPU exchanges (Backend::deviceTraffic), which the host Comm never sees.
RankTimes gatherRankTimes(Comm& comm, double seconds, double commSeconds, int gpu, const DeviceTraffic& traffic = {});

}  // namespace ffdp::cli
