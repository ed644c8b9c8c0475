// Every CUDA runtime call and kernel launch is checked; a failure becomes an ffdp::Error whose
// one-line message names the operation and its size, never a generic "CUDA error".
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace ffdp::cuda {

// Out of memory is a resource problem the user can act on (smaller problem, more GPUs); anything
// else is an internal failure.
inline void check(cudaError_t status, const std::string& what) {
  if (status == cudaSuccess) return;
  cudaGetLastError();  // clear the sticky-free error state so a later check reports its own call
  const ExitCode code = status == cudaErrorMemoryAllocation ? ExitCode::Resource : ExitCode::Internal;
  fail(code, "CUDA: " + what + ": " + cudaGetErrorString(status));
}

// After a kernel launch: reports launch-configuration errors at once (execution errors surface at
// the next synchronising call, which is checked too).
inline void checkLaunch(const char* kernel, int64_t items) {
  check(cudaGetLastError(), std::string("launch of ") + kernel + " over " + std::to_string(items) + " items");
}

}  // namespace ffdp::cuda
