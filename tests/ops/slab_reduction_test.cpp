// Global reductions on z-slab buffers (lib/ops/cpu/slice_reduce.hpp): a rank's slab buffer holds its
// own slices plus halo slices of its neighbours; every reduction must count only the own slices and
// combine across ranks only when the grid is a slab. Checked two ways, against the same operation
// on the whole volume:
//   - SelfComm, one call per rank: each call returns that rank's partial result (SelfComm combines
//     nothing), and the partials are combined here by hand (sums, counts, maxima). The halo slices
//     of the buffers are overwritten with wrong values first wherever an owned voxel's result does
//     not read them, so a reduction that counted them would fail.
//   - ThreadComm, the ranks as threads of this process with a real allreduce: for the results that
//     are not a sum of partials (mutual information, the inverse field's stopping rule).
// The decomposition: 13x11x17 voxels, oblique, 3 ranks (6, 6 and 5 own slices), halo 2.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <vector>

#include "dist/comm.hpp"
#include "dist/slab.hpp"
#include "dist/slab_volume.hpp"
#include "field_test_support.hpp"
#include "ops/backend.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/intensity_range.hpp"
#include "ops/cpu/slice_reduce.hpp"
#include "ops/slab_scene.hpp"
#include "support/thread_comm.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

// ---- Fake communicators.

// Counts the allreduce calls and combines nothing (an N-rank run seen from one rank).
class CountingComm final : public Comm {
 public:
  int sums = 0, maxima = 0, minima = 0;
  int calls() const { return sums + maxima + minima; }
  int rank() const override { return 0; }
  int size() const override { return kRanks; }
  void allreduceSum(double*, std::size_t) override { ++sums; }
  void allreduceMax(double*, std::size_t) override { ++maxima; }
  void allreduceMin(double*, std::size_t) override { ++minima; }
  [[noreturn]] void abort(const std::string& message, int) override { throw std::runtime_error(message); }
  void exchangeHalo(const HaloTransfer&) override { throw std::logic_error("CountingComm: no halo exchange"); }
  void broadcastBytes(void*, std::size_t, int) override { throw std::logic_error("CountingComm: no broadcast"); }
};

// Ranks as threads of this process (support/thread_comm.hpp), kRanks of them.
void runRanks(const std::function<void(int, Comm&)>& body) { test::runRanks(kRanks, body); }

}  // namespace

TEST_CASE("the slab reduction rule: combine across ranks only for a slab grid", "[ops][slab]") {
  Grid whole;
  whole.size = {4, 3, 9};
  const Grid slab = slabGridOf(whole, 1);
  REQUIRE(slab.isSlab());
  double v[2] = {1, 2};
  // Per-slice partials, two a slice: all slices of a whole grid, the owned ones of a slab.
  std::vector<double> perSlice;
  for (int64_t k = 0; k < slab.size[2]; ++k) {
    perSlice.push_back(double(1 << k));
    perSlice.push_back(1.0);
  }

  CountingComm comm;
  Grid wholeOfSlab = slab;
  wholeOfSlab.slab = SlabPlacement{};
  const std::vector<double> all = cpu::sumSlicesInWholeOrder(wholeOfSlab, comm, perSlice.data(), 2);
  cpu::acrossRanksMax(whole, comm, v, 2);
  cpu::acrossRanksMin(whole, comm, v, 2);
  REQUIRE(comm.calls() == 0);
  CHECK(all[0] == double((1 << slab.size[2]) - 1));
  CHECK(all[1] == double(slab.size[2]));
  // CountingComm sums nothing across ranks: what comes back is this rank's own slices alone.
  const std::vector<double> own = cpu::sumSlicesInWholeOrder(slab, comm, perSlice.data(), 2);
  cpu::acrossRanksMax(slab, comm, v, 2);
  cpu::acrossRanksMin(slab, comm, v, 2);
  REQUIRE(comm.sums == 1);
  REQUIRE(comm.maxima == 1);
  REQUIRE(comm.minima == 1);
  double owned = 0;
  for (int64_t k = slab.ownedBegin(); k < slab.ownedEnd(); ++k) owned += double(1 << k);
  REQUIRE(slab.ownedEnd() - slab.ownedBegin() == 3);
  REQUIRE(slab.ownedBegin() == kHalo);
  CHECK(own[0] == owned);
  CHECK(own[1] == 3.0);
  REQUIRE(cpu::maxOwnedSlices(slab, std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 0.0) ==
          double(slab.ownedEnd()));
}

// Sums of per-slice partials added on each rank and then across ranks round differently for every
// rank count; added in whole-slice order they are the one-process sum, bit for bit.
TEST_CASE("sums over slabs in whole-slice order are the whole grid's sum bit for bit, any layout", "[ops][slab]") {
  auto rng = seededRng("slab reduction: whole-slice order");
  Grid whole;
  whole.size = {2, 2, 37};
  std::vector<double> wholePartials;
  for (int64_t k = 0; k < whole.size[2]; ++k)
    for (int n = 0; n < 3; ++n) wholePartials.push_back(uniform(rng, -1.0, 1.0) * std::pow(10.0, uniform(rng, -8, 8)));
  SelfComm self;
  const std::vector<double> reference = cpu::sumSlicesInWholeOrder(whole, self, wholePartials.data(), 3);
  const SlabCuts uneven = std::make_shared<const std::vector<double>>(std::vector<double>{0.0, 0.1, 0.7, 1.0});
  for (const SlabCuts& cuts : {SlabCuts(), uneven}) {
    std::vector<std::vector<double>> results(kRanks);
    runRanks([&](int r, Comm& comm) {
      const Grid slab = SlabLayout(whole, kRanks, cuts).haloSlabGrid(r, 2);
      std::vector<double> partials(size_t(slab.size[2]) * 3, -7.0);  // halo slices hold junk: not counted
      for (int64_t k = slab.ownedBegin(); k < slab.ownedEnd(); ++k)
        for (int n = 0; n < 3; ++n)
          partials[size_t(k) * 3 + size_t(n)] = wholePartials[size_t(k + slab.slab.firstSlice) * 3 + size_t(n)];
      results[size_t(r)] = cpu::sumSlicesInWholeOrder(slab, comm, partials.data(), 3);
    });
    for (int r = 0; r < kRanks; ++r) {
      INFO("rank " << r << (cuts ? ", uneven slabs" : ", equal slabs"));
      CHECK(results[size_t(r)] == reference);
    }
  }
}

TEST_CASE("ops reduce a whole image on its own and a slab across ranks", "[ops][slab]") {
  auto rng = seededRng("slab reduction: which reductions are combined");
  const Scene s = makeScene(rng);
  const Image slab = cutFor(s.fixed, 1);

  SECTION("intensity range") {
    CountingComm comm;
    const cpu::IntensityRange wholeRange = cpu::intensityRange(s.moving, comm);
    REQUIRE(comm.calls() == 0);  // the moving image is whole on every rank
    REQUIRE(wholeRange.min == Approx(*std::min_element(s.moving.data.begin(), s.moving.data.end())));
    cpu::intensityRange(slab, comm);
    REQUIRE(comm.minima == 1);
    REQUIRE(comm.maxima == 1);
  }
  SECTION("centre of mass and maxNorm") {
    CountingComm comm;
    auto backend = makeCpuBackend(comm);
    backend->centreOfMass(s.moving);
    backend->maxNorm(s.u);
    REQUIRE(comm.calls() == 0);
    backend->centreOfMass(slab);
    REQUIRE(comm.sums == 1);
    backend->maxNorm(cutFor(s.u, 1));
    REQUIRE(comm.maxima == 1);
  }
}

TEST_CASE("the intensity range over slabs counts only the own slices", "[ops][slab]") {
  auto rng = seededRng("slab reduction: intensity range");
  const Scene s = makeScene(rng);
  SelfComm comm;
  for (const float poison : {-1e6f, 1e6f}) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (int r = 0; r < kRanks; ++r) {
      Image f = cutFor(s.fixed, r);
      poisonHalo(f, poison);
      const cpu::IntensityRange part = cpu::intensityRange(f, comm);
      lo = std::min(lo, part.min);
      hi = std::max(hi, part.max);
    }
    REQUIRE(lo == s.lo);
    REQUIRE(hi == s.hi);
  }
}

TEST_CASE("field maxima over slabs count only the own slices", "[ops][slab]") {
  auto rng = seededRng("slab reduction: field maxima");
  SelfComm comm;
  requireFieldMaximaCountOwnSlices(*makeCpuBackend(comm), rng);
}


TEST_CASE("centre of mass over slabs combines the ranks' weighted sums", "[ops][slab]") {
  auto rng = seededRng("slab reduction: centre of mass");
  const Scene s = makeScene(rng);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Vec3 whole = backend->centreOfMass(s.fixed);

  // Each rank returns the centre of its own positive mass; the whole centre is their mean weighted
  // by each rank's mass (computed here from the own slices).
  Vec3 weighted{0, 0, 0};
  double mass = 0;
  for (int r = 0; r < kRanks; ++r) {
    Image f = cutFor(s.fixed, r);
    double m = 0;
    const int64_t plane = f.grid.size[0] * f.grid.size[1];
    for (int64_t n = f.grid.ownedBegin() * plane; n < f.grid.ownedEnd() * plane; ++n) m += std::max(0.0f, f.data[size_t(n)]);
    poisonHalo(f, 1e4f);
    const Vec3 c = backend->centreOfMass(f);
    weighted = weighted + m * c;
    mass += m;
  }
  const Vec3 combined = (1.0 / mass) * weighted;
  REQUIRE(norm(combined - whole) <= 1e-9 * (1 + norm(whole)));
}

TEST_CASE("affine metrics over slabs add up to the whole metric", "[ops][slab]") {
  auto rng = seededRng("slab reduction: affine metrics");
  const Scene s = makeScene(rng);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);

  requireAffineMetricSectionsAddUp(*backend, s);
}

TEST_CASE("field metrics over slabs add up to the whole metric", "[ops][slab]") {
  auto rng = seededRng("slab reduction: field metrics");
  const Scene s = makeScene(rng);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const MetricSettings mse{MetricKind::MeanSquares, 0, 0, 1.0}, mseSome{MetricKind::MeanSquares, 0, 0, 0.3},
      cc{MetricKind::CC, 1, 0, 1.0};

  for (const MetricSettings& ms : {mse, mseSome, cc}) requireFieldMetricAddsUp(*backend, s, ms);
}

TEST_CASE("mutual information over slabs with ranks as threads equals the whole metric", "[ops][slab]") {
  auto rng = seededRng("slab reduction: mutual information");
  const Scene s = makeScene(rng);
  SelfComm self;
  auto wholeBackend = makeCpuBackend(self);
  const MetricSettings mi{MetricKind::MI, 0, 16, 1.0};
  const AffineMetricEval whole = wholeBackend->affineMetric(s.fixed, s.moving, &s.fixedMask, nullptr, s.A, mi, true);
  Field wholeGradient;
  const FieldMetricEval wholeField =
      wholeBackend->fieldMetric(s.fixed, s.moving, &s.fixedMask, nullptr, s.A, s.u, mi, &wholeGradient);

  std::vector<AffineMetricEval> affine(kRanks);
  std::vector<FieldMetricEval> field(kRanks);
  std::vector<Field> gradients(kRanks);
  runRanks([&](int r, Comm& comm) {
    auto backend = makeCpuBackend(comm);
    Image f = cutFor(s.fixed, r);
    Field u = cutFor(s.u, r);
    const Mask fm = cutFor(s.fixedMask, r);
    poisonHalo(f, float(s.lo));  // inside the range (the bins stay valid) but wrong
    poisonHalo(u, Vec3f{4, -4, 4});
    affine[size_t(r)] = backend->affineMetric(f, s.moving, &fm, nullptr, s.A, mi, true);
    field[size_t(r)] = backend->fieldMetric(f, s.moving, &fm, nullptr, s.A, u, mi, &gradients[size_t(r)]);
  });

  REQUIRE(whole.validVoxels > 100);
  for (int r = 0; r < kRanks; ++r) {
    // Every rank holds the same reduced result, bit for bit.
    REQUIRE(affine[size_t(r)].value == affine[0].value);
    REQUIRE(affine[size_t(r)].gradient == affine[0].gradient);
    REQUIRE(field[size_t(r)].value == field[0].value);
    REQUIRE(affine[size_t(r)].validVoxels == whole.validVoxels);
    REQUIRE(field[size_t(r)].validVoxels == wholeField.validVoxels);
  }
  // The sums run in whole-slice order (slice_reduce.hpp), so the results are the whole run's bits.
  REQUIRE(affine[0].value == whole.value);
  REQUIRE(affine[0].gradient == whole.gradient);
  REQUIRE(field[0].value == wholeField.value);
  REQUIRE(ownSlicesMismatch(wholeGradient, gradients) == 0);
}

// Mean squares and CC too: value and per-voxel gradient the whole run's, bit for bit, on every rank.
TEST_CASE("field metrics with ranks as threads equal the whole metric bit for bit", "[ops][slab]") {
  auto rng = seededRng("slab reduction: field metrics across threads");
  const Scene s = makeScene(rng);
  SelfComm self;
  auto wholeBackend = makeCpuBackend(self);
  for (const MetricSettings& ms : {MetricSettings{MetricKind::MeanSquares, 0, 0, 1.0},
                                   MetricSettings{MetricKind::CC, 1, 0, 1.0}}) {
    INFO("metric kind " << int(ms.kind));
    Field wholeGradient;
    const FieldMetricEval whole =
        wholeBackend->fieldMetric(s.fixed, s.moving, &s.fixedMask, nullptr, s.A, s.u, ms, &wholeGradient);
    std::vector<FieldMetricEval> field(kRanks);
    std::vector<Field> gradients(kRanks);
    runRanks([&](int r, Comm& comm) {
      auto backend = makeCpuBackend(comm);
      const Image f = cutFor(s.fixed, r);
      const Field u = cutFor(s.u, r);
      const Mask fm = cutFor(s.fixedMask, r);
      field[size_t(r)] = backend->fieldMetric(f, s.moving, &fm, nullptr, s.A, u, ms, &gradients[size_t(r)]);
    });
    REQUIRE(whole.validVoxels > 100);
    for (int r = 0; r < kRanks; ++r) {
      CHECK(field[size_t(r)].value == whole.value);
      CHECK(field[size_t(r)].validVoxels == whole.validVoxels);
    }
    CHECK(ownSlicesMismatch(wholeGradient, gradients) == 0);
  }
}

TEST_CASE("centre of mass over slabs with ranks as threads equals the whole centre", "[ops][slab]") {
  auto rng = seededRng("slab reduction: centre of mass across threads");
  const Scene s = makeScene(rng);
  SelfComm self;
  const Vec3 whole = makeCpuBackend(self)->centreOfMass(s.fixed);
  std::vector<Vec3> parts(kRanks);
  runRanks([&](int r, Comm& comm) {
    Image f = cutFor(s.fixed, r);
    poisonHalo(f, 1e4f);
    parts[size_t(r)] = makeCpuBackend(comm)->centreOfMass(f);
  });
  for (int r = 0; r < kRanks; ++r) REQUIRE(parts[size_t(r)] == whole);  // the whole centre's bits on every rank
}

TEST_CASE("invertField over slabs with ranks as threads matches the whole inverse on own slices", "[ops][slab]") {
  auto rng = seededRng("slab reduction: inverse field");
  const Scene s = makeScene(rng);
  const Field u = fieldWeakInLastRank(rng, s.u.grid);
  const int iterations = 30;
  const double tolerance = 3e-2;
  SelfComm self;
  const Field whole = cpu::invertFieldSweeps(u, iterations, tolerance, self);
  const Field allSweeps = cpu::invertFieldSweeps(u, iterations, 0.0, self);
  REQUIRE(whole.data != allSweeps.data);  // the tolerance stops the whole inversion early
  const Field polished = makeCpuBackend(self)->invertField(u, iterations, tolerance);

  // Far halo slices of every slab are wild (makeFarHaloWild).
  std::vector<Field> parts(kRanks), partsPolished(kRanks);
  runRanks([&](int r, Comm& comm) {
    Field ur = cutFor(u, r);
    makeFarHaloWild(ur, r);
    parts[size_t(r)] = cpu::invertFieldSweeps(ur, iterations, tolerance, comm);
    partsPolished[size_t(r)] = makeCpuBackend(comm)->invertField(ur, iterations, tolerance);
  });
  const int64_t plane = u.grid.size[0] * u.grid.size[1];
  double worstPolished = 0;
  bool sweepsSame = true;
  for (int r = 0; r < kRanks; ++r) {
    const Grid& g = parts[size_t(r)].grid;
    for (int64_t k = g.ownedBegin(); k < g.ownedEnd(); ++k)
      for (int64_t n = 0; n < plane; ++n) {
        const size_t local = size_t(k * plane + n), global = size_t((k + g.slab.firstSlice) * plane + n);
        sweepsSame = sweepsSame && parts[size_t(r)].data[local] == whole.data[global];
        worstPolished = std::max(worstPolished, norm(asVec3(partsPolished[size_t(r)].data[local]) -
                                                     asVec3(polished.data[global])));
      }
  }
  REQUIRE(sweepsSame);  // the same sweeps, stopped at the same iteration
  REQUIRE(worstPolished <= 1e-6);
}

TEST_CASE("a one-rank slab that owns every slice gives the whole grid's results bit for bit", "[ops][slab]") {
  auto rng = seededRng("slab reduction: one rank");
  const Scene s = makeScene(rng);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid one = SlabLayout(s.fixed.grid, 1).haloSlabGrid(0, kHalo);
  REQUIRE(one.isSlab());
  REQUIRE(one.size == s.fixed.grid.size);
  const Image f = cutSlab(s.fixed, one);
  const Mask fm = cutSlab(s.fixedMask, one);
  for (const MetricSettings& ms : {MetricSettings{MetricKind::MeanSquares, 0, 0, 0.5}, MetricSettings{MetricKind::CC, 1, 0, 1.0},
                                   MetricSettings{MetricKind::MI, 0, 16, 1.0}}) {
    const AffineMetricEval a = backend->affineMetric(s.fixed, s.moving, &s.fixedMask, nullptr, s.A, ms, true);
    const AffineMetricEval b = backend->affineMetric(f, s.moving, &fm, nullptr, s.A, ms, true);
    REQUIRE(a.validVoxels == b.validVoxels);
    REQUIRE(a.value == b.value);
    REQUIRE(a.gradient == b.gradient);
  }
  REQUIRE(backend->maxNorm(s.u) == backend->maxNorm(cutSlab(s.u, one)));
}
