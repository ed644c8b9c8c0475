// The largest vector norm of a field as a deterministic reduction, shared by maxNorm and the fused
// Adam kernels: each thread keeps the largest squared norm it saw and whether it saw a NaN, each
// block writes one partial (NaN when any of its threads saw one), and one block finishes. Max is
// exact in any order, so the result repeats bit for bit; a NaN anywhere gives NaN, as on the CPU.
#pragma once
#include <cstdint>

#include "deterministic_reduce.cuh"
#include "device_array.cuh"
#include "field_exact_math.cuh"

namespace ffdp::cuda {

struct NormTracker {
  double largest = 0;
  bool sawNaN = false;
  __device__ void add(float x, float y, float z) {
    const double squared = exact::squaredNorm(x, y, z);
    largest = squared > largest ? squared : largest;
    sawNaN |= squared != squared;
  }
};

// All threads of the block call it; thread 0 writes the block's partial.
__device__ inline void writeNormPartial(const NormTracker& t, double* scratch, double* partials) {
  const double largest = blockMax(t.largest, scratch);
  const double nan = blockMax(t.sawNaN ? 1.0 : 0.0, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = nan > 0 ? __longlong_as_double(0x7ff8000000000000LL) : largest;
}

// sqrt of the largest partial, or NaN when a partial is NaN; returned on the host.
double finishNormPartials(const DeviceArray<double>& partials, int blocks, const char* what);

}  // namespace ffdp::cuda
