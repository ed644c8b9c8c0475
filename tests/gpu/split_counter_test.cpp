// Split counters (cuda/split_counter.cuh) against the host's 64-bit sums: MI's joint histogram is
// built with them, and must be exact in any order for the GPU to give the CPU's bits.
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "gpu_test_support.hpp"
#include "ops/ops_test_support.hpp"
#include "split_counter_check.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("GPU split counters sum 64-bit votes exactly when their low words wrap", "[gpu][histogram]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu split counters");
  constexpr int kCounters = 5;
  // Votes near the low word's limit, votes with high bits (MI's are below 2^41), and small ones,
  // crowded on few counters, so that many adds wrap and many lanes hit one word at once.
  std::vector<uint64_t> votes = {0xffffffffull, 1, 0x100000000ull, 0x1ffffffffull, 0, (uint64_t(1) << 40) - 1};
  std::uniform_int_distribution<uint64_t> anyVote(0, (uint64_t(1) << 41) - 1), nearWrap(0xfffff000ull, 0x100000fffull),
      small(0, 1000);
  std::uniform_int_distribution<int> kind(0, 2), counter(0, kCounters - 1);
  while (votes.size() < 300000) {
    const int k = kind(rng);
    votes.push_back(k == 0 ? anyVote(rng) : k == 1 ? nearWrap(rng) : small(rng));
  }
  std::vector<int> targets(votes.size());
  std::vector<uint64_t> expected(kCounters, 0);
  uint64_t wraps = 0;
  for (size_t n = 0; n < votes.size(); ++n) {
    targets[n] = n % 3 == 0 ? 0 : counter(rng);  // counter 0 takes the most votes
    const uint64_t low = expected[targets[n]] & 0xffffffffull;
    wraps += low + (votes[n] & 0xffffffffull) > 0xffffffffull;
    expected[targets[n]] += votes[n];
  }
  REQUIRE(wraps > 1000);  // the carries are exercised (in the host's order; the device's differs)
  const std::vector<uint64_t> got = cuda::splitCounterSumsOnDevice(votes, targets, kCounters);
  for (int c = 0; c < kCounters; ++c) {
    INFO("counter " << c);
    CHECK(got[c] == expected[c]);
  }
}
