// What every CUDA metric reads: the two images (and optional masks) in device memory with their
// grids, the affine A and the metric settings. The device twin of cpu::MetricInputs; the field
// metrics take the displacement u (3 floats per fixed voxel, or per voxel of a coarser field grid
// described by fieldMap; device memory) separately.
#pragma once
#include <cstdint>

#include "core/affine.hpp"
#include "core/grid.hpp"
#include "intensity_range.hpp"
#include "ops/cc_coefficient_groups.hpp"
#include "ops/histogram_balance.hpp"
#include "ops/metric_settings.hpp"
#include "warp_sampler.cuh"

namespace ffdp::cuda {

struct MetricDeviceInputs {
  const float* fixed = nullptr;  // fixedGrid.voxels() floats
  Grid fixedGrid;
  const float* moving = nullptr;  // movingGrid.voxels() floats
  Grid movingGrid;
  const uint8_t* fixedMask = nullptr;   // null, or one byte per fixed voxel (nonzero = inside)
  const uint8_t* movingMask = nullptr;  // null, or one byte per moving voxel
  Affine A;
  MetricSettings settings;
  // Optional: the images' global intensity ranges (intensityRange, already reduced over ranks),
  // cached by a caller that evaluates the metric many times on the same images. Null: measured
  // on every call (two extra reads of the images for CC and MI).
  const DeviceIntensityRange* fixedRange = nullptr;
  const DeviceIntensityRange* movingRange = nullptr;
  // Optional, for MI on a slab: which slices this rank's histogram pass counts, kept across calls by
  // the caller (ops/histogram_balance.hpp). Null: the own slices.
  HistogramBalance* histogramBalance = nullptr;
  // Optional, field metrics only: u lies on a coarser grid than the fixed image (whole grids, or slab
  // buffers of one run), and each fixed voxel reads it interpolated (ops/coarse_field_map.hpp). The
  // gradient the metric writes is still per fixed voxel (d(value)/dU(x)); Backend::restrictField takes
  // it to u's grid (cuda/field_restrict.hpp).
  // Null: u is on the fixed grid.
  const CoarseFieldMap* fieldMap = nullptr;
  // CC with a gradient on a large grid goes in groups of z-slices (ops/cc_coefficient_groups.hpp), with
  // the same results. 0: the rule's group size; tests set a smaller one (a multiple of 32 slices).
  int64_t ccGroupSlices = 0;
};

// The cached range when the caller gave one, else measured now.
inline DeviceIntensityRange fixedIntensityRange(const MetricDeviceInputs& in, Comm& comm) {
  return in.fixedRange ? *in.fixedRange : intensityRange(in.fixed, in.fixedGrid, comm);
}
inline DeviceIntensityRange movingIntensityRange(const MetricDeviceInputs& in, Comm& comm) {
  return in.movingRange ? *in.movingRange : intensityRange(in.moving, in.movingGrid, comm);
}

// The sampler of T(x) = A(x + u(x)) (u = null: T = A), u on the fixed grid (in.fieldMap is not read).
inline WarpSampler makeWarpSampler(const MetricDeviceInputs& in, const float* u) {
  return makeWarpSampler(in.fixed, in.fixedGrid, in.moving, in.movingGrid, in.fixedMask, in.movingMask, in.A, u,
                         in.settings.samplingFraction);
}

// A field metric's body `f(sampler)` with the sampler its u needs: WarpSampler, or CoarseWarpSampler
// (in.fieldMap copied into it, so the kernels get the map in their parameters) when in.fieldMap is set.
template <class F>
auto withFieldSampler(const MetricDeviceInputs& in, const float* u, const F& f) {
  if (!in.fieldMap) return f(makeWarpSampler(in, u));
  return f(makeWarpSampler(in.fixed, in.fixedGrid, in.moving, in.movingGrid, in.fixedMask, in.movingMask, in.A, u,
                           in.settings.samplingFraction, FieldOnCoarseGrid{*in.fieldMap}));
}

// Throws ffdp::Error when an input is unusable (empty image, missing pointer, bad settings).
void checkMetricInputs(const MetricDeviceInputs& in, const char* what);

}  // namespace ffdp::cuda
