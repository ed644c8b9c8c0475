// What a metric is asked to compute; shared by the spec, the engine and every backend.
#pragma once

namespace ffdp {

enum class MetricKind { MeanSquares, CC, MI };

struct MetricSettings {
  MetricKind kind = MetricKind::MI;
  int radius = 2;                 // CC: box window of (2r+1)^3 voxels (ANTs' radius convention)
  int bins = 32;                  // MI: histogram bins per image
  double samplingFraction = 1.0;  // share of fixed voxels used (a fixed pseudo-random subset)
};

}  // namespace ffdp
