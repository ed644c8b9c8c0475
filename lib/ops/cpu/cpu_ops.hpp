// The OpenMP implementations behind CpuBackend, one file each. Parallel over z-slices; every
// global sum is formed from per-slice partials added in slice order and then reduced through
// the Comm, so results are bit-identical for any thread count. On a rank's slab buffer only its
// owned slices are reduced, and only slab reductions are combined across ranks (slice_reduce.hpp).
#pragma once
#include "core/affine.hpp"
#include "core/field.hpp"
#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "ops/backend.hpp"
#include "ops/metric_settings.hpp"

namespace ffdp::cpu {

// Separable Gaussian (sigma in voxels per axis; 0 = none along that axis), kernel radius
// ceil(4 sigma), weights renormalised over the taps that fall inside the image.
Image gaussianSmooth(const Image& in, const Vec3& sigmaVoxels);
// Trilinear resampling of `in` onto `target` through physical space (identity map); points beyond
// the input take the value at the nearest edge, since the target covers the same region.
Image resampleOntoGrid(const Image& in, const Grid& target);
Mask resampleMaskNearest(const Mask& in, const Grid& target);
Image resampleAffine(const Image& moving, const Grid& grid, const Affine& A, Interpolation interp, float outside);
Vec3 centreOfMass(const Image& image, Comm& comm);

// Affine metrics over the valid voxels (affine_warp.hpp), value in double, optional gradient.
struct MetricInputs {
  const Image& fixed;
  const Image& moving;
  const Mask* fixedMask;
  const Mask* movingMask;
  const Affine& A;
  const MetricSettings& settings;
};
AffineMetricEval meanSquaresMetric(const MetricInputs& in, bool withGradient, Comm& comm);
AffineMetricEval localCorrelationMetric(const MetricInputs& in, bool withGradient, Comm& comm);
AffineMetricEval mutualInformationMetric(const MetricInputs& in, bool withGradient, Comm& comm);

// The same metrics at A(x + u(x)); `gradient` (may be null) receives d(value)/d(u(x)) per fixed voxel.
FieldMetricEval fieldMetric(const MetricInputs& in, const Field& u, Field* gradient, Comm& comm);

}  // namespace ffdp::cpu
