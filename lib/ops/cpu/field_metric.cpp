#include "ops/cpu/field_metric.hpp"

#include "core/error.hpp"

namespace ffdp::cpu {

FieldMetricEval fieldMetric(const MetricInputs& in, const Field& u, Field* gradient, Comm& comm) {
  switch (in.settings.kind) {
    case MetricKind::MeanSquares:
      return meanSquaresFieldMetric(in, u, gradient, comm);
    case MetricKind::CC:
      return localCorrelationFieldMetric(in, u, gradient, comm);
    case MetricKind::MI:
      return mutualInformationFieldMetric(in, u, gradient, comm);
  }
  fail(ExitCode::Internal, "field metric: unknown metric kind");
}

}  // namespace ffdp::cpu
