// The CUDA metrics behind Backend::fieldMetric and Backend::affineMetric (lib/ops/backend.hpp),
// with exactly their semantics: value, validVoxels, and the gradient the caller asks for.
// Every global quantity (valid count, sums, MI histogram, intensity ranges) goes through `comm`.
#pragma once
#include "dist/comm.hpp"
#include "metric_inputs.hpp"
#include "ops/backend.hpp"

namespace ffdp::cuda {

// fixed(x) against moving(A(x + u(x))); u: 3 floats per fixed voxel (device), or per voxel of the coarser
// grid of in.fieldMap (whole grids), read interpolated. When `gradient` (device, 3 floats per fixed voxel,
// caller-allocated) is not null it receives d(value)/du(x) at every fixed voxel (LPS per mm, zero where x
// is not valid); with a fieldMap, d(value)/dU(x) for the interpolated U, before the transpose.
FieldMetricEval fieldMetric(const MetricDeviceInputs& in, const float* u, float* gradient, Comm& comm);

// fixed(x) against moving(A(x)); the 12-parameter gradient when asked for.
AffineMetricEval affineMetric(const MetricDeviceInputs& in, bool withGradient, Comm& comm);

}  // namespace ffdp::cuda
