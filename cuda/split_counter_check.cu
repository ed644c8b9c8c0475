// splitCounterSumsOnDevice (split_counter_check.hpp).
#include <string>

#include "cuda_check.cuh"
#include "device_array.cuh"
#include "launch.cuh"
#include "split_counter.cuh"
#include "split_counter_check.hpp"

namespace ffdp::cuda {
namespace {

__global__ void sumKernel(const unsigned long long* votes, const int* targets, int64_t count, int counters,
                          unsigned long long* totals) {
  extern __shared__ unsigned words[];
  const SplitCounters block(words, counters);
  for (int c = threadIdx.x; c < 2 * counters; c += blockDim.x) words[c] = 0;
  __syncthreads();
  for (int64_t n = firstItem(); n < count; n += itemStride()) block.add(targets[n], votes[n]);
  __syncthreads();
  for (int c = threadIdx.x; c < counters; c += blockDim.x) atomicAdd(&totals[c], block.value(c));
}

}  // namespace

std::vector<uint64_t> splitCounterSumsOnDevice(const std::vector<uint64_t>& votes, const std::vector<int>& targets,
                                               int counters) {
  static_assert(sizeof(unsigned long long) == sizeof(uint64_t), "64-bit votes");
  const std::vector<unsigned long long> v(votes.begin(), votes.end());
  const auto dVotes = DeviceArray<unsigned long long>::fromHost(v, "split counter votes");
  const auto dTargets = DeviceArray<int>::fromHost(targets, "split counter targets");
  DeviceArray<unsigned long long> totals(counters, "split counter totals");
  check(cudaMemsetAsync(totals.data(), 0, totals.bytes(), cudaStreamPerThread),
        "clearing " + std::to_string(counters) + " split counter totals");
  const int64_t count = int64_t(votes.size());
  const int blocks = 8;  // few blocks, so that each one's counters take many votes and wrap often
  sumKernel<<<blocks, kThreads, 2 * size_t(counters) * sizeof(unsigned), cudaStreamPerThread>>>(
      dVotes.data(), dTargets.data(), count, counters, totals.data());
  checkLaunch("split counter sums", count);
  const std::vector<unsigned long long> back = totals.toHost("split counter totals");
  return std::vector<uint64_t>(back.begin(), back.end());
}

}  // namespace ffdp::cuda
