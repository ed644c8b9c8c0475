// The metrics at T(x) = A(x + u(x)) and their gradient w.r.t. the displacement field u
// (Backend::fieldMetric), on smooth random images with oblique grids, anisotropic spacing, a
// non-identity affine and a smooth non-zero field:
//   - d(value)/d(u(x)) matches central finite differences at ~50 random voxels (perturb u at one
//     voxel by +-h along each LPS axis), for MSE, CC r=1, r=2 and MI, without and with masks and
//     sub-sampling;
//   - the gradient is exactly zero wherever x is not valid (decided here from first principles);
//   - u = 0 gives exactly the affine metric's value and valid count, and the summed field gradient
//     equals M^T times the affine metric's translation gradient (both are chain rules of one dvalue/dw);
//   - value and gradient are bit-identical for 1 and 2 threads.
#include <omp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "core/field.hpp"
#include "ops/backend.hpp"
#include "ops/cpu/sampling_subset.hpp"
#include "ops_test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

struct Threads {
  explicit Threads(int n) : saved(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~Threads() { omp_set_num_threads(saved); }
  int saved;
};

std::string metricName(const MetricSettings& m) {
  switch (m.kind) {
    case MetricKind::MeanSquares:
      return "MeanSquares";
    case MetricKind::CC:
      return "CC r=" + std::to_string(m.radius);
    case MetricKind::MI:
      return "MI " + std::to_string(m.bins) + " bins";
  }
  return "?";
}

std::vector<MetricSettings> allMetrics(double samplingFraction) {
  std::vector<MetricSettings> v(4);
  v[0].kind = MetricKind::MeanSquares;
  v[1].kind = MetricKind::CC;
  v[1].radius = 1;
  v[2].kind = MetricKind::CC;
  v[2].radius = 2;
  v[3].kind = MetricKind::MI;
  v[3].bins = 32;
  for (auto& m : v) m.samplingFraction = samplingFraction;
  return v;
}

struct Problem {
  Image fixed, moving;
  Mask fixedMask, movingMask;
  Affine A;
  Field u;
};

// A smooth random displacement (mm): a few wide Gaussian blobs with random vector amplitudes.
Field smoothRandomField(std::mt19937_64& rng, const Grid& g, double amplitude) {
  struct Blob {
    Vec3 at, v;
    double width;
  };
  std::vector<Blob> blobs(4);
  const Vec3 c = g.centre();
  for (Blob& b : blobs) {
    for (int a = 0; a < 3; ++a) {
      b.at[a] = c[a] + uniform(rng, -8, 8);
      b.v[a] = uniform(rng, -amplitude, amplitude);
    }
    b.width = uniform(rng, 5, 9);
  }
  Field u(g);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3 p = g.indexToPhysical({double(i), double(j), double(k)});
        Vec3 d{0, 0, 0};
        for (const Blob& b : blobs) d = d + std::exp(-0.5 * dot(p - b.at, p - b.at) / (b.width * b.width)) * b.v;
        u.at(i, j, k) = {float(d[0]), float(d[1]), float(d[2])};
      }
  return u;
}

Problem randomProblem(std::mt19937_64& rng, std::array<int64_t, 3> fixedSize = {24, 20, 16}) {
  Problem p;
  const Vec3 centre{uniform(rng, -30, 30), uniform(rng, -30, 30), uniform(rng, -30, 30)};
  const Grid fg = randomObliqueGrid(rng, fixedSize, 0.9, 1.4, 0.5, centre);
  const Grid mg = randomObliqueGrid(rng, {40, 36, 32}, 1.0, 1.3, 0.5, centre);
  const SmoothField fixedField(rng, centre, 25.0), movingField(rng, centre, 25.0);
  p.fixed = sampleImage(fg, fixedField);
  p.moving = sampleImage(mg, movingField);
  p.fixedMask = ellipsoidMask(fg, 0.9);
  p.movingMask = ellipsoidMask(mg, 0.8);
  p.A = randomAffine(rng, fg.centre(), 0.1, 0.05, 1.5);
  p.u = smoothRandomField(rng, fg, 1.5);
  return p;
}

// The moving continuous index of fixed voxel `linear` when its displacement is u(x) + delta,
// from first principles (Grid::physicalToIndex, Affine::apply), not through the code under test.
Vec3 movingIndex(const Problem& p, int64_t linear, const Vec3& delta) {
  const int64_t nx = p.fixed.grid.size[0], ny = p.fixed.grid.size[1];
  const Vec3 idx{double(linear % nx), double((linear / nx) % ny), double(linear / (nx * ny))};
  const Vec3f& u = p.u.data[size_t(linear)];
  const Vec3 x = p.fixed.grid.indexToPhysical(idx) + Vec3{u[0] + delta[0], u[1] + delta[1], u[2] + delta[2]};
  return p.moving.grid.physicalToIndex(p.A.apply(x));
}

// Validity of a fixed voxel as docs/engine.md defines it; `borderline` when q lies within 1e-7
// voxel of the inside limits or a half-integer (mask look-up), where rounding could decide.
struct Validity {
  bool valid = false, borderline = false;
};
Validity validity(const Problem& p, bool masks, double fraction, int64_t linear) {
  Validity v;
  if (masks && !p.fixedMask.data[size_t(linear)]) return v;
  if (!cpu::SamplingSubset(fraction).contains(linear)) return v;
  const Vec3 q = movingIndex(p, linear, {0, 0, 0});
  const double lo = -1e-6, eps = 1e-7;
  bool inside = true;
  for (int a = 0; a < 3; ++a) {
    const double hi = double(p.moving.grid.size[a] - 1) + 1e-6;
    inside = inside && q[a] >= lo && q[a] <= hi;
    if (std::abs(q[a] - lo) < eps || std::abs(q[a] - hi) < eps) v.borderline = true;
    if (masks && std::abs(q[a] + 0.5 - std::round(q[a] + 0.5)) < eps) v.borderline = true;
  }
  if (!inside) return v;
  if (masks) {
    int64_t n[3];
    for (int a = 0; a < 3; ++a)
      n[a] = std::clamp<int64_t>(int64_t(std::floor(q[a] + 0.5)), 0, p.moving.grid.size[a] - 1);
    if (!p.movingMask.at(n[0], n[1], n[2])) return v;
  }
  v.valid = true;
  return v;
}

// True when moving the displacement of one voxel from a to b makes its moving index cross a voxel
// face (trilinear kink), a half-integer (mask look-up) or the inside limits.
bool crossesKink(const Problem& p, int64_t linear, const Vec3& a, const Vec3& b) {
  const Vec3 qa = movingIndex(p, linear, a), qb = movingIndex(p, linear, b);
  for (int d = 0; d < 3; ++d) {
    if (std::floor(qa[d]) != std::floor(qb[d]) || std::floor(qa[d] + 0.5) != std::floor(qb[d] + 0.5)) return true;
    const double hi = double(p.moving.grid.size[d] - 1) + 1e-6;
    if ((qa[d] < -1e-6) != (qb[d] < -1e-6) || (qa[d] > hi) != (qb[d] > hi)) return true;
  }
  return false;
}

// The value with u at one voxel moved by `delta` along LPS axis `axis`. u is stored in float, so the
// step actually taken (float(u + delta) - u, up to ~1e-3 relative off for h = 1e-4 mm) is returned
// in `taken` and used for the difference quotient.
double valueAt(Backend& backend, const Problem& p, bool masks, const MetricSettings& m, int64_t linear, int axis,
               double delta, Field& scratch, double& taken) {
  const Vec3f saved = scratch.data[size_t(linear)];
  scratch.data[size_t(linear)][axis] = float(double(saved[axis]) + delta);
  taken = double(scratch.data[size_t(linear)][axis]) - double(saved[axis]);
  const FieldMetricEval e = backend.fieldMetric(p.fixed, p.moving, masks ? &p.fixedMask : nullptr,
                                                masks ? &p.movingMask : nullptr, p.A, scratch, m, nullptr);
  scratch.data[size_t(linear)] = saved;
  return e.value;
}

void checkFieldGradient(Backend& backend, const Problem& p, const MetricSettings& m, bool masks,
                        std::mt19937_64& rng) {
  const Mask* fm = masks ? &p.fixedMask : nullptr;
  const Mask* mm = masks ? &p.movingMask : nullptr;
  // Start from garbage so that "every voxel is rewritten" is tested too.
  Field grad(p.fixed.grid, Vec3f{7.0f, -7.0f, 7.0f});
  const FieldMetricEval base = backend.fieldMetric(p.fixed, p.moving, fm, mm, p.A, p.u, m, &grad);
  REQUIRE(base.validVoxels > 1000);
  const FieldMetricEval noGrad = backend.fieldMetric(p.fixed, p.moving, fm, mm, p.A, p.u, m, nullptr);
  REQUIRE(noGrad.value == base.value);
  REQUIRE(noGrad.validVoxels == base.validVoxels);
  REQUIRE(grad.grid.sameAs(p.fixed.grid));
  REQUIRE(grad.data.size() == size_t(p.fixed.voxels()));

  // Zero outside the valid set; non-zero gradients only at valid voxels, at most N of them.
  const int64_t nvox = p.fixed.voxels();
  std::vector<int64_t> validVoxels, invalidVoxels;
  int64_t nonzero = 0, validCount = 0;
  double largest = 0;
  for (int64_t v = 0; v < nvox; ++v) {
    const Validity val = validity(p, masks, m.samplingFraction, v);
    const Vec3f& g = grad.data[size_t(v)];
    const bool isZero = g[0] == 0.0f && g[1] == 0.0f && g[2] == 0.0f;
    nonzero += !isZero;
    validCount += val.valid;
    for (int a = 0; a < 3; ++a) largest = std::max(largest, double(std::abs(g[a])));
    if (val.borderline) continue;
    if (!val.valid) {
      INFO(metricName(m) << ": voxel " << v << " is not valid but has gradient " << g[0] << " " << g[1] << " " << g[2]);
      REQUIRE(isZero);
      invalidVoxels.push_back(v);
    } else {
      validVoxels.push_back(v);
    }
  }
  CHECK(std::abs(validCount - base.validVoxels) <= 2);  // borderline voxels aside, the same set
  CHECK(nonzero <= base.validVoxels);
  CHECK(nonzero > base.validVoxels / 2);
  REQUIRE(largest > 0);

  // ~50 voxels: 44 valid and (where there are any) 6 invalid ones, chosen at random.
  std::vector<int64_t> chosen;
  std::shuffle(validVoxels.begin(), validVoxels.end(), rng);
  std::shuffle(invalidVoxels.begin(), invalidVoxels.end(), rng);
  chosen.insert(chosen.end(), validVoxels.begin(), validVoxels.begin() + std::min<size_t>(44, validVoxels.size()));
  chosen.insert(chosen.end(), invalidVoxels.begin(),
                invalidVoxels.begin() + std::min<size_t>(6, invalidVoxels.size()));

  // The ~300 small evaluations run on one thread: OpenMP barriers on a busy 2-core machine would cost
  // more than the work (the value does not depend on the thread count; see the determinism test).
  Threads oneThread(1);
  Field scratch = p.u;
  for (int64_t v : chosen) {
    for (int a = 0; a < 3; ++a) {
      // h = 1e-4 mm moves q by ~1e-4 voxel. A kink on one side spoils the central difference; then
      // the one-sided difference on the other side is used (O(h) error ~1e-5 relative here), and
      // only when both sides have one is the step shrunk.
      double h = 1e-4, fd = 0;
      const auto step = [&](double s) {
        Vec3 d{0, 0, 0};
        d[a] = s;
        return d;
      };
      double takenPlus = 0, takenMinus = 0;
      const auto plus = [&] { return valueAt(backend, p, masks, m, v, a, h, scratch, takenPlus); };
      const auto minus = [&] { return valueAt(backend, p, masks, m, v, a, -h, scratch, takenMinus); };
      for (int attempt = 0;; ++attempt, h *= 0.1) {
        const bool kinkPlus = crossesKink(p, v, step(0), step(h));
        const bool kinkMinus = crossesKink(p, v, step(-h), step(0));
        if (!kinkPlus && !kinkMinus) {
          const double vp = plus(), vm = minus();
          fd = (vp - vm) / (takenPlus - takenMinus);
        } else if (!kinkPlus) {
          fd = (plus() - base.value) / takenPlus;
        } else if (!kinkMinus) {
          fd = (base.value - minus()) / -takenMinus;
        } else if (attempt < 2) {
          continue;
        } else {
          const double vp = plus(), vm = minus();
          fd = (vp - vm) / (takenPlus - takenMinus);
        }
        break;
      }
      const double analytic = grad.data[size_t(v)][a];
      // 1e-3 relative (float storage, O(h) terms of one-sided differences) plus a floor for the rounding of the value
      // (~1e-13 relative) divided by h and for voxels whose derivative is tiny against the rest.
      const double tolerance = 1e-3 * std::abs(analytic) + 1e-4 * largest + 1e-12 * std::abs(base.value) / h;
      INFO(metricName(m) << (masks ? " with masks" : "") << ", sampling " << m.samplingFraction << ": voxel " << v
                         << " axis " << a << " analytic " << analytic << " finite difference " << fd
                         << " (largest |gradient| " << largest << ", value " << base.value << ", N "
                         << base.validVoxels << ")");
      CHECK(std::abs(fd - analytic) <= tolerance);
    }
  }
}

}  // namespace

TEST_CASE("field metric gradients match finite differences (no masks, all voxels)", "[ops][metric][field]") {
  auto rng = seededRng("field metric gradients, no masks");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Problem p = randomProblem(rng);
  for (const MetricSettings& m : allMetrics(1.0)) checkFieldGradient(*backend, p, m, false, rng);
}

TEST_CASE("field metric gradients match finite differences (masks, sampling 0.6)", "[ops][metric][field]") {
  auto rng = seededRng("field metric gradients, masks");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Problem p = randomProblem(rng);
  for (const MetricSettings& m : allMetrics(0.6)) checkFieldGradient(*backend, p, m, true, rng);
}

TEST_CASE("field metric at u = 0 equals the affine metric; summed gradient = M^T affine translation gradient",
          "[ops][metric][field]") {
  auto rng = seededRng("field metric at u = 0");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Problem p = randomProblem(rng);
  const Field zero(p.fixed.grid);
  for (bool masks : {false, true})
    for (const MetricSettings& m : allMetrics(masks ? 0.6 : 1.0)) {
      const Mask* fm = masks ? &p.fixedMask : nullptr;
      const Mask* mm = masks ? &p.movingMask : nullptr;
      const AffineMetricEval affine = backend->affineMetric(p.fixed, p.moving, fm, mm, p.A, m, true);
      Field grad;
      const FieldMetricEval field = backend->fieldMetric(p.fixed, p.moving, fm, mm, p.A, zero, m, &grad);
      INFO(metricName(m) << (masks ? " with masks, sampling 0.6" : ""));
      REQUIRE(affine.validVoxels > 1000);
      REQUIRE(field.value == affine.value);
      REQUIRE(field.validVoxels == affine.validVoxels);
      // dvalue/du(x) = M^T dvalue/dy(x) and dvalue/dt = sum_x dvalue/dy(x).
      Vec3 sum{0, 0, 0};
      for (const Vec3f& g : grad.data)
        for (int a = 0; a < 3; ++a) sum[a] += g[a];
      const Vec3 expected = p.A.M.transposed() * Vec3{affine.gradient[9], affine.gradient[10], affine.gradient[11]};
      for (int a = 0; a < 3; ++a) CHECK(sum[a] == Approx(expected[a]).epsilon(1e-5).margin(1e-6 * norm(expected)));
    }
}

TEST_CASE("field metric value and gradient are bit-identical for 1 and 2 threads", "[ops][metric][field][determinism]") {
  auto rng = seededRng("field metric determinism");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Problem p = randomProblem(rng, {30, 26, 21});
  for (bool masks : {false, true})
    for (const MetricSettings& m : allMetrics(masks ? 0.3 : 1.0)) {
      FieldMetricEval e[2];
      Field g[2];
      for (int t = 1; t <= 2; ++t) {
        Threads threads(t);
        e[t - 1] = backend->fieldMetric(p.fixed, p.moving, masks ? &p.fixedMask : nullptr,
                                        masks ? &p.movingMask : nullptr, p.A, p.u, m, &g[t - 1]);
      }
      INFO(metricName(m) << (masks ? " with masks" : ""));
      REQUIRE(e[0].validVoxels > 0);
      REQUIRE(e[0].validVoxels == e[1].validVoxels);
      REQUIRE(std::memcmp(&e[0].value, &e[1].value, sizeof(double)) == 0);
      REQUIRE(std::memcmp(g[0].data.data(), g[1].data.data(), sizeof(Vec3f) * g[0].data.size()) == 0);
    }
}

TEST_CASE("field metric with no valid voxel: value 0, N 0, gradient all zero", "[ops][metric][field]") {
  auto rng = seededRng("field metric, no overlap");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  Problem p = randomProblem(rng);
  p.A.t = {500, 0, 0};  // every point far outside the moving image
  for (const MetricSettings& m : allMetrics(1.0)) {
    Field grad(p.fixed.grid, Vec3f{1.0f, 2.0f, 3.0f});
    const FieldMetricEval e = backend->fieldMetric(p.fixed, p.moving, nullptr, nullptr, p.A, p.u, m, &grad);
    INFO(metricName(m));
    REQUIRE(e.validVoxels == 0);
    REQUIRE(e.value == 0.0);
    for (const Vec3f& g : grad.data) REQUIRE((g[0] == 0.0f && g[1] == 0.0f && g[2] == 0.0f));
  }
}
