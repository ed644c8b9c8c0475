// The world of test_gpu_ranks: the host Comm over MPI and this rank's GPU (one GPU per rank, picked
// by the launcher's local rank). Set by gpu_ranks_main.cpp before any test runs; the tests run only
// when every rank has a GPU of its own.
#pragma once
#include <cstdint>
#include <string>

#include "dist/comm.hpp"

namespace ffdp::test {

struct GpuRanksWorld {
  Comm* host = nullptr;
  int device = -1;
};

GpuRanksWorld& gpuRanksWorld();

// The same seed on every rank (rank 0 draws it, or takes FFDP_TEST_SEED; the host Comm broadcasts
// it), printed once with what it is for, so a failure can be repeated.
uint64_t sharedSeed(Comm& host, const std::string& what);

}  // namespace ffdp::test
