// Which slices of its slab buffer each rank counts in MI's joint-histogram pass on the GPU (issue 5).
//
// A background voxel costs less in that pass than a voxel in tissue (cuda/metric_mi.cu: a warp of
// background voxels votes at once), so ranks whose slabs hold more tissue finish it later, and the
// others wait in the histogram's reduction. The histogram is a sum of integer votes, added across
// ranks exactly, so it is the same bits whichever rank counts a slice. This moves the split between
// two neighbours into their halos (whose fixed values, field and moving window are current whenever
// the metric runs) so that their measured pass times even out; every slice is still counted by
// exactly one rank, and the own slices, the gradient pass and every other operation are unchanged.
//
// Every rank adds a report of its last pass (time, counted, own and buffer slices) to the
// histogram's reduction, and from the reduced reports every rank computes the same next split: each
// boundary moves by half the slices that would even out its two ranks' times at their measured cost
// per slice, never past either rank's buffer. A new layout (the next pyramid level) starts from the
// last boundaries' offsets from the slab cuts, as fractions of the z extent.
#pragma once
#include <cstdint>
#include <vector>

#include "core/grid.hpp"

namespace ffdp {

class HistogramBalance {
 public:
  // Local slices [begin, end) of a slab buffer.
  struct Slices {
    int64_t begin = 0, end = 0;
  };
  // Values per rank in the reduction: seconds, then whole-grid slice indices of the counted, own and
  // buffer ranges (begin, end each).
  static constexpr int kReportWidth = 7;

  // The slices rank `rank` of `ranks` counts on `grid`: its own slices on a whole grid, and before
  // the first update on this layout.
  Slices slicesFor(const Grid& grid, int rank, int ranks) const;
  // Fills this rank's kReportWidth slots of `slots` (ranks * kReportWidth values, zero elsewhere, so
  // that a sum over the ranks gathers every report): its pass over `counted` took `seconds`.
  static void report(const Grid& grid, int rank, Slices counted, double seconds, double* slots);
  // The next split from the summed reports; every rank calls it with the same values.
  void update(int ranks, const double* slots);

 private:
  std::vector<int64_t> cuts_;        // ranks + 1 slab cuts (whole slices) of the current layout
  std::vector<int64_t> boundaries_;  // ranks + 1 counted-range boundaries (whole slices)
};

}  // namespace ffdp
