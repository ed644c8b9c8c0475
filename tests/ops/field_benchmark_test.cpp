// Timings of the field operations on a brain-sized field (160 x 210 x 165, 1 mm): hidden from the
// test runs; run with  test_ops "[.field-benchmark]" (OMP_NUM_THREADS sets the threads); labelled
// integration so that ctest runs it only with the integration tests.
#include <omp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "field_test_support.hpp"
#include "ops/backend.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

double processCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// The best of `repeats` runs: wall time, and the CPU time of all threads (which a busy shared
// machine inflates less than the wall time).
struct Timing {
  double wall = 1e30, cpu = 1e30;
};
template <class F>
Timing best(int repeats, F&& run) {
  Timing t;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const double cpuStart = processCpuSeconds();
    run();
    t.cpu = std::min(t.cpu, processCpuSeconds() - cpuStart);
    t.wall = std::min(t.wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return t;
}

}  // namespace

TEST_CASE("field operation timings on a 160x210x165 field", "[.field-benchmark][integration]") {
  auto rng = seededRng("field benchmark");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  Grid g = randomObliqueGrid(rng, {160, 210, 165}, 1.0, 1.0, 0.1, {0, 0, 0});
  // A smooth field of a few mm: random noise smoothed with sigma 4 voxels, scaled to 3 mm at most.
  Field u = randomField(rng, g, 1.0);
  backend->smoothField(u, {4, 4, 4});
  const double scale = 3.0 / backend->maxNorm(u);
  for (Vec3f& v : u.data)
    for (float& x : v) x = float(x * scale);
  const Field gf = u;
  const Grid half = g.shrunk({2, 2, 2});
  const Field coarse = backend->resampleField(u, half);
  Image moving(g);
  std::uniform_real_distribution<float> value(0, 100);
  for (float& v : moving.data) v = value(rng);
  const Affine A = randomAffine(rng, g.centre(), 0.1, 0.05, 2.0);

  std::printf("field 160x210x165 (%.1f M voxels), %d threads\n", g.voxels() / 1e6, omp_get_max_threads());
  std::printf("  %-44s %10s %10s\n", "operation", "wall ms", "cpu ms");
  const auto report = [](const char* what, Timing t) {
    std::printf("  %-44s %10.1f %10.1f\n", what, 1e3 * t.wall, 1e3 * t.cpu);
  };
  report("smoothField sigma 1.5 voxels", best(3, [&] {
           Field s = u;
           backend->smoothField(s, {1.5, 1.5, 1.5});
         }));
  report("  (copy of the field, included above)", best(3, [&] { Field s = u; }));
  report("composeFields", best(3, [&] { backend->composeFields(u, gf); }));
  report("invertField, 20 sweeps (tolerance 0)", best(1, [&] { backend->invertField(u, 20, 0.0); }));
  report("invertField to 1e-3 mm", best(1, [&] { backend->invertField(u, 200, 1e-3); }));
  report("jacobianDeterminant", best(3, [&] { backend->jacobianDeterminant(u); }));
  report("resampleField up (80x105x83 -> full)", best(3, [&] { backend->resampleField(coarse, g); }));
  report("resampleField down (full -> 80x105x83)", best(3, [&] { backend->resampleField(u, half); }));
  report("maxNorm", best(3, [&] { backend->maxNorm(u); }));
  report("resampleWarp linear", best(3, [&] {
           backend->resampleWarp(moving, A, u, Interpolation::Linear, 0.0f);
         }));
  report("resampleWarp label", best(3, [&] {
           backend->resampleWarp(moving, A, u, Interpolation::Label, 0.0f);
         }));
  report("resampleAffine linear (for comparison)", best(3, [&] {
           backend->resampleAffine(moving, g, A, Interpolation::Linear, 0.0f);
         }));
}
