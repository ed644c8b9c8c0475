#include "ops/slab_backend.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "dist/slab_volume.hpp"
#include "ops/coarse_field_map.hpp"
#include "ops/moving_window_cache.hpp"

namespace ffdp {

int64_t haloForStencils(int maxCcRadius, double maxFieldSigmaVoxels) {
  const int64_t gaussian = static_cast<int64_t>(std::ceil(4.0 * std::max(0.0, maxFieldSigmaVoxels)));
  return std::max<int64_t>({2 * int64_t(std::max(0, maxCcRadius)), gaussian, 1}) + 1;
}

namespace {

// This rank's share of sourceHaloFor.
double localSourceHalo(const Grid& source, const Grid& target, double reach) {
  double lo = 1e300, hi = -1e300;
  for (int n = 0; n < 8; ++n) {
    const Vec3 corner{(n & 1) ? double(target.size[0] - 1) : 0.0, (n & 2) ? double(target.size[1] - 1) : 0.0,
                      double((n & 4) ? target.ownedEnd() - 1 : target.ownedBegin())};
    const double k = source.physicalToIndex(target.indexToPhysical(corner))[2];
    lo = std::min(lo, k);
    hi = std::max(hi, k);
  }
  const double below = double(source.ownedBegin()) - (std::floor(lo) - reach);
  const double above = (std::floor(hi) + 1 + reach) - double(source.ownedEnd() - 1);
  return std::ceil(std::max(below, above));
}

// Slices of `grid` that a displacement of `mm` millimetres can cross (z is the slab axis).
double slicesSpannedBy(const Grid& grid, double mm) {
  const Mat3 toIndex = grid.indexToPhysicalMatrix().inverse();
  const double row = std::sqrt(toIndex.m[2][0] * toIndex.m[2][0] + toIndex.m[2][1] * toIndex.m[2][1] +
                               toIndex.m[2][2] * toIndex.m[2][2]);
  return mm * row;
}

// The halo `source` needs so that every own slice of `target` reads only slices it holds, for a
// resampling whose kernel reaches `reach` source slices beyond the trilinear pair. The same on every
// rank (a reduction), as a halo exchange needs.
int64_t sourceHaloFor(const Grid& source, const Grid& target, double reach, Comm& comm) {
  if (!source.isSlab() || !target.isSlab()) return source.slab.halo;
  double needed = double(source.slab.halo);
  if (target.ownedEnd() > target.ownedBegin()) needed = std::max(needed, localSourceHalo(source, target, reach));
  comm.allreduceMax(&needed, 1);
  return static_cast<int64_t>(needed);
}

void requireHalo(const Grid& grid, int64_t needed, const char* op) {
  if (grid.isSlab() && grid.slab.halo < needed)
    fail(ExitCode::Internal, std::string(op) + ": the slab halo is " + std::to_string(grid.slab.halo) +
                                 " slices but the stencil reaches " + std::to_string(needed));
}

int64_t gaussianReach(const Vec3& sigmaVoxels) {
  return static_cast<int64_t>(std::ceil(4.0 * std::max(0.0, sigmaVoxels[2])));
}

// The spare slices a moving window is fetched with beyond the needed range: the cache's default, or
// FFDP_MOVING_WINDOW_SPARE_SLICES (a tuning knob; the tests set it low so that windows move).
int64_t windowSpareSlices() {
  const char* text = std::getenv("FFDP_MOVING_WINDOW_SPARE_SLICES");
  if (!text || !*text) return MovingWindowCache::kSpareSlices;
  char* end = nullptr;
  const long long n = std::strtoll(text, &end, 10);
  if (*end != '\0' || n < 0 || n > 1000000)
    fail(ExitCode::Usage, std::string("FFDP_MOVING_WINDOW_SPARE_SLICES: '") + text + "' is not a slice count (0 or more)");
  return n;
}

class SlabBackend final : public Backend {
 public:
  SlabBackend(Backend& inner, Comm& comm) : in_(inner), comm_(comm), windows_(inner, comm, windowSpareSlices()) {}
  const MovingWindowStats& windowStats() const { return windows_.stats(); }
  const char* name() const override { return in_.name(); }
  void toHost(Image& image) override { in_.toHost(image); }
  void toHost(Field& field) override { in_.toHost(field); }
  size_t devicePeakBytes() const override { return in_.devicePeakBytes(); }
  DeviceTraffic deviceTraffic() const override { return in_.deviceTraffic(); }
  double miBackgroundVoxelCost() const override { return in_.miBackgroundVoxelCost(); }
  void finishQueuedWork() override { in_.finishQueuedWork(); }
  void refreshHalo(Comm& comm, Image& v) override { in_.refreshHalo(comm, v); }
  void refreshHalo(Comm& comm, Field& v) override { in_.refreshHalo(comm, v); }
  void refreshInnerHalo(Comm& comm, Field& v, int64_t depth) override { in_.refreshInnerHalo(comm, v, depth); }
  void refreshHalo(Comm& comm, Mask& v) override { in_.refreshHalo(comm, v); }
  Image reslab(Comm& comm, const Image& v, int64_t halo) override { return produced(in_.reslab(comm, v, halo)); }
  Field reslab(Comm& comm, const Field& v, int64_t halo) override { return in_.reslab(comm, v, halo); }
  Mask reslab(Comm& comm, const Mask& v, int64_t halo) override { return produced(in_.reslab(comm, v, halo)); }

  // Pyramid levels: volumes are rebuilt (and earlier ones freed), so no moving window is served again.
  Image smoothAndResample(const Image& in, const Vec3& sigmaVoxels, const Grid& target) override {
    windows_.newGeneration();
    const double reach = double(gaussianReach(sigmaVoxels)) + 1;
    return produced(
        ontoSlab(in, target, reach, [&](const Image& v) { return in_.smoothAndResample(v, sigmaVoxels, target); }));
  }
  Mask resampleMask(const Mask& in, const Grid& target) override {
    windows_.newGeneration();
    return produced(ontoSlab(in, target, 1, [&](const Mask& v) { return in_.resampleMask(v, target); }));
  }
  // Voxel by voxel from the moving image (whole, or the window of a slab that holds every slice the
  // samples read): halo slices come out right without an exchange.
  Image resampleAffine(const Image& moving, const Grid& grid, const Affine& A, Interpolation interp,
                       float outside) override {
    const MovingWindowCache::Sampled m = windows_.prepare(moving, nullptr, grid, A, 0.0);
    return produced(in_.resampleAffine(*m.image, grid, A, interp, outside));
  }
  AffineMetricEval affineMetric(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask,
                                const Affine& A, const MetricSettings& metric, bool withGradient) override {
    if (metric.kind == MetricKind::CC) requireHalo(fixed.grid, 2 * int64_t(metric.radius), "affine CC metric");
    const MovingWindowCache::Sampled m = windows_.prepare(moving, movingMask, fixed.grid, A, 0.0);
    return in_.affineMetric(fixed, *m.image, fixedMask, m.mask, A, metric, withGradient);
  }
  Vec3 centreOfMass(const Image& image) override { return in_.centreOfMass(image); }

  Field zeroField(const Grid& grid) override { return in_.zeroField(grid); }
  void smoothField(Field& u, const Vec3& sigmaVoxels) override {
    smoothFieldKeepingHaloStale(u, sigmaVoxels);
    in_.refreshHalo(comm_, u);
  }
  void smoothFieldKeepingHaloStale(Field& u, const Vec3& sigmaVoxels) override {
    requireHalo(u.grid, gaussianReach(sigmaVoxels), "field smoothing");
    in_.smoothField(u, sigmaVoxels);
  }
  // r(x) = g(x) + u(x + g(x)) reads u as far as g reaches: both are widened to cover that.
  Field composeFields(const Field& u, const Field& g) override {
    const int64_t halo = reachOf(g);
    if (halo <= u.grid.slab.halo) return refreshed(in_.composeFields(u, g));
    return narrowed(in_.composeFields(in_.reslab(comm_, u, halo), in_.reslab(comm_, g, halo)), u.grid.slab.halo);
  }
  // v(y) = -u(y + v(y)) reads u up to max |u| away from y.
  Field invertField(const Field& u, int iterations, double tolerance) override {
    const int64_t halo = reachOf(u);
    if (halo <= u.grid.slab.halo) return refreshed(in_.invertField(u, iterations, tolerance));
    return narrowed(in_.invertField(in_.reslab(comm_, u, halo), iterations, tolerance), u.grid.slab.halo);
  }
  Image jacobianDeterminant(const Field& u) override {
    requireHalo(u.grid, 1, "Jacobian determinant");
    Image det = in_.jacobianDeterminant(u);
    in_.refreshHalo(comm_, det);
    return produced(std::move(det));
  }
  // The source's halo is read, and a field's may be stale (the Adam moments: see the header), so the
  // source is always re-slabbed, which exchanges its halo. Once per level per field.
  Field resampleField(const Field& u, const Grid& target) override {
    if (!u.grid.isSlab()) return in_.resampleField(u, target);
    const int64_t halo = sourceHaloFor(u.grid, target, 1, comm_);
    Field out = in_.resampleField(in_.reslab(comm_, u, halo), target);
    in_.refreshHalo(comm_, out);
    return out;
  }
  FieldMetricEval fieldMetric(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask,
                              const Affine& A, const Field& u, const MetricSettings& metric,
                              Field* gradient) override {
    if (metric.kind == MetricKind::CC) requireHalo(fixed.grid, 2 * int64_t(metric.radius), "field CC metric");
    const MovingWindowCache::Sampled m = windows_.prepare(moving, movingMask, fixed.grid, A, displacementBound(moving, u));
    const FieldMetricEval eval = in_.fieldMetric(fixed, *m.image, fixedMask, m.mask, A, u, metric, gradient);
    // The gradient per fixed voxel of a coarser u has one reader, restrictField onto u's grid, which looks
    // only a few slices into the halo (2 or 3 at fieldShrink 2 or 3, against the 13 of the gigavoxel preset's
    // smoothing): only those are refreshed.
    if (gradient && u.grid.sameAs(gradient->grid))
      in_.refreshHalo(comm_, *gradient);
    else if (gradient)
      in_.refreshInnerHalo(comm_, *gradient, restrictionHalo(gradient->grid, u.grid, comm_.size()));
    return eval;
  }
  // fine's halo was refreshed by fieldMetric as deep as this reads; the field's halo slices gather only
  // part of their readers, so they are refreshed from their owners.
  Field restrictField(const Field& fine, const Grid& fieldGrid) override {
    return refreshed(in_.restrictField(fine, fieldGrid));
  }
  double maxNorm(const Field& u) override { return in_.maxNorm(u); }
  // Voxel by voxel: u at x and the moving image (whole, or a window holding every slice read).
  Image resampleWarp(const Image& moving, const Affine& A, const Field& u, Interpolation interp,
                     float outside) override {
    const MovingWindowCache::Sampled m = windows_.prepare(moving, nullptr, u.grid, A, displacementBound(moving, u));
    return produced(in_.resampleWarp(*m.image, A, u, interp, outside));
  }
  // Voxel by voxel from g, whose halo is current: m and v stay consistent without an exchange.
  double adamMoments(Field& m, Field& v, const Field& g, double gScale, double beta1, double beta2) override {
    return in_.adamMoments(m, v, g, gScale, beta1, beta2);
  }
  double adamDirectionMaxNorm(const Field& m, const Field& v, double c1, double c2, double epsilon) override {
    return in_.adamDirectionMaxNorm(m, v, c1, c2, epsilon);
  }
  // Reads u at x + s d(x), |s d| <= |s| max|d| (the caller caps it to a fraction of a voxel).
  void composeAdamStep(const Field& u, const Field& m, const Field& v, double c1, double c2, double epsilon, double s,
                       Field& out) override {
    requireHalo(u.grid, 1, "Adam step composition");
    in_.composeAdamStep(u, m, v, c1, c2, epsilon, s, out);
    in_.refreshHalo(comm_, out);
  }

 private:
  // A resampling `op` of `in` onto `target`: `in` widened first when the target's own slices reach past
  // its halo (by `reach` slices beyond the trilinear pair), then the result's halo refreshed.
  template <class V, class Op>
  V ontoSlab(const V& in, const Grid& target, double reach, Op op) {
    const int64_t halo = sourceHaloFor(in.grid, target, reach, comm_);
    V out = halo > in.grid.slab.halo ? op(in_.reslab(comm_, in, halo)) : op(in);
    in_.refreshHalo(comm_, out);
    return out;
  }
  // The halo a field's displacements reach, in slices, plus the trilinear pair and one for rounding.
  int64_t reachOf(const Field& g) {
    if (!g.grid.isSlab()) return 0;
    return static_cast<int64_t>(std::ceil(slicesSpannedBy(g.grid, in_.maxNorm(g)))) + 2;
  }
  Field refreshed(Field f) {
    in_.refreshHalo(comm_, f);
    return f;
  }
  Field narrowed(const Field& wide, int64_t halo) { return in_.reslab(comm_, wide, halo); }
  // The largest displacement a window must allow for: max |u| over the whole field (a reduction, so
  // only when the moving image is a slab, which it is on every rank or on none).
  double displacementBound(const Image& moving, const Field& u) { return moving.grid.isSlab() ? in_.maxNorm(u) : 0.0; }
  // A volume this decorator hands out is new: a cached window of a volume that lived in its buffer is dropped.
  template <class V>
  V produced(V v) {
    windows_.forgetProduced(v);
    return v;
  }

  Backend& in_;
  Comm& comm_;
  MovingWindowCache windows_;
};

}  // namespace

std::unique_ptr<Backend> makeSlabBackend(Backend& inner, Comm& comm) {
  return std::make_unique<SlabBackend>(inner, comm);
}

const MovingWindowStats* movingWindowStatsOf(const Backend& backend) {
  const auto* slab = dynamic_cast<const SlabBackend*>(&backend);
  return slab ? &slab->windowStats() : nullptr;
}

}  // namespace ffdp
