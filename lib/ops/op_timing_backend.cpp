#include "ops/op_timing_backend.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <utility>

namespace ffdp {

namespace {

std::string wholeSizeText(const Grid& g) {
  const int64_t z = g.isSlab() ? g.slab.wholeSlices : g.size[2];
  return std::to_string(g.size[0]) + "x" + std::to_string(g.size[1]) + "x" + std::to_string(z);
}

class Timing final : public OpTimingBackend {
 public:
  Timing(Backend& inner, std::function<double()> hostComm) : in_(inner), hostComm_(std::move(hostComm)) {}

  std::vector<OpTime> times() const override { return rows_; }

 private:
  // Defined before the operations that use them (their return type is deduced).
  template <class F>
  auto timed(const char* op, const Grid& grid, F&& call) {
    in_.finishQueuedWork();
    const double host0 = hostComm_(), device0 = in_.deviceTraffic().seconds;
    const auto start = std::chrono::steady_clock::now();
    auto result = call();
    in_.finishQueuedWork();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    OpTime& row = rowFor(op, grid);
    ++row.calls;
    row.seconds += seconds;
    row.hostCommSeconds += hostComm_() - host0;
    row.deviceCommSeconds += in_.deviceTraffic().seconds - device0;
    return result;
  }
  OpTime& rowFor(const char* op, const Grid& grid) {
    const std::string size = wholeSizeText(grid);
    const auto key = std::make_pair(std::string(op), size);
    const auto found = index_.find(key);
    if (found != index_.end()) return rows_[found->second];
    index_.emplace(key, rows_.size());
    rows_.push_back(OpTime{op, size});
    return rows_.back();
  }

 public:
  const char* name() const override { return in_.name(); }
  void toHost(Image& image) override { in_.toHost(image); }
  void toHost(Field& field) override { in_.toHost(field); }
  size_t devicePeakBytes() const override { return in_.devicePeakBytes(); }
  DeviceTraffic deviceTraffic() const override { return in_.deviceTraffic(); }
  double miBackgroundVoxelCost() const override { return in_.miBackgroundVoxelCost(); }
  void finishQueuedWork() override { in_.finishQueuedWork(); }

  Image smoothAndResample(const Image& v, const Vec3& sigma, const Grid& target) override {
    return timed("smoothAndResample", target, [&] { return in_.smoothAndResample(v, sigma, target); });
  }
  Mask resampleMask(const Mask& v, const Grid& target) override {
    return timed("resampleMask", target, [&] { return in_.resampleMask(v, target); });
  }
  Image resampleAffine(const Image& moving, const Grid& grid, const Affine& A, Interpolation interp,
                       float outside) override {
    return timed("resampleAffine", grid, [&] { return in_.resampleAffine(moving, grid, A, interp, outside); });
  }
  AffineMetricEval affineMetric(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask,
                                const Affine& A, const MetricSettings& metric, bool withGradient) override {
    return timed("affineMetric", fixed.grid, [&] {
      return in_.affineMetric(fixed, moving, fixedMask, movingMask, A, metric, withGradient);
    });
  }
  Vec3 centreOfMass(const Image& image) override {
    return timed("centreOfMass", image.grid, [&] { return in_.centreOfMass(image); });
  }
  Field zeroField(const Grid& grid) override {
    return timed("zeroField", grid, [&] { return in_.zeroField(grid); });
  }
  void smoothField(Field& u, const Vec3& sigma) override {
    timed("smoothField", u.grid, [&] { return (in_.smoothField(u, sigma), 0); });
  }
  void smoothFieldKeepingHaloStale(Field& u, const Vec3& sigma) override {
    timed("smoothFieldKeepingHaloStale", u.grid, [&] { return (in_.smoothFieldKeepingHaloStale(u, sigma), 0); });
  }
  Field composeFields(const Field& u, const Field& g) override {
    return timed("composeFields", g.grid, [&] { return in_.composeFields(u, g); });
  }
  Field invertField(const Field& u, int iterations, double tolerance) override {
    return timed("invertField", u.grid, [&] { return in_.invertField(u, iterations, tolerance); });
  }
  Image jacobianDeterminant(const Field& u) override {
    return timed("jacobianDeterminant", u.grid, [&] { return in_.jacobianDeterminant(u); });
  }
  Field resampleField(const Field& u, const Grid& target) override {
    return timed("resampleField", target, [&] { return in_.resampleField(u, target); });
  }
  FieldMetricEval fieldMetric(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask,
                              const Affine& A, const Field& u, const MetricSettings& metric,
                              Field* gradient) override {
    return timed("fieldMetric", fixed.grid, [&] {
      return in_.fieldMetric(fixed, moving, fixedMask, movingMask, A, u, metric, gradient);
    });
  }
  Field restrictField(const Field& fine, const Grid& fieldGrid) override {
    return timed("restrictField", fieldGrid, [&] { return in_.restrictField(fine, fieldGrid); });
  }
  double maxNorm(const Field& u) override {
    return timed("maxNorm", u.grid, [&] { return in_.maxNorm(u); });
  }
  Image resampleWarp(const Image& moving, const Affine& A, const Field& u, Interpolation interp,
                     float outside) override {
    return timed("resampleWarp", u.grid, [&] { return in_.resampleWarp(moving, A, u, interp, outside); });
  }
  double adamMoments(Field& m, Field& v, const Field& g, double gScale, double beta1, double beta2) override {
    return timed("adamMoments", g.grid, [&] { return in_.adamMoments(m, v, g, gScale, beta1, beta2); });
  }
  double adamDirectionMaxNorm(const Field& m, const Field& v, double c1, double c2, double epsilon) override {
    return timed("adamDirectionMaxNorm", m.grid, [&] { return in_.adamDirectionMaxNorm(m, v, c1, c2, epsilon); });
  }
  void composeAdamStep(const Field& u, const Field& m, const Field& v, double c1, double c2, double epsilon, double s,
                       Field& out) override {
    timed("composeAdamStep", u.grid, [&] { return (in_.composeAdamStep(u, m, v, c1, c2, epsilon, s, out), 0); });
  }
  void refreshHalo(Comm& comm, Image& v) override {
    timed("refreshHalo image", v.grid, [&] { return (in_.refreshHalo(comm, v), 0); });
  }
  void refreshHalo(Comm& comm, Field& v) override {
    timed("refreshHalo field", v.grid, [&] { return (in_.refreshHalo(comm, v), 0); });
  }
  void refreshInnerHalo(Comm& comm, Field& v, int64_t depth) override {
    timed("refreshHalo field (inner)", v.grid, [&] { return (in_.refreshInnerHalo(comm, v, depth), 0); });
  }
  void refreshHalo(Comm& comm, Mask& v) override {
    timed("refreshHalo mask", v.grid, [&] { return (in_.refreshHalo(comm, v), 0); });
  }
  Image reslab(Comm& comm, const Image& v, int64_t halo) override {
    return timed("reslab image", v.grid, [&] { return in_.reslab(comm, v, halo); });
  }
  Field reslab(Comm& comm, const Field& v, int64_t halo) override {
    return timed("reslab field", v.grid, [&] { return in_.reslab(comm, v, halo); });
  }
  Mask reslab(Comm& comm, const Mask& v, int64_t halo) override {
    return timed("reslab mask", v.grid, [&] { return in_.reslab(comm, v, halo); });
  }

  Backend& in_;
  std::function<double()> hostComm_;
  std::vector<OpTime> rows_;
  std::map<std::pair<std::string, std::string>, std::size_t> index_;
};

}  // namespace

std::unique_ptr<OpTimingBackend> makeOpTimingBackend(Backend& inner, std::function<double()> hostCommSeconds) {
  return std::make_unique<Timing>(inner, std::move(hostCommSeconds));
}

std::string formatOpTimes(const std::vector<OpTime>& rows, double totalSeconds) {
  std::string out = "| op | grid | calls | s | share | host comm s | device comm s |\n|---|---|---|---|---|---|---|\n";
  char line[256];
  for (const OpTime& r : rows) {
    std::snprintf(line, sizeof line, "| %s | %s | %lld | %.4f | %.1f %% | %.4f | %.4f |\n", r.op.c_str(), r.grid.c_str(),
                  (long long)r.calls, r.seconds, 100.0 * r.seconds / (totalSeconds > 0 ? totalSeconds : 1.0),
                  r.hostCommSeconds, r.deviceCommSeconds);
    out += line;
  }
  return out;
}

}  // namespace ffdp
