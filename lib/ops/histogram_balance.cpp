#include "ops/histogram_balance.hpp"

#include <algorithm>
#include <cmath>

namespace ffdp {

namespace {

struct Report {
  double seconds = 0;
  int64_t countedBegin = 0, countedEnd = 0, ownBegin = 0, ownEnd = 0, bufferBegin = 0, bufferEnd = 0;
};

Report reportOf(const double* slots, int rank) {
  const double* s = slots + rank * HistogramBalance::kReportWidth;
  const auto slice = [](double v) { return static_cast<int64_t>(std::llround(v)); };
  return {s[0], slice(s[1]), slice(s[2]), slice(s[3]), slice(s[4]), slice(s[5]), slice(s[6])};
}

// Boundary r (between ranks r - 1 and r) may lie anywhere both ranks hold: in rank r's buffer and in
// rank r - 1's (it is clamped there), and boundaries must leave every rank at least one slice. Any
// that does not is put back on its cut (always valid: ranks own at least one slice), until all are.
void keepValid(std::vector<int64_t>& b, const std::vector<int64_t>& cuts, const std::vector<Report>& reports) {
  const int ranks = int(reports.size());
  for (int r = 1; r < ranks; ++r) b[r] = std::clamp(b[r], reports[r].bufferBegin, reports[r - 1].bufferEnd);
  for (bool changed = true; changed;) {
    changed = false;
    for (int r = 1; r < ranks; ++r) {
      const bool held = b[r] >= reports[r].bufferBegin && b[r] <= reports[r - 1].bufferEnd;
      const bool ordered = b[r] > b[r - 1] && b[r] < b[r + 1];
      if ((!held || !ordered) && b[r] != cuts[r]) {
        b[r] = cuts[r];
        changed = true;
      }
    }
  }
}

}  // namespace

HistogramBalance::Slices HistogramBalance::slicesFor(const Grid& grid, int rank, int ranks) const {
  const Slices own{grid.ownedBegin(), grid.ownedEnd()};
  if (!grid.isSlab() || ranks < 2 || int(cuts_.size()) != ranks + 1) return own;
  const int64_t first = grid.slab.firstSlice;
  const bool sameLayout = cuts_[rank] == first + own.begin && cuts_[rank + 1] == first + own.end &&
                          cuts_[ranks] == grid.slab.wholeSlices;
  if (!sameLayout) return own;
  return {boundaries_[rank] - first, boundaries_[rank + 1] - first};
}

void HistogramBalance::report(const Grid& grid, int rank, Slices counted, double seconds, double* slots) {
  double* s = slots + rank * kReportWidth;
  const int64_t first = grid.slab.firstSlice;
  s[0] = seconds;
  s[1] = double(first + counted.begin);
  s[2] = double(first + counted.end);
  s[3] = double(first + grid.ownedBegin());
  s[4] = double(first + grid.ownedEnd());
  s[5] = double(first);
  s[6] = double(first + grid.size[2]);
}

void HistogramBalance::update(int ranks, const double* slots) {
  if (ranks < 2) return;
  std::vector<Report> reports;
  for (int r = 0; r < ranks; ++r) reports.push_back(reportOf(slots, r));
  std::vector<int64_t> cuts(size_t(ranks) + 1);
  for (int r = 0; r < ranks; ++r) cuts[r] = reports[r].ownBegin;
  cuts[ranks] = reports[ranks - 1].ownEnd;
  const double extent = double(cuts[ranks] - cuts[0]);

  std::vector<int64_t> next(cuts);
  if (cuts != cuts_) {
    // A new layout: the last layout's offsets from its cuts, scaled to this z extent (none yet: the cuts).
    const double lastExtent = cuts_.empty() ? 0.0 : double(cuts_.back() - cuts_.front());
    for (int r = 1; r < ranks && cuts_.size() == size_t(ranks) + 1 && lastExtent > 0; ++r)
      next[r] = cuts[r] + std::llround(double(boundaries_[r] - cuts_[r]) / lastExtent * extent);
  } else {
    for (int r = 1; r < ranks; ++r) {
      const Report& lo = reports[r - 1];
      const Report& hi = reports[r];
      const double loSlices = double(std::max<int64_t>(1, lo.countedEnd - lo.countedBegin));
      const double hiSlices = double(std::max<int64_t>(1, hi.countedEnd - hi.countedBegin));
      const double perSlice = lo.seconds / loSlices + hi.seconds / hiSlices;
      // Slices to hand from the lower rank to the upper one for equal times; half of it, because the
      // ranks' other boundaries move in the same step.
      const double even = perSlice > 0 ? (lo.seconds - hi.seconds) / perSlice : 0.0;
      next[r] = hi.countedBegin - std::llround(0.5 * even);
    }
  }
  keepValid(next, cuts, reports);
  cuts_ = cuts;
  boundaries_ = next;
}

}  // namespace ffdp
