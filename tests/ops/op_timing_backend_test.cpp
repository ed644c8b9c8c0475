// The per-operation profile of bench_gigavoxel --op-times (ops/op_timing_backend.hpp): results pass
// through unchanged, and each operation is counted once per call on the grid it ran on.
#include <catch2/catch.hpp>

#include <string>

#include "dist/comm.hpp"
#include "field_test_support.hpp"
#include "ops/backend.hpp"
#include "ops/op_timing_backend.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("the operation timer forwards every call and counts it on its grid", "[ops]") {
  auto rng = seededRng("op timing backend");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  double hostComm = 0;
  auto timed = makeOpTimingBackend(*cpu, [&] { return hostComm += 0.5; });  // 0.5 s "in MPI" per reading
  const Grid coarse = randomObliqueGrid(rng, {6, 5, 4}, 0.8, 1.2, 0.3, Vec3{0, 0, 0});
  const Grid fine = randomObliqueGrid(rng, {9, 7, 8}, 0.8, 1.2, 0.3, Vec3{0, 0, 0});
  const Field u = randomField(rng, coarse, 0.7), w = randomField(rng, fine, 0.7);

  REQUIRE(timed->maxNorm(u) == cpu->maxNorm(u));
  REQUIRE(timed->maxNorm(u) == cpu->maxNorm(u));
  REQUIRE(timed->maxNorm(w) == cpu->maxNorm(w));
  Field smoothed = u, reference = u;
  timed->smoothField(smoothed, {1, 1, 1});
  cpu->smoothField(reference, {1, 1, 1});
  REQUIRE(smoothed.data == reference.data);

  const std::vector<OpTime> rows = timed->times();
  REQUIRE(rows.size() == 3);  // maxNorm on two grids, smoothField on one, in first-call order
  REQUIRE(rows[0].op == "maxNorm");
  REQUIRE(rows[0].grid == "6x5x4");
  REQUIRE(rows[0].calls == 2);
  REQUIRE(rows[1].grid == "9x7x8");
  REQUIRE(rows[1].calls == 1);
  REQUIRE(rows[2].op == "smoothField");
  for (const OpTime& r : rows) {
    REQUIRE(r.seconds >= 0);
    REQUIRE(r.hostCommSeconds == Approx(0.5 * double(r.calls)));  // read before and after each call
    REQUIRE(r.deviceCommSeconds == 0);                            // the CPU backend moves nothing itself
  }
  const std::string table = formatOpTimes(rows, 1.0);
  REQUIRE(table.find("| maxNorm | 9x7x8 | 1 |") != std::string::npos);
}
