// main() of test_gpu_ranks: starts MPI, gives every rank its GPU (local rank % GPUs, as the CLI
// does), and runs the Catch2 tests only when every rank has a GPU of its own (NCCL allows one rank
// per GPU); otherwise every rank exits 0 after one message, so a machine with too few GPUs skips.
// Run: mpirun -np 2 test_gpu_ranks   (and -np 4 where there are 4 GPUs).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>

#include "device_info.cuh"
#include "dist/make_comm.hpp"
#include "dist/mpi_session.hpp"
#include "gpu_ranks_world.hpp"
#include "nccl_halo_comm.hpp"
#include "support/test_support.hpp"

namespace ffdp::test {

GpuRanksWorld& gpuRanksWorld() {
  static GpuRanksWorld world;
  return world;
}

uint64_t sharedSeed(Comm& host, const std::string& what) {
  uint64_t seed = 0;
  if (host.rank() == 0) {
    seed = chooseTestSeed();
    std::printf("[gpu ranks] %s: seed %llu (set FFDP_TEST_SEED to repeat)\n", what.c_str(), (unsigned long long)seed);
    std::fflush(stdout);
  }
  host.broadcastBytes(&seed, sizeof seed, 0);
  return seed;
}

}  // namespace ffdp::test

namespace {

int localRank() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return 0;
}

// Why this run cannot test NCCL ("" when it can). The same answer on every rank: each step is
// decided from reductions over all ranks.
std::string reasonToSkip(ffdp::Comm& world, int& device) {
  if (world.size() < 2) return "one rank; run under mpirun -np 2 (and -np 4)";
  const auto gpus = ffdp::cuda::listDevices();
  double fewest = double(gpus.size());
  world.allreduceMin(&fewest, 1);
  if (fewest < 1) return "a rank has no CUDA device (GPU tests run on the device machine)";
  device = localRank() % int(gpus.size());
  const std::string shared = ffdp::cuda::sharedGpuConflict(world, device);
  if (!shared.empty()) return "fewer GPUs than ranks: " + shared;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  ffdp::MpiSession session;  // outlives the Comm
  int status = 0;
  try {
    const std::unique_ptr<ffdp::Comm> world = ffdp::makeComm();
    int device = -1;
    const std::string skip = reasonToSkip(*world, device);
    if (!skip.empty()) {
      if (world->rank() == 0) std::printf("test_gpu_ranks: SKIPPED: %s\n", skip.c_str());
      return 0;
    }
    ffdp::test::gpuRanksWorld() = {world.get(), device};
    if (world->rank() == 0)
      std::printf("test_gpu_ranks: %d ranks, one GPU each (rank 0 on GPU %d)\n", world->size(), device);
    std::fflush(stdout);
    status = Catch::Session().run(argc, argv);
    ffdp::test::gpuRanksWorld() = {};
  } catch (const std::exception& e) {
    std::fprintf(stderr, "test_gpu_ranks: %s\n", e.what());
    status = 2;
  }
  return status;
}
