// Global reductions of the CUDA backend on z-slab buffers (cuda/owned_voxels.hpp, the CPU's rule in
// lib/ops/cpu/slice_reduce.hpp): a rank's slab buffer holds its own slices plus halo slices of its
// neighbours; every reduction must count only the own slices, combine across ranks only when the
// grid is a slab, and sample the same voxels (the subset hashes the whole-grid index). Checked
// against the same CUDA operation on the whole volume, two ways (as tests/ops/slab_reduction_test.cpp
// does for the CPU):
//   - SelfComm, one call per rank: each call returns that rank's partial result, combined here by
//     hand (sums weighted by counts, maxima). Halo slices are overwritten with wrong values first
//     wherever an owned voxel's result does not read them, so a reduction counting them fails.
//   - Ranks as threads (thread_comm.hpp) for results that are not sums of partials (mutual
//     information, the inverse field's stopping rule, centre of mass on every rank).
// The decomposition: 13x11x17 voxels, oblique, 3 ranks (6, 6 and 5 own slices), halo 2.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cuda_backend.hpp"
#include "device_volume.cuh"
#include "dist/comm.hpp"
#include "dist/slab.hpp"
#include "dist/slab_volume.hpp"
#include "field_gpu_support.hpp"
#include "metric_dispatch.hpp"
#include "ops/histogram_balance.hpp"
#include "gpu_test_support.hpp"
#include "ops/backend.hpp"
#include "ops/field_test_support.hpp"
#include "ops/slab_scene.hpp"
#include "support/thread_comm.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("GPU field maxima over slabs count only the own slices", "[gpu][slab]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("GPU slab reduction: field maxima");
  SelfComm comm;
  requireFieldMaximaCountOwnSlices(*makeCudaBackend(comm, 0), rng);
}


TEST_CASE("GPU centre of mass over slabs combines the ranks' weighted sums", "[gpu][slab]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("GPU slab reduction: centre of mass");
  const Scene s = makeScene(rng);
  SelfComm self;
  const Vec3 whole = makeCudaBackend(self, 0)->centreOfMass(s.fixed);

  SECTION("one call per rank, combined by mass") {
    auto backend = makeCudaBackend(self, 0);
    Vec3 weighted{0, 0, 0};
    double mass = 0;
    for (int r = 0; r < kRanks; ++r) {
      Image f = cutFor(s.fixed, r);
      double m = 0;
      const int64_t plane = f.grid.size[0] * f.grid.size[1];
      for (int64_t n = f.grid.ownedBegin() * plane; n < f.grid.ownedEnd() * plane; ++n)
        m += std::max(0.0f, f.data[size_t(n)]);
      poisonHalo(f, 1e4f);
      weighted = weighted + m * backend->centreOfMass(f);
      mass += m;
    }
    REQUIRE(norm((1.0 / mass) * weighted - whole) <= 1e-9 * (1 + norm(whole)));
  }
  SECTION("ranks as threads") {
    std::vector<Vec3> parts(kRanks);
    runRanks(kRanks, [&](int r, Comm& comm) {
      Image f = cutFor(s.fixed, r);
      poisonHalo(f, 1e4f);
      parts[size_t(r)] = makeCudaBackend(comm, 0)->centreOfMass(f);
    });
    for (int r = 0; r < kRanks; ++r) REQUIRE(parts[size_t(r)] == parts[0]);  // the same bits on every rank
    REQUIRE(norm(parts[0] - whole) <= 1e-9 * (1 + norm(whole)));
  }
}

TEST_CASE("GPU affine metrics over slabs add up to the whole metric", "[gpu][slab]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("GPU slab reduction: affine metrics");
  const Scene s = makeScene(rng);
  SelfComm comm;
  auto backend = makeCudaBackend(comm, 0);

  requireAffineMetricSectionsAddUp(*backend, s);
}

TEST_CASE("GPU field metrics over slabs add up to the whole metric", "[gpu][slab]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("GPU slab reduction: field metrics");
  const Scene s = makeScene(rng);
  SelfComm comm;
  auto backend = makeCudaBackend(comm, 0);
  const MetricSettings mse{MetricKind::MeanSquares, 0, 0, 1.0}, mseSome{MetricKind::MeanSquares, 0, 0, 0.3},
      cc{MetricKind::CC, 1, 0, 1.0};

  for (const MetricSettings& ms : {mse, mseSome, cc}) requireFieldMetricAddsUp(*backend, s, ms);
}

TEST_CASE("GPU mutual information over slabs with ranks as threads equals the whole metric (the field metric bit for bit)", "[gpu][slab]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("GPU slab reduction: mutual information");
  const Scene s = makeScene(rng);
  SelfComm self;
  auto wholeBackend = makeCudaBackend(self, 0);
  const MetricSettings mi{MetricKind::MI, 0, 16, 1.0};
  const AffineMetricEval whole = wholeBackend->affineMetric(s.fixed, s.moving, &s.fixedMask, nullptr, s.A, mi, true);
  Field wholeGradient;
  const FieldMetricEval wholeField =
      wholeBackend->fieldMetric(s.fixed, s.moving, &s.fixedMask, nullptr, s.A, s.u, mi, &wholeGradient);
  wholeBackend->toHost(wholeGradient);

  std::vector<AffineMetricEval> affine(kRanks);
  std::vector<FieldMetricEval> field(kRanks);
  std::vector<Field> gradients(kRanks);
  runRanks(kRanks, [&](int r, Comm& comm) {
    auto backend = makeCudaBackend(comm, 0);
    Image f = cutFor(s.fixed, r);
    Field u = cutFor(s.u, r);
    const Mask fm = cutFor(s.fixedMask, r);
    poisonHalo(f, float(s.lo));  // inside the range (the bins stay valid) but wrong
    poisonHalo(u, Vec3f{4, -4, 4});
    affine[size_t(r)] = backend->affineMetric(f, s.moving, &fm, nullptr, s.A, mi, true);
    field[size_t(r)] = backend->fieldMetric(f, s.moving, &fm, nullptr, s.A, u, mi, &gradients[size_t(r)]);
    backend->toHost(gradients[size_t(r)]);
  });

  REQUIRE(whole.validVoxels > 100);
  for (int r = 0; r < kRanks; ++r) {
    REQUIRE(affine[size_t(r)].value == affine[0].value);  // every rank holds the same reduced result
    REQUIRE(affine[size_t(r)].gradient == affine[0].gradient);
    REQUIRE(field[size_t(r)].value == field[0].value);
    REQUIRE(affine[size_t(r)].validVoxels == whole.validVoxels);
    REQUIRE(field[size_t(r)].validVoxels == wholeField.validVoxels);
  }
  REQUIRE(affine[0].value == Approx(whole.value).epsilon(1e-11));
  const double scale = largestAbs(whole.gradient);
  for (int n = 0; n < 12; ++n)
    REQUIRE(std::abs(affine[0].gradient[size_t(n)] - whole.gradient[size_t(n)]) <= 1e-9 * scale);
  // The ranks add their integer histograms exactly and sample through the whole grids
  // (cuda/metric_mi.cu, cuda/warp_sampler.cuh): the field metric is the whole run's, bit for bit.
  REQUIRE(field[0].value == wholeField.value);
  REQUIRE(ownSlicesMismatch(wholeGradient, gradients) == 0);
}

// MI's histogram pass may count slices of a neighbour's halo (ops/histogram_balance.hpp); the
// histogram is integer votes added exactly, so the metric must not change. Each rank's balance is
// first told the layout, then a report in which rank 1 is three times as slow, which hands rank 1's
// edge slices to ranks 0 and 2; the field MI on those splits must be the whole run's, bit for bit.
TEST_CASE("GPU MI over slabs gives the same bits whichever rank counts a halo slice", "[gpu][slab]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("GPU slab reduction: MI histogram split");
  const Scene s = makeScene(rng);
  const MetricSettings mi{MetricKind::MI, 0, 16, 1.0};
  SelfComm self;
  auto wholeBackend = makeCudaBackend(self, 0);
  Field wholeGradient;
  const FieldMetricEval whole =
      wholeBackend->fieldMetric(s.fixed, s.moving, &s.fixedMask, nullptr, s.A, s.u, mi, &wholeGradient);
  wholeBackend->toHost(wholeGradient);

  // Every rank's report, as the histogram's reduction would sum them: own slices, given seconds.
  const auto reports = [&](const std::vector<double>& seconds) {
    std::vector<double> slots(size_t(kRanks) * HistogramBalance::kReportWidth, 0.0);
    for (int q = 0; q < kRanks; ++q) {
      const Grid g = slabGridOf(s.fixed.grid, q);
      HistogramBalance::report(g, q, {g.ownedBegin(), g.ownedEnd()}, seconds[size_t(q)], slots.data());
    }
    return slots;
  };
  std::vector<HistogramBalance::Slices> counted(kRanks);
  std::vector<FieldMetricEval> field(kRanks);
  std::vector<Field> gradients(kRanks);
  runRanks(kRanks, [&](int r, Comm& comm) {
    const Image f = cutFor(s.fixed, r);
    const Field u = cutFor(s.u, r);
    const Mask fm = cutFor(s.fixedMask, r);
    HistogramBalance balance;
    balance.update(kRanks, reports({1, 1, 1}).data());  // learns the layout
    balance.update(kRanks, reports({1, 3, 1}).data());  // rank 1 slow: its neighbours take slices
    counted[size_t(r)] = balance.slicesFor(f.grid, r, kRanks);

    const cuda::DeviceArray<float> dFixed = toDevice(f), dMoving = toDevice(s.moving), dU = toDevice(u);
    const auto dMask = cuda::DeviceArray<uint8_t>::fromHost(fm.data, "test fixed mask");
    cuda::MetricDeviceInputs in;
    in.fixed = dFixed.data();
    in.fixedGrid = f.grid;
    in.moving = dMoving.data();
    in.movingGrid = s.moving.grid;
    in.fixedMask = dMask.data();
    in.A = s.A;
    in.settings = mi;
    in.histogramBalance = &balance;
    cuda::DeviceArray<float> dGradient(3 * f.grid.voxels(), "test MI gradient");
    field[size_t(r)] = cuda::fieldMetric(in, dU.data(), dGradient.data(), comm);
    gradients[size_t(r)] = fieldFromDevice(dGradient, f.grid);
  });

  const Grid first = slabGridOf(s.fixed.grid, 0), middle = slabGridOf(s.fixed.grid, 1);
  REQUIRE(counted[0].end > first.ownedEnd());      // rank 0 counts some of rank 1's slices
  REQUIRE(counted[1].begin > middle.ownedBegin());  // which rank 1 leaves out
  REQUIRE(counted[1].end < middle.ownedEnd());
  REQUIRE(whole.validVoxels > 100);
  for (int r = 0; r < kRanks; ++r) {
    REQUIRE(field[size_t(r)].validVoxels == whole.validVoxels);
    REQUIRE(field[size_t(r)].value == whole.value);
  }
  REQUIRE(ownSlicesMismatch(wholeGradient, gradients) == 0);
}

TEST_CASE("GPU invertField over slabs with ranks as threads matches the whole inverse on own slices",
          "[gpu][slab]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("GPU slab reduction: inverse field");
  const Scene s = makeScene(rng);
  const Field u = fieldWeakInLastRank(rng, s.u.grid);
  const int iterations = 30;
  const double tolerance = 3e-2;
  SelfComm self;
  auto wholeBackend = makeCudaBackend(self, 0);
  Field whole = wholeBackend->invertField(u, iterations, tolerance);
  Field many = wholeBackend->invertField(u, iterations, 1e-12);  // no early stop (and a tighter polish)
  wholeBackend->toHost(whole);
  wholeBackend->toHost(many);
  REQUIRE(whole.data != many.data);

  // Far halo slices of every slab are wild (makeFarHaloWild).
  std::vector<Field> parts(kRanks);
  runRanks(kRanks, [&](int r, Comm& comm) {
    Field ur = cutFor(u, r);
    makeFarHaloWild(ur, r);
    auto backend = makeCudaBackend(comm, 0);
    parts[size_t(r)] = backend->invertField(ur, iterations, tolerance);
    backend->toHost(parts[size_t(r)]);
  });
  const int64_t plane = u.grid.size[0] * u.grid.size[1];
  double worst = 0;
  for (int r = 0; r < kRanks; ++r) {
    const Grid& g = parts[size_t(r)].grid;
    for (int64_t k = g.ownedBegin(); k < g.ownedEnd(); ++k)
      for (int64_t n = 0; n < plane; ++n) {
        const size_t local = size_t(k * plane + n), global = size_t((k + g.slab.firstSlice) * plane + n);
        worst = std::max(worst, norm(asVec3(parts[size_t(r)].data[local]) - asVec3(whole.data[global])));
      }
  }
  // The same sweeps stopped at the same iteration, then the same per-voxel polish: same values.
  REQUIRE(worst <= 1e-6);
}

TEST_CASE("GPU: a one-rank slab that owns every slice gives the whole grid's results bit for bit", "[gpu][slab]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("GPU slab reduction: one rank");
  const Scene s = makeScene(rng);
  SelfComm comm;
  auto backend = makeCudaBackend(comm, 0);
  const Grid one = SlabLayout(s.fixed.grid, 1).haloSlabGrid(0, kHalo);
  REQUIRE(one.isSlab());
  REQUIRE(one.size == s.fixed.grid.size);
  const Image f = cutSlab(s.fixed, one);
  const Mask fm = cutSlab(s.fixedMask, one);
  for (const MetricSettings& ms :
       {MetricSettings{MetricKind::MeanSquares, 0, 0, 0.5}, MetricSettings{MetricKind::CC, 1, 0, 1.0},
        MetricSettings{MetricKind::MI, 0, 16, 1.0}}) {
    const AffineMetricEval a = backend->affineMetric(s.fixed, s.moving, &s.fixedMask, nullptr, s.A, ms, true);
    const AffineMetricEval b = backend->affineMetric(f, s.moving, &fm, nullptr, s.A, ms, true);
    REQUIRE(a.validVoxels == b.validVoxels);
    REQUIRE(a.value == b.value);
    REQUIRE(a.gradient == b.gradient);
  }
  REQUIRE(backend->maxNorm(s.u) == backend->maxNorm(cutSlab(s.u, one)));
}
