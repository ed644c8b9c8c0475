// The small set of operations the registration engine needs from a compute backend.
// lib/reg is written once against this interface; ops/cpu is the OpenMP reference and
// cuda/ adds the GPU version. Every global quantity is reduced through the Comm the backend
// was made with, in a fixed order, so results do not depend on the thread count.
#pragma once
#include <array>
#include <cstdint>
#include <memory>

#include "core/affine.hpp"
#include "core/field.hpp"
#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "dist/slab_volume.hpp"
#include "ops/metric_settings.hpp"

namespace ffdp {

enum class Interpolation { Linear, NearestNeighbor, Label };

// d(metric)/d(affine parameters) in ITK's order: M row-major (9 values), then t (3); centre fixed.
using AffineGradient = std::array<double, 12>;

struct FieldMetricEval {
  double value = 0;         // the metric to minimise, as in AffineMetricEval
  int64_t validVoxels = 0;  // as in AffineMetricEval, with A(x + u(x)) in place of A(x)
};

struct AffineMetricEval {
  double value = 0;           // the metric to minimise (negated similarity for CC and MI)
  AffineGradient gradient{};  // zero unless asked for
  int64_t validVoxels = 0;    // fixed voxels that counted: in the fixed mask, mapped inside the
                              // moving image (and its mask), and in the sampled subset
};

// What a backend moved between accelerators itself, bypassing the host Comm (NCCL halo exchanges of
// the CUDA backend): bytes this rank sent, exchanges that moved anything, and the seconds they took
// on the device, waiting for the peer included. Zero where halos go through the host Comm, whose own
// timer (dist/timed_comm.hpp) counts them instead.
struct DeviceTraffic {
  uint64_t bytesSent = 0;
  int64_t exchanges = 0;
  double seconds = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // Volumes a backend returns may live only in its memory (core/volume.hpp); these make their host
  // values current. A no-op on the CPU backend. Callers that read voxels on the host (file output,
  // evaluation) call it first; inside a registration nothing does, so a GPU run never copies back.
  virtual void toHost(Image& image) = 0;
  virtual void toHost(Field& field) = 0;
  // The most accelerator memory this backend held at once since it was made (0 for the CPU).
  virtual size_t devicePeakBytes() const { return 0; }
  // This backend's own device-to-device traffic so far (see DeviceTraffic). May wait for queued
  // device work to finish (it reads the exchanges' timers): ask after a registration, not inside one.
  virtual DeviceTraffic deviceTraffic() const { return {}; }
  // The work of a voxel whose fixed intensity lies in MI's lowest bin (background), relative to one
  // that does not, in an MI iteration: the slab layout of an MI run balances by it (dist/slab_balance.hpp).
  // 1: every voxel costs the same (the CPU backend's histogram has no such shortcut).
  virtual double miBackgroundVoxelCost() const { return 1.0; }
  // Waits until the work queued so far has finished (a no-op where calls return finished, as on the
  // CPU). For timing only (ops/op_timing_backend.hpp): a registration never needs it.
  virtual void finishQueuedWork() {}

  // Gaussian smoothing (sigma in input voxels per axis, 0 = none), then linear resampling onto
  // `target`, which covers the same physical region. Builds pyramid levels.
  virtual Image smoothAndResample(const Image& in, const Vec3& sigmaVoxels, const Grid& target) = 0;
  // Nearest-neighbour resampling of a mask onto another grid (outside = 0).
  virtual Mask resampleMask(const Mask& in, const Grid& target) = 0;
  // moving(A(x)) for every voxel x of `grid`; points outside the moving image get `outside`.
  // Label interpolation picks the label with the largest summed trilinear weight.
  virtual Image resampleAffine(const Image& moving, const Grid& grid, const Affine& A, Interpolation interp,
                               float outside) = 0;
  // The metric between fixed(x) and moving(A(x)) over the valid voxels, and optionally its gradient
  // w.r.t. the 12 affine parameters. Masks may be null; when given they lie on the fixed / moving grids.
  virtual AffineMetricEval affineMetric(const Image& fixed, const Image& moving, const Mask* fixedMask,
                                        const Mask* movingMask, const Affine& A, const MetricSettings& metric,
                                        bool withGradient) = 0;
  // Intensity-weighted centre of mass in physical space (negative values count as zero).
  virtual Vec3 centreOfMass(const Image& image) = 0;

  // ---- Displacement fields (deformable stages). A field u lives on the fixed grid; the full map is
  // T(x) = A(x + u(x)). Values are LPS millimetres; sampling a field between voxels is trilinear,
  // and beyond its outer voxel centres it takes the edge value (a field is defined everywhere).

  // A zero field on `grid`, allocated where the backend keeps its fields (no host copy on a GPU).
  virtual Field zeroField(const Grid& grid) = 0;
  // Gaussian smoothing of each component in place (sigma in voxels of the field's grid per axis).
  virtual void smoothField(Field& u, const Vec3& sigmaVoxels) = 0;
  // smoothField for a field whose halo slices nobody reads before they are overwritten (the metric
  // gradient on its way into the pointwise Adam update): a slab's halo may be left stale, which
  // saves the halo exchange. On a whole grid the same as smoothField.
  virtual void smoothFieldKeepingHaloStale(Field& u, const Vec3& sigmaVoxels) { smoothField(u, sigmaVoxels); }
  // (x + u) ∘ (x + g) − x, i.e. r(x) = g(x) + u(x + g(x)): first g, then u. Both on one grid.
  virtual Field composeFields(const Field& u, const Field& g) = 0;
  // v with x + v the inverse of x + u on the same grid, by the fixed-point iteration
  // v(y) <- -u(y + v(y)); stops after `iterations` or when the largest update is below `tolerance` mm;
  // then (iterations > 0, tolerance > 0) every voxel whose residual |v + u(y + v)| is still above the
  // tolerance is solved by Newton's method on its own (ops/field_inverse_newton.hpp): the sweeps stall
  // where u expands strongly, Newton converges wherever the warp does not fold.
  virtual Field invertField(const Field& u, int iterations, double tolerance) = 0;
  // det(I + du/dx) per voxel (central differences in physical space, one-sided at the border).
  virtual Image jacobianDeterminant(const Field& u) = 0;
  // u resampled onto another grid covering the same region (pyramid levels); values stay in mm.
  virtual Field resampleField(const Field& u, const Grid& target) = 0;
  // The metric between fixed(x) and moving(A(x + u(x))) over the valid voxels (the affine metrics'
  // definitions with A(x + u(x)) in place of A(x)); when `gradient` is not null it receives
  // d(value)/d(u(x)) at every fixed voxel (LPS, per mm; zero where x is not valid).
  // u may instead lie on a coarser grid over the same region (a stage's fieldShrink): each fixed voxel
  // then uses U(x), u interpolated at x (ops/coarse_field_map.hpp), and `gradient`, still on the fixed
  // grid, receives d(value)/dU(x); restrictField takes it onto u's voxels.
  virtual FieldMetricEval fieldMetric(const Image& fixed, const Image& moving, const Mask* fixedMask,
                                      const Mask* movingMask, const Affine& A, const Field& u,
                                      const MetricSettings& metric, Field* gradient) = 0;
  // The gradient w.r.t. a coarser field's voxels from the gradient w.r.t. its interpolation U at the fixed
  // voxels (fieldMetric's output): the transpose of that interpolation (ops/coarse_field_map.hpp), on
  // `fieldGrid`. On slabs `fine`'s halo must hold its owners' values (fieldMetric leaves it so).
  virtual Field restrictField(const Field& fine, const Grid& fieldGrid) = 0;
  // Largest |u(x)| over the whole field (a global reduction).
  virtual double maxNorm(const Field& u) = 0;
  // moving(A(x + u(x))) on u's grid, with the same inside rule and interpolations as resampleAffine.
  virtual Image resampleWarp(const Image& moving, const Affine& A, const Field& u, Interpolation interp,
                             float outside) = 0;

  // ---- The deformable optimiser's Adam update (lib/reg/field_optimizer.cpp), fused into three passes
  // so that an iteration reads the optimiser state as few times as possible. All fields on one grid.
  // m <- beta1 m + (1 - beta1) s g,  v <- beta2 v + (1 - beta2) (s g)²  per component (s = gScale);
  // returns the largest |v(x)| (a global reduction with maxNorm's rules).
  virtual double adamMoments(Field& m, Field& v, const Field& g, double gScale, double beta1, double beta2) = 0;
  // The largest |d(x)| of the bias-corrected direction d = (m / c1) / (sqrt(v / c2) + epsilon); d is not stored.
  virtual double adamDirectionMaxNorm(const Field& m, const Field& v, double c1, double c2, double epsilon) = 0;
  // out(x) = s d(x) + u(x + s d(x)) with d as above: composeFields(u, s d) without storing s d. `out` is
  // reallocated only when its grid differs (an optimiser keeps one buffer) and must not be `u`.
  virtual void composeAdamStep(const Field& u, const Field& m, const Field& v, double c1, double c2, double epsilon,
                               double s, Field& out) = 0;

  // ---- Multi-rank runs (ops/slab_backend.hpp). A slab buffer's halo slices filled from their owners,
  // in the memory where this backend keeps the volume: the host here (dist/slab_volume.hpp); a GPU
  // backend moves device slices. No-ops on whole grids. Every rank calls them together.
  virtual void refreshHalo(Comm& comm, Image& v) { ffdp::refreshHalo(comm, v); }
  virtual void refreshHalo(Comm& comm, Field& v) { ffdp::refreshHalo(comm, v); }
  virtual void refreshHalo(Comm& comm, Mask& v) { ffdp::refreshHalo(comm, v); }
  // Only the `depth` halo slices next to the own ones on each side (dist/slab_volume.hpp refreshInnerHalo).
  virtual void refreshInnerHalo(Comm& comm, Field& v, int64_t depth) { ffdp::refreshInnerHalo(comm, v, depth); }
  // The same own slices in a buffer with a halo of `halo` slices, halo filled (dist/slab_volume.hpp).
  virtual Image reslab(Comm& comm, const Image& v, int64_t halo) { return ffdp::reslab(comm, v, halo); }
  virtual Field reslab(Comm& comm, const Field& v, int64_t halo) { return ffdp::reslab(comm, v, halo); }
  virtual Mask reslab(Comm& comm, const Mask& v, int64_t halo) { return ffdp::reslab(comm, v, halo); }
};

std::unique_ptr<Backend> makeCpuBackend(Comm& comm);

}  // namespace ffdp
