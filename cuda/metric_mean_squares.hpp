// Mean squares on the GPU (lib/ops/cpu/metric_mean_squares.cpp): value = sum_valid (f - w)^2 / N,
// dvalue/dw(x) = -2 (f - w) / N. One fused pass (sample, block sums, gradient written without the
// 1/N, which is known only after the reduction), then one scaling pass over the gradient: the
// CPU's order of roundings.
#pragma once
#include "dist/comm.hpp"
#include "metric_inputs.hpp"
#include "ops/backend.hpp"

namespace ffdp::cuda {

FieldMetricEval meanSquaresFieldMetric(const MetricDeviceInputs& in, const float* u, float* gradient, Comm& comm);
AffineMetricEval meanSquaresAffineMetric(const MetricDeviceInputs& in, bool withGradient, Comm& comm);

}  // namespace ffdp::cuda
