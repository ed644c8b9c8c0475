#include "reg/progress_log.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

namespace ffdp {

std::string levelTitle(const LevelLabel& label, const std::array<int, 3>& shrink, const std::array<int64_t, 3>& size) {
  const std::string shrinkText = (shrink[0] == shrink[1] && shrink[1] == shrink[2])
                                     ? fmt::format("{}", shrink[0])
                                     : fmt::format("{}x{}x{}", shrink[0], shrink[1], shrink[2]);
  return fmt::format("stage {}/{} ({}, {}) level {}/{} [shrink {}, sigma {:g} {}, {}x{}x{}]", label.stage,
                     label.stageCount, toString(label.transform), toString(label.metric), label.level,
                     label.levelCount, shrinkText, label.sigma, toString(label.sigmaUnit), size[0], size[1], size[2]);
}

ProgressLog::ProgressLog(std::string title, int maxIterations, bool enabled)
    : title_(std::move(title)), maxIterations_(maxIterations), enabled_(enabled) {
  start_ = lastInfo_ = std::chrono::steady_clock::now();
  if (enabled_) spdlog::info("{} start, at most {} iterations", title_, maxIterations_);
}

double ProgressLog::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressLog::iteration(int done, double metric, double stepVoxels) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double eta = seconds / done * (maxIterations_ - done);
  const bool info = done % 10 == 0 || std::chrono::duration<double>(now - lastInfo_).count() >= 2.0;
  const auto level = info ? spdlog::level::info : spdlog::level::debug;
  if (!spdlog::should_log(level)) return;
  spdlog::log(level, "{} iter {}/{} metric {:.6g} step {:.3g} elapsed {:.1f} s, level ETA {:.1f} s", title_, done,
              maxIterations_, metric, stepVoxels, seconds, eta);
  if (info) lastInfo_ = now;
}

void ProgressLog::finished(const LevelReport& r) {
  if (!enabled_) return;
  spdlog::info("{} done: {} iterations ({}), metric {:.6g} -> {:.6g}, {:.2f} s", title_, r.iterations,
               r.converged ? "converged" : "iteration limit", r.firstMetric, r.lastMetric, r.seconds);
}

}  // namespace ffdp
