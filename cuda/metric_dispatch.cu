// Argument checks and the dispatch on the metric kind (metric_dispatch.hpp).
#include <string>

#include "core/error.hpp"
#include "metric_cc.hpp"
#include "metric_dispatch.hpp"
#include "metric_mean_squares.hpp"
#include "metric_mi.hpp"

namespace ffdp::cuda {

void checkMetricInputs(const MetricDeviceInputs& in, const char* what) {
  const std::string name(what);
  if (in.fixedGrid.voxels() <= 0 || in.movingGrid.voxels() <= 0) fail(ExitCode::Input, name + ": an input image is empty");
  if (!in.fixed || !in.moving) fail(ExitCode::Internal, name + ": an image is not in device memory");
  const MetricSettings& s = in.settings;
  if (!(s.samplingFraction > 0.0 && s.samplingFraction <= 1.0))
    fail(ExitCode::Usage, name + ": samplingFraction must lie in (0, 1], got " + std::to_string(s.samplingFraction));
  if (s.kind == MetricKind::CC && s.radius < 0)
    fail(ExitCode::Usage, name + ": CC radius must be >= 0, got " + std::to_string(s.radius));
  if (s.kind == MetricKind::MI && s.bins < 4)
    fail(ExitCode::Usage, name + ": MI bins must be >= 4, got " + std::to_string(s.bins));
}

FieldMetricEval fieldMetric(const MetricDeviceInputs& in, const float* u, float* gradient, Comm& comm) {
  checkMetricInputs(in, "field metric");
  if (!u) fail(ExitCode::Internal, "field metric: the displacement field is not in device memory");
  if (in.fieldMap) {
    // The sampler reads a coarse field through a map made for exactly this fixed buffer.
    const CoarseFieldMap& m = *in.fieldMap;
    if (m.axis[0].imageSize != in.fixedGrid.size[0] || m.axis[1].imageSize != in.fixedGrid.size[1] ||
        m.imageBufferSlices != in.fixedGrid.size[2] || m.imageFirstSlice != in.fixedGrid.slab.firstSlice)
      fail(ExitCode::Internal, "field metric: the coarse field map was made for another fixed grid");
  }
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

AffineMetricEval affineMetric(const MetricDeviceInputs& in, bool withGradient, Comm& comm) {
  checkMetricInputs(in, "affine metric");
  switch (in.settings.kind) {
    case MetricKind::MeanSquares:
      return meanSquaresAffineMetric(in, withGradient, comm);
    case MetricKind::CC:
      return localCorrelationAffineMetric(in, withGradient, comm);
    case MetricKind::MI:
      return mutualInformationAffineMetric(in, withGradient, comm);
  }
  fail(ExitCode::Internal, "affine metric: unknown metric kind");
}

}  // namespace ffdp::cuda
