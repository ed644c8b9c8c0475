// Progress lines of a level, e.g.
//   stage 1/2 (rigid, MI) level 2/3 [shrink 2, sigma 1 vox, 62x80x70] iter 40/100 metric -0.51234
//   step 0.43 elapsed 1.2 s, level ETA 1.8 s
// at info level every 10 iterations or 2 s, at debug level every iteration. "step" is how far this
// iteration's update moves the farthest domain corner, in voxels of the level; the ETA is the mean
// time per iteration times the iterations left. Only rank 0 writes.
#pragma once
#include <chrono>
#include <string>

#include "reg/registration.hpp"

namespace ffdp {

struct LevelLabel {
  int stage = 1, stageCount = 1;  // 1-based
  int level = 1, levelCount = 1;  // 1-based
  TransformKind transform = TransformKind::Affine;
  MetricKind metric = MetricKind::MI;
  double sigma = 0;
  SigmaUnit sigmaUnit = SigmaUnit::Voxels;
};

// "stage 1/2 (rigid, MI) level 2/3 [shrink 2, sigma 1 vox, 62x80x70]"
std::string levelTitle(const LevelLabel& label, const std::array<int, 3>& shrink, const std::array<int64_t, 3>& size);

class ProgressLog {
 public:
  ProgressLog(std::string title, int maxIterations, bool enabled);
  // After iteration `done` (1-based) with the metric and the step in voxels of the level.
  void iteration(int done, double metric, double stepVoxels);
  void finished(const LevelReport& report);
  double elapsed() const;

 private:
  std::string title_;
  int maxIterations_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, lastInfo_;
};

}  // namespace ffdp
