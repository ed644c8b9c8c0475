#include "reg/linear_level.hpp"

#include "dist/slab_volume.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "reg/convergence_monitor.hpp"
#include "reg/descent_optimizer.hpp"
#include "reg/linear_family.hpp"

namespace ffdp {

namespace {

// Sufficient decrease: a step along s must lower the metric's smooth part by kArmijo a g.s.
constexpr double kArmijo = 1e-4;
// A trial whose value rose by more than this share of the metric (beyond the fall its gradients
// predict) crossed a ridge and is rejected.
constexpr double kRidge = 1e-3;
// A trial where the metric still falls faster than this share of the initial rate is extended.
constexpr double kSteep = 0.5;
// A step below this share of the level's `step` (corner displacement) changes nothing that
// matters: the level's optimum is located.
constexpr double kSmallestStep = 1e-3;

MetricSettings metricSettings(const MetricSpec& m) {
  MetricSettings s;
  s.kind = m.kind;
  s.radius = m.radius;
  s.bins = m.bins;
  s.samplingFraction = m.samplingFraction;
  return s;
}

// Voxels that could count: the fixed mask's (or all), times the sampled share.
double eligibleVoxels(const PyramidLevel& images, double samplingFraction, Comm& comm) {
  int64_t count = wholeGridOf(images.fixed->grid).voxels();
  if (images.fixedMask) count = countNonZero(comm, *images.fixedMask);
  return double(count) * std::min(1.0, std::max(0.0, samplingFraction));
}

std::string where(const LevelLabel& label) {
  return "stage " + std::to_string(label.stage) + " level " + std::to_string(label.level);
}

bool allFinite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t p = 0; p < a.size(); ++p) s += a[p] * b[p];
  return s;
}

std::vector<double> times(const std::vector<double>& v, double a) {
  std::vector<double> r(v);
  for (double& x : r) x *= a;
  return r;
}

// The metric and its gradient (in the family's parameters about that transform) at one transform.
struct Point {
  double value = std::numeric_limits<double>::infinity();
  std::vector<double> gradient;
  int64_t validVoxels = 0;
};

class LevelMetric {
 public:
  LevelMetric(const LevelLabel& label, const StageSpec& stage, const PyramidLevel& images, Backend& backend,
              Comm& comm)
      : label_(label), images_(images), backend_(backend), metric_(metricSettings(stage.metric)) {
    // Below 1% of the voxels that could count, the images have slid apart and the metric means nothing.
    minValid_ = std::max(1.0, std::ceil(0.01 * eligibleVoxels(images, metric_.samplingFraction, comm)));
  }

  Point at(TransformKind kind, const Affine& transform) const {
    const AffineMetricEval eval = backend_.affineMetric(*images_.fixed, *images_.moving, images_.fixedMask.get(),
                                                        images_.movingMask.get(), transform, metric_, true);
    Point p;
    p.validVoxels = eval.validVoxels;
    if (double(eval.validVoxels) < minValid_) return p;  // value +inf: a trial that slid off is rejected
    p.value = eval.value;
    // In the family's parameters about `transform` itself (the rigid ones are re-centred there).
    p.gradient = LinearFamily(kind, transform).gradient(eval.gradient);
    return p;
  }

  // The accepted points must be usable: these are the user-facing failures.
  void check(const Point& p, int iteration) const {
    if (double(p.validVoxels) < minValid_)
      fail(ExitCode::Internal, where(label_) + ": images do not overlap after iteration " + std::to_string(iteration) +
                                   " (" + std::to_string(p.validVoxels) +
                                   " fixed voxels map inside the moving image); check the initial transform");
    if (!std::isfinite(p.value) || !allFinite(p.gradient))
      fail(ExitCode::Internal, where(label_) + ": metric is not a number at iteration " + std::to_string(iteration) +
                                   " (value " + std::to_string(p.value) +
                                   "); check the images for NaN/Inf voxels or an empty overlap");
  }

 private:
  const LevelLabel& label_;
  const PyramidLevel& images_;
  Backend& backend_;
  MetricSettings metric_;
  double minValid_ = 1;
};

}  // namespace

// Each iteration is one evaluation of the metric and its gradient. The first step of a level is
// steepest descent moving the farthest corner by exactly `step` (the spec; ANTs' first step), taken
// as it is. Every later step comes from the optimiser (L-BFGS) and is tried: the trial is accepted
// when the directional derivative there, d(a) = g(x + a s).s, shows that the metric fell along the
// way; else a shorter trial follows, at the zero of the secant through d(0) and d(a), kept within
// [0.1, 0.5] of the rejected length.
//
// Why derivatives rather than values decide: the metric jumps whenever a voxel enters or leaves the overlap
// (e.g. at the moving image's field of view), and those jumps are systematic along a direction
// (the overlap shrinks or grows steadily) while the analytic gradient rightly ignores them.
// Measured on a 48^3 blob pair: jumps of 3e-6 per voxel, as large as the whole decrease left near
// the optimum, made a value-based (Armijo) search reject steps of 0.001 mm that the gradient
// correctly called downhill. For a quadratic, f(a) - f(0) = a (d(0) + d(a)) / 2 exactly, so the test
// d(a) <= -(1 - 2 c1) d(0) is Armijo's sufficient decrease on the metric's smooth part.
//
// The level ends when a convergence window (the spec's threshold and window; two, see below) is
// flat, when the optimiser's step would move no corner by more than kSmallestStep of
// `step` (the optimum is located), when no shorter trial is accepted (ditto), or at the limit.
LevelReport optimiseLevel(const LevelLabel& label, const StageSpec& stage, int maxIterations,
                          const PyramidLevel& images, double buildSeconds, Affine& transform,
                          DescentOptimizer& optimizer, Backend& backend, Comm& comm) {
  const Grid& grid = images.fixed->grid;
  LevelReport report;
  report.level = label.level;
  report.shrink = images.fixedShrink;
  report.sigmaVoxels = *std::max_element(images.fixedSigmaVoxels.begin(), images.fixedSigmaVoxels.end());
  const Grid whole = wholeGridOf(grid);  // a rank's slab is not the level's extent
  report.size = whole.size;
  report.maxIterations = maxIterations;
  report.firstMetric = report.lastMetric = std::numeric_limits<double>::quiet_NaN();

  const Corners corners = domainCorners(whole);
  const double minSpacing = *std::min_element(grid.spacing.begin(), grid.spacing.end());
  const LevelMetric metric(label, stage, images, backend, comm);

  LinearFamily family(stage.transform, transform);
  // Scales once per level, as ANTs estimates them once per level.
  optimizer.startLevel(stage.step * minSpacing, family.shiftScales(corners));
  const double smallest = kSmallestStep * optimizer.step();
  ConvergenceMonitor monitor(stage.convergenceWindow, stage.convergenceThreshold);
  ProgressLog progress(levelTitle(label, report.shrink, report.size), maxIterations, comm.rank() == 0);

  int evaluations = 0;
  const auto evaluate = [&](const Affine& at) {
    ++evaluations;
    return metric.at(family.kind(), at);
  };
  Point here = evaluate(family.current());
  metric.check(here, 0);
  report.firstMetric = report.lastMetric = here.value;
  // Two convergence windows (the spec's threshold and window), either of which ends the level:
  //  - on the metric's values at the accepted points (ANTs' test). The values include the overlap
  //    jumps, which the gradients do not see: where they make the metric rise while the gradients
  //    still point on, this window stops the drift (measured on the blob scene: the gradient field's
  //    stationary point lay 0.3 mm from the values' optimum at shrink 2);
  //  - on the metric as the gradients see it: its start value plus the change along every accepted
  //    step by the trapezoid rule, a (d(0) + d(a)) / 2 (exact for a quadratic). Without the jumps it
  //    becomes flat when the optimiser stops making progress, where the values can keep wandering by
  //    as much as the last decreases (measured: a 256^3 brain level, +-2e-5 of the MI, ran to its
  //    iteration limit on the values' window alone).
  ConvergenceMonitor smoothMonitor(stage.convergenceWindow, stage.convergenceThreshold);
  double smoothMetric = here.value;
  const auto smoothChange = [](const std::vector<double>& step, double a, const Point& from, const Point& to) {
    return 0.5 * a * (dot(from.gradient, step) + dot(to.gradient, step));
  };
  bool first = true, retrying = false;
  while (true) {
    if (!retrying) {  // a retry is from the same point: the windows have seen it
      const bool valuesFlat = monitor.add(here.value);
      const bool smoothFlat = smoothMonitor.add(smoothMetric);
      if (valuesFlat || smoothFlat) {
        report.converged = true;
        break;
      }
    }
    retrying = false;
    if (!first && evaluations >= maxIterations) break;  // the first step is taken even unevaluated
    const std::vector<double> step = optimizer.stepFrom(family, here.gradient, corners);
    const double moved = step.empty() ? 0.0 : maxCornerDisplacement(family.updated(step), family.current(), corners);
    if (step.empty() || (!first && moved < smallest)) {
      report.converged = true;
      break;
    }
    if (first) {  // taken as it is, evaluated or not (ITK's last step is not evaluated either)
      family.apply(step);
      progress.iteration(evaluations, here.value, moved / minSpacing);
      if (evaluations >= maxIterations) break;
      Point next = evaluate(family.current());
      metric.check(next, evaluations - 1);
      optimizer.accepted(step, 1.0, 0.0, here.gradient, next.gradient);  // says nothing about the reach
      smoothMetric += smoothChange(step, 1.0, here, next);
      here = std::move(next);
      report.lastMetric = here.value;
      first = false;
      continue;
    }
    const double slope0 = dot(here.gradient, step);  // < 0: the L-BFGS model is positive definite
    double a = 1;
    bool found = false;
    Point trial;
    // Accepts a trial at multiplier m (see above): the derivative says the metric fell, and the
    // value did not rise by more than that fall plus kRidge of the metric. Overlap jumps stay far
    // below kRidge (measured: <= 1e-4 of the MI); a larger rise means the step crossed a ridge that
    // the end point's slope cannot see (measured on a 6.5 degree start of one brain: an accepted
    // step of 16 x `step` lost 0.07 of an MI of 0.38).
    const auto acceptable = [&](const Point& p, double m) {
      if (!std::isfinite(p.value) || !allFinite(p.gradient)) return false;
      const double slope = dot(p.gradient, step);
      const double smoothFall = -0.5 * m * (slope0 + slope);
      return slope <= -(1 - 2 * kArmijo) * slope0 && p.value - here.value <= smoothFall + kRidge * std::abs(here.value);
    };
    while (slope0 < 0 && evaluations < maxIterations && a * moved >= smallest) {
      trial = evaluate(family.updated(times(step, a)));
      if (acceptable(trial, a)) {
        found = true;
        // Still falling at more than kSteep of the initial rate: the minimum along s lies well
        // beyond (the quasi-Newton step is short along directions it has not yet explored).
        // One trial at the secant zero of the derivative, within the reach, usually lands on it.
        const double slope = dot(trial.gradient, step);
        const double further = std::min({10 * a, a * slope0 / (slope0 - slope), optimizer.reach() / moved});
        if (slope < kSteep * slope0 && further > 1.5 * a && evaluations < maxIterations) {
          Point extended = evaluate(family.updated(times(step, further)));
          if (acceptable(extended, further)) trial = std::move(extended), a = further;
        }
        break;
      }
      const double slope = trial.gradient.empty() ? 0.0 : dot(trial.gradient, step);
      if (std::isfinite(trial.value) && slope > 0)  // past the minimum along s: the secant's zero
        a = std::min(0.5 * a, std::max(0.1 * a, a * slope0 / (slope0 - slope)));
      else  // slid off the overlap, or across a ridge
        a *= 0.25;
    }
    progress.iteration(evaluations, here.value, found ? a * moved / minSpacing : 0.0);
    if (!found) {
      if (evaluations >= maxIterations) break;
      if (optimizer.hasCurvature()) {  // the model may be stale: once more along steepest descent
        optimizer.forget();
        retrying = true;
        continue;
      }
      report.converged = true;  // no step along a descent direction lowers the metric
      break;
    }
    family.apply(times(step, a));
    optimizer.accepted(step, a, a * moved, here.gradient, trial.gradient);
    smoothMetric += smoothChange(step, a, here, trial);
    here = std::move(trial);
    report.lastMetric = here.value;
  }
  report.iterations = evaluations;
  transform = family.current();
  report.seconds = buildSeconds + progress.elapsed();
  progress.finished(report);
  return report;
}

}  // namespace ffdp
