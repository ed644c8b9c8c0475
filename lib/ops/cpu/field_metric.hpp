// The metrics at T(x) = A(x + u(x)) (FieldWarp), one per metric file next to its affine version
// (metric_mean_squares.cpp, metric_cc.cpp, metric_mi.cpp), which shares the value and per-voxel
// dvalue/dw code and differs only in the warp and the gradient consumer (FieldChainRule).
// fieldMetric (cpu_ops.hpp) dispatches on the metric kind (field_metric.cpp).
#pragma once
#include "core/field.hpp"
#include "ops/cpu/cpu_ops.hpp"

namespace ffdp::cpu {

FieldMetricEval meanSquaresFieldMetric(const MetricInputs& in, const Field& u, Field* gradient, Comm& comm);
FieldMetricEval localCorrelationFieldMetric(const MetricInputs& in, const Field& u, Field* gradient, Comm& comm);
FieldMetricEval mutualInformationFieldMetric(const MetricInputs& in, const Field& u, Field* gradient, Comm& comm);

}  // namespace ffdp::cpu
