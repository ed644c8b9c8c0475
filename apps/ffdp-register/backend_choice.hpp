// Which Backend a command runs on: --backend cpu | cuda | auto (the default: the GPU when this
// build has CUDA and the machine has a GPU, else the CPU).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "dist/comm.hpp"
#include "ops/backend.hpp"
#include "reg/memory_plan.hpp"

namespace ffdp::cli {

// The values --backend accepts in this build.
std::vector<std::string> backendChoices();
// What a choice resolves to on this machine: its name, the memory a rank's volumes would live in
// (the GPU's for cuda, the host's physical memory for cpu) and the GPU (-1 for the CPU), picked by
// the launcher's local rank. Throws Error(Resource) for "cuda" without a usable GPU, Error(Usage)
// for "cuda" in a CPU-only build.
struct BackendTarget {
  std::string name;
  double memoryBytes = 0;
  int gpu = -1;
};
BackendTarget resolveBackendTarget(const std::string& choice);

// The memory plan's backend for a target (a GPU: the CUDA backend's buffers).
PlanBackend planBackendOf(const BackendTarget& target);

// The backend for `target`. A collective with several ranks on GPUs (every rank calls it at the same
// point): multi-rank CUDA runs move halos GPU to GPU with NCCL when every rank has its own GPU, else
// through the host (cuda_backend.hpp HaloTransport); the environment variable FFDP_GPU_HALOS=nccl or
// staged forces one. Backend::deviceTraffic then reports what NCCL moved.
std::unique_ptr<Backend> makeBackend(const BackendTarget& target, Comm& comm);

}  // namespace ffdp::cli
