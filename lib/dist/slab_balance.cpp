#include "dist/slab_balance.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

namespace ffdp {

std::vector<double> miSliceWork(Comm& comm, const Image& image, double background, double backgroundCost) {
  const Grid& g = image.grid;
  const int64_t plane = g.size[0] * g.size[1], begin = g.ownedBegin(), end = g.ownedEnd();
  const float* data = image.data.data();
  const int64_t wholeSlices = g.isSlab() ? g.slab.wholeSlices : g.size[2];
  const int64_t first = g.isSlab() ? g.slab.firstSlice : 0;
  std::vector<double> work(size_t(wholeSlices), 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t k = begin; k < end; ++k) {
    int64_t foreground = 0;
    for (int64_t n = 0; n < plane; ++n) foreground += data[k * plane + n] > background ? 1 : 0;
    work[size_t(first + k)] = double(foreground) + backgroundCost * double(plane - foreground);
  }
  if (g.isSlab()) comm.allreduceSum(work.data(), work.size());
  return work;
}

namespace {

// Where the cumulative work reaches `target`, in slices (interpolated within the slice that crosses it).
double sliceWhereWorkReaches(const std::vector<double>& work, double target) {
  double sum = 0;
  for (size_t k = 0; k < work.size(); ++k) {
    if (work[k] > 0 && sum + work[k] >= target) return double(k) + (target - sum) / work[k];
    sum += work[k];
  }
  return double(work.size());
}

}  // namespace

SlabCuts balancedCuts(const std::vector<double>& sliceWork, int ranks) {
  if (ranks <= 1 || sliceWork.empty()) return nullptr;
  double total = 0, lightest = INFINITY, heaviest = 0;
  for (double w : sliceWork) {
    total += w;
    lightest = std::min(lightest, w);
    heaviest = std::max(heaviest, w);
  }
  if (!(total > 0) || lightest == heaviest) return nullptr;
  const double nz = double(sliceWork.size());
  std::vector<double> balanced(size_t(ranks) + 1), equal(size_t(ranks) + 1);
  for (int r = 0; r <= ranks; ++r) {
    equal[size_t(r)] = double(r) / ranks;
    balanced[size_t(r)] = sliceWhereWorkReaches(sliceWork, total * r / ranks) / nz;
  }
  balanced.front() = 0.0;
  balanced.back() = 1.0;
  // Slab widths are linear in the blend t between equal (t = 0) and balanced (t = 1): the largest t
  // that keeps every slab within the growth limit.
  const double limit = kMaxBalancedSlabGrowth / ranks;
  double t = 1.0;
  for (int r = 0; r < ranks; ++r) {
    const double e = equal[size_t(r) + 1] - equal[size_t(r)], b = balanced[size_t(r) + 1] - balanced[size_t(r)];
    if (b > limit) t = std::min(t, (limit - e) / (b - e));
  }
  auto cuts = std::make_shared<std::vector<double>>(size_t(ranks) + 1);
  for (size_t r = 0; r < cuts->size(); ++r) (*cuts)[r] = equal[r] + t * (balanced[r] - equal[r]);
  cuts->front() = 0.0;
  cuts->back() = 1.0;
  return cuts;
}

}  // namespace ffdp
