// Local normalised cross-correlation (ANTs' CC, radius r) on the GPU, with exactly the definition
// of lib/ops/cpu/metric_cc.cpp: F = v f, W = v w on the fixed grid, five box sums over the
// (2r+1)^3 window truncated at the border, cc = cross^2 / (vf vw) where both variances pass the
// flat-window test against the global intensity ranges, value = -(1/N) sum_valid cc, and the
// gradient through the box sums of the per-centre coefficients A, B, C.
//
// Two fused passes over the fixed grid (box_sum_tile.cuh): (1) sample W on a tile + halo, the five
// box sums and the coefficients A, B, C per centre (3 doubles per voxel, the only intermediate);
// (2) the box sums of A, B, C, W and dW/dq recomputed at the centre, the gradient written. On a large
// grid both passes go group of z-slices by group, holding only one group's coefficients
// (ops/cc_coefficient_groups.hpp), with the same results bit for bit.
#pragma once
#include "dist/comm.hpp"
#include "metric_inputs.hpp"
#include "ops/backend.hpp"

namespace ffdp::cuda {

// u, gradient: 3 floats per fixed voxel in device memory; gradient may be null (value only).
FieldMetricEval localCorrelationFieldMetric(const MetricDeviceInputs& in, const float* u, float* gradient, Comm& comm);
AffineMetricEval localCorrelationAffineMetric(const MetricDeviceInputs& in, bool withGradient, Comm& comm);

// Shared memory the two passes need per block for radius r (bytes); the largest radius a GPU
// supports is the one whose need fits its per-block opt-in limit.
size_t localCorrelationSharedBytes(int radius);

}  // namespace ffdp::cuda
