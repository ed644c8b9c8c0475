// Reductions across ranks: run by ctest under mpirun on 1-4 ranks (test_dist_ranks).
// Every rank can compute every other rank's contribution, so each checks the result against the
// sum taken in rank order on one rank: same bits, not merely close.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "mpi_world.hpp"

using namespace ffdp;

namespace {

// Rank r's value at index i: signs and magnitudes over 40 binary orders, so that the summation
// order changes the rounding.
double contribution(int rank, std::size_t i) {
  uint64_t x = (uint64_t(rank) + 1) * 0x9E3779B97F4A7C15ULL ^ (uint64_t(i) * 0xBF58476D1CE4E5B9ULL);
  x ^= x >> 31, x *= 0x94D049BB133111EBULL, x ^= x >> 29;
  const double mantissa = double(x >> 11) / double(1ULL << 53);  // [0, 1)
  const int exponent = int((x >> 3) % 40) - 20;
  return ((x & 1) ? -1.0 : 1.0) * std::ldexp(0.5 + mantissa, exponent);
}

uint64_t bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

}  // namespace

TEST_CASE("every rank has a distinct rank and the launcher's size", "[mpi]") {
  Comm& comm = test::worldComm();
  const char* launcherSize = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (launcherSize) CHECK(comm.size() == std::atoi(launcherSize));
  std::vector<double> seen(static_cast<std::size_t>(comm.size()), 0.0);
  seen[static_cast<std::size_t>(comm.rank())] = 1.0;
  comm.allreduceSum(seen.data(), seen.size());
  for (double s : seen) CHECK(s == 1.0);  // each rank index taken exactly once
}

TEST_CASE("allreduceSum gives the bits of the rank-order sum on every rank", "[mpi]") {
  Comm& comm = test::worldComm();
  const int n = comm.size();
  // Longer than one gather (64K doubles), with a ragged last piece.
  for (std::size_t count : {std::size_t(1), std::size_t(7), std::size_t(65536), std::size_t(2 * 65536 + 5)}) {
    INFO("count " << count << ", ranks " << n);
    std::vector<double> values(count);
    for (std::size_t i = 0; i < count; ++i) values[i] = contribution(comm.rank(), i);
    comm.allreduceSum(values.data(), count);

    std::size_t mismatches = 0, orderMatters = 0;
    for (std::size_t i = 0; i < count; ++i) {
      double inOrder = 0.0, reversed = 0.0;
      inOrder = contribution(0, i);
      for (int r = 1; r < n; ++r) inOrder += contribution(r, i);
      reversed = contribution(n - 1, i);
      for (int r = n - 2; r >= 0; --r) reversed += contribution(r, i);
      mismatches += bits(values[i]) != bits(inOrder);
      orderMatters += bits(reversed) != bits(inOrder);
    }
    CHECK(mismatches == 0);
    // Shows this test can tell orders apart: with 3+ ranks the reverse order rounds differently.
    if (n >= 3 && count >= 65536) CHECK(orderMatters > 0);

    // The same bits everywhere: the smallest and largest checksum over ranks agree.
    uint64_t checksum = 0;
    for (double v : values) checksum = checksum * 1099511628211ULL ^ bits(v);
    double lo = double(checksum >> 12), hi = lo;  // 52 bits: exact in a double
    comm.allreduceMin(&lo, 1);
    comm.allreduceMax(&hi, 1);
    CHECK(lo == hi);
  }
}

TEST_CASE("allreduceMax and allreduceMin take the extreme over ranks and keep a NaN", "[mpi]") {
  Comm& comm = test::worldComm();
  const int n = comm.size(), r = comm.rank();
  std::vector<double> hi = {double(r), -double(r), 5.0, r == n - 1 ? std::nan("") : 1.0};
  std::vector<double> lo = hi;
  comm.allreduceMax(hi.data(), hi.size());
  comm.allreduceMin(lo.data(), lo.size());
  CHECK(hi[0] == n - 1);
  CHECK(hi[1] == 0.0);
  CHECK(hi[2] == 5.0);
  CHECK(std::isnan(hi[3]));  // a NaN metric on one rank must reach every rank
  CHECK(lo[0] == 0.0);
  CHECK(lo[1] == -(n - 1));
  CHECK(lo[2] == 5.0);
  CHECK(std::isnan(lo[3]));
  comm.allreduceSum(nullptr, 0);  // an empty reduction is a no-op on every rank
}
