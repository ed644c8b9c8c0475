#include "eval/label_overlap.hpp"

#include <cmath>
#include <set>

namespace ffdp {

double OverlapTable::meanDice() const {
  if (labels.empty()) return 0.0;
  double sum = 0;
  for (const auto& [label, overlap] : labels) sum += overlap.dice();
  return sum / double(labels.size());
}

OverlapTable labelOverlap(const Image& reference, const Image& test) {
  OverlapTable table;
  const int64_t n = reference.voxels();
  // Pass 1: the reference defines the label set.
  for (int64_t v = 0; v < n; ++v) {
    const int64_t r = std::llround(reference.data[size_t(v)]);
    if (r != 0) ++table.labels[r].referenceVoxels;
  }
  // Pass 2: test voxels and intersections.
  std::set<int64_t> testOnly;
  for (int64_t v = 0; v < n; ++v) {
    const int64_t t = std::llround(test.data[size_t(v)]);
    if (t == 0) continue;
    auto it = table.labels.find(t);
    if (it == table.labels.end()) {
      testOnly.insert(t);
      continue;
    }
    ++it->second.testVoxels;
    if (std::llround(reference.data[size_t(v)]) == t) ++it->second.intersection;
  }
  table.labelsOnlyInTest = int64_t(testOnly.size());
  return table;
}

}  // namespace ffdp
