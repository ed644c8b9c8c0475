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

}  // namespace ffdp::cli
