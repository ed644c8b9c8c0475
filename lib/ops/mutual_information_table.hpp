// Mattes mutual information from a joint histogram, on any backend: the metric value and the table
// log(p(a, b) / pm(b)) that the gradient pass reads per voxel (ops/cpu/metric_mi.cpp and
// cuda/metric_mi.cu build the histogram their own way and share this step).
#pragma once
#include <vector>

namespace ffdp {

struct MutualInformationTable {
  double value = 0;               // -MI (the metric to minimise)
  std::vector<double> logRatio;   // B*B, fixed bin major: log(p / pm), 0 where p = 0
};

// H: B*B Parzen-weighted counts (fixed bin a major, moving bin b minor) summing to N > 0.
MutualInformationTable mutualInformationTable(const double* H, int B, double N);

}  // namespace ffdp
