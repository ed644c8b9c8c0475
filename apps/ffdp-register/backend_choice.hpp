// Which Backend a command runs on: --backend cpu | cuda | auto (the default: the GPU when this
// build has CUDA and the machine has a GPU, else the CPU).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "dist/comm.hpp"
#include "ops/backend.hpp"

namespace ffdp::cli {

// The values --backend accepts in this build.
std::vector<std::string> backendChoices();
// Throws Error(Resource) for "cuda" without a usable GPU, Error(Usage) for "cuda" in a CPU-only build.
std::unique_ptr<Backend> makeBackend(const std::string& choice, Comm& comm);

// What a choice resolves to on this machine, without starting the backend: its name and the memory
// a rank's volumes would live in (the GPU's for cuda, the host's physical memory for cpu).
struct BackendTarget {
  std::string name;
  double memoryBytes = 0;
};
BackendTarget resolveBackendTarget(const std::string& choice);

}  // namespace ffdp::cli
