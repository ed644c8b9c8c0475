// Separable Gaussian smoothing on the GPU with the CPU reference's maths (gaussian_line.cuh;
// lib/ops/cpu/separable_gaussian.hpp): sigma in voxels per axis, 0 = none along that axis; passes
// along i, then j, then k, each rounded to float. The one-pass kernel is out of place (`in` and
// `out` must not overlap): a block's neighbours still read the inputs it would overwrite. Device
// pointers; all work on cudaStreamPerThread.
#pragma once
#include "core/grid.hpp"

namespace ffdp::cuda {

// `in`, `out`: 3 interleaved floats per voxel of `grid` (a displacement field or its gradient). On a
// slab only the own slices are smoothed; out's halo slices get in's (the caller refreshes them).
// Where smoothsInOnePass is false this copies `in` and smooths the copy in place with a scratch
// volume (three fields at the peak): call smoothField instead.
void smoothFieldInto(const float* in, float* out, const Grid& grid, const Vec3& sigmaVoxels);
// Whether smoothFieldInto takes one pass (every radius ceil(4 sigma) at most 4 voxels: sigma <= 1).
bool smoothsInOnePass(const Grid& grid, const Vec3& sigmaVoxels);
// In place, in two passes through a scratch volume (two fields at the peak, as smoothFieldInto's one
// pass); own slices only, as smoothFieldInto.
void smoothField(float* field, const Grid& grid, const Vec3& sigmaVoxels);
// One float per voxel (pyramid pre-smoothing); every plane, also on a slab (pyramid resampling reads
// the smoothed halo).
void smoothImageInto(const float* in, float* out, const Grid& grid, const Vec3& sigmaVoxels);

// The kernels, for benchmarks and tests: one pass (field_smooth_fused.cu; the default, with two
// passes for radii above 4 voxels, where they measured as fast or faster); two passes (i, then j and k fused)
// with 2 or 4 j outputs per thread; one pass per axis (the fallback where a radius exceeds 12 voxels
// or a row does not fit in shared memory). All give the same bits except the per-axis kernels,
// which agree within the smoothing bound.
enum class SmoothKernels { Fused, TwoPass, TwoPassFourRows, PerAxis };
// Every plane of a field, with the kernels forced.
void smoothFieldTuned(const float* in, float* out, const Grid& grid, const Vec3& sigmaVoxels, SmoothKernels kernels);

}  // namespace ffdp::cuda
