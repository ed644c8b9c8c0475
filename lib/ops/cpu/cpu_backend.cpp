// The OpenMP Backend: checks arguments and dispatches to one function per operation (cpu_ops.hpp).
#include <string>

#include "core/error.hpp"
#include "ops/backend.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/field_adam.hpp"
#include "ops/cpu/field_ops.hpp"

namespace ffdp {
namespace {

void checkMetricSettings(const MetricSettings& s) {
  if (!(s.samplingFraction > 0.0 && s.samplingFraction <= 1.0))
    fail(ExitCode::Usage, "metric samplingFraction must lie in (0, 1], got " + std::to_string(s.samplingFraction));
  if (s.kind == MetricKind::CC && s.radius < 0)
    fail(ExitCode::Usage, "metric CC radius must be >= 0, got " + std::to_string(s.radius));
  if (s.kind == MetricKind::MI && s.bins < 4)
    fail(ExitCode::Usage, "metric MI bins must be >= 4, got " + std::to_string(s.bins));
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(Comm& comm) : comm_(comm) {}
  const char* name() const override { return "cpu"; }
  void toHost(Image&) override {}  // CPU volumes live on the host
  void toHost(Field&) override {}
  Field zeroField(const Grid& grid) override { return Field(grid); }

  Image smoothAndResample(const Image& in, const Vec3& sigmaVoxels, const Grid& target) override {
    const bool smooth = sigmaVoxels[0] > 0 || sigmaVoxels[1] > 0 || sigmaVoxels[2] > 0;
    if (!smooth) return cpu::resampleOntoGrid(in, target);
    return cpu::resampleOntoGrid(cpu::gaussianSmooth(in, sigmaVoxels), target);
  }
  Mask resampleMask(const Mask& in, const Grid& target) override { return cpu::resampleMaskNearest(in, target); }
  Image resampleAffine(const Image& moving, const Grid& grid, const Affine& A, Interpolation interp,
                       float outside) override {
    return cpu::resampleAffine(moving, grid, A, interp, outside);
  }
  AffineMetricEval affineMetric(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask,
                                const Affine& A, const MetricSettings& metric, bool withGradient) override {
    checkMetricSettings(metric);
    const cpu::MetricInputs in{fixed, moving, fixedMask, movingMask, A, metric};
    switch (metric.kind) {
      case MetricKind::MeanSquares:
        return cpu::meanSquaresMetric(in, withGradient, comm_);
      case MetricKind::CC:
        return cpu::localCorrelationMetric(in, withGradient, comm_);
      case MetricKind::MI:
        return cpu::mutualInformationMetric(in, withGradient, comm_);
    }
    fail(ExitCode::Internal, "affine metric: unknown metric kind");
  }
  Vec3 centreOfMass(const Image& image) override { return cpu::centreOfMass(image, comm_); }

  void smoothField(Field& u, const Vec3& sigmaVoxels) override { cpu::smoothField(u, sigmaVoxels); }
  Field composeFields(const Field& u, const Field& g) override { return cpu::composeFields(u, g); }
  Field invertField(const Field& u, int iterations, double tolerance) override {
    return cpu::invertField(u, iterations, tolerance, comm_);
  }
  Image jacobianDeterminant(const Field& u) override { return cpu::jacobianDeterminant(u); }
  Field resampleField(const Field& u, const Grid& target) override { return cpu::resampleField(u, target); }
  FieldMetricEval fieldMetric(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask,
                              const Affine& A, const Field& u, const MetricSettings& metric,
                              Field* gradient) override {
    checkMetricSettings(metric);
    const cpu::MetricInputs in{fixed, moving, fixedMask, movingMask, A, metric};
    if (u.grid.sameAs(fixed.grid)) return cpu::fieldMetric(in, u, gradient, comm_);
    // A field on a coarser grid: the reference interpolates it onto the fixed grid (the CUDA backend
    // interpolates inside its sampler instead).
    return cpu::fieldMetric(in, cpu::upsampleField(u, fixed.grid), gradient, comm_);
  }
  Field restrictField(const Field& fine, const Grid& fieldGrid) override { return cpu::restrictField(fine, fieldGrid); }
  double maxNorm(const Field& u) override { return cpu::maxNorm(u, comm_); }
  Image resampleWarp(const Image& moving, const Affine& A, const Field& u, Interpolation interp,
                     float outside) override {
    return cpu::resampleWarp(moving, A, u, interp, outside);
  }
  double adamMoments(Field& m, Field& v, const Field& g, double gScale, double beta1, double beta2) override {
    return cpu::updateAdamMoments(m, v, g, gScale, beta1, beta2, comm_);
  }
  double adamDirectionMaxNorm(const Field& m, const Field& v, double c1, double c2, double epsilon) override {
    return cpu::largestAdamDirection(m, v, c1, c2, epsilon, comm_);
  }
  void composeAdamStep(const Field& u, const Field& m, const Field& v, double c1, double c2, double epsilon, double s,
                       Field& out) override {
    cpu::composeAdamDirection(u, m, v, c1, c2, epsilon, s, out);
  }

 private:
  Comm& comm_;
};

}  // namespace

std::unique_ptr<Backend> makeCpuBackend(Comm& comm) { return std::make_unique<CpuBackend>(comm); }

}  // namespace ffdp
