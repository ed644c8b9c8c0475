// Split counters (split_counter.cuh) summed on the GPU, so that a test can compare them with the
// host's 64-bit sums on votes chosen to wrap the low word.
#pragma once
#include <cstdint>
#include <vector>

namespace ffdp::cuda {

// votes[n] is added to counter targets[n] (< counters) by many threads of several blocks at once,
// each block into its own split counters in shared memory, then into 64-bit totals.
std::vector<uint64_t> splitCounterSumsOnDevice(const std::vector<uint64_t>& votes, const std::vector<int>& targets,
                                               int counters);

}  // namespace ffdp::cuda
