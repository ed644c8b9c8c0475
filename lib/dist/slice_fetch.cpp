#include "dist/slice_fetch.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace ffdp {
namespace {

SliceRange intersect(const SliceRange& a, const SliceRange& b) {
  return {std::max(a.begin, b.begin), std::min(a.end, b.end)};
}

// Every rank's wanted range (a sum where each rank fills only its own pair: exact below 2^53).
std::vector<SliceRange> shareWanted(Comm& comm, const SliceRange& want) {
  const int n = comm.size();
  std::vector<double> ends(2 * size_t(n), 0.0);
  if (!want.empty()) {
    ends[2 * size_t(comm.rank())] = double(want.begin);
    ends[2 * size_t(comm.rank()) + 1] = double(want.end);
  }
  if (n > 1) comm.allreduceSum(ends.data(), ends.size());
  std::vector<SliceRange> wanted(static_cast<size_t>(n));
  for (size_t p = 0; p < size_t(n); ++p) wanted[p] = {int64_t(ends[2 * p]), int64_t(ends[2 * p + 1])};
  return wanted;
}

}  // namespace

std::size_t fetchSliceBytes(Comm& comm, const SlabLayout& layout, const void* ownSlices, std::size_t sliceBytes,
                            const SliceRange& want, void* into) {
  if (layout.ranks() != comm.size())
    fail(ExitCode::Internal, "fetchSliceBytes: a layout over " + std::to_string(layout.ranks()) + " ranks, " +
                                 std::to_string(comm.size()) + " ranks in the run");
  if (!want.empty() && (want.begin < 0 || want.end > layout.slices()))
    fail(ExitCode::Internal, "fetchSliceBytes: slices [" + std::to_string(want.begin) + ", " +
                                 std::to_string(want.end) + ") outside the volume's 0.." +
                                 std::to_string(layout.slices() - 1));
  const std::vector<SliceRange> wanted = shareWanted(comm, want);
  const int me = comm.rank();
  const SliceRange mine = layout.own(me);
  const char* own = static_cast<const char*>(ownSlices);
  char* out = static_cast<char*>(into);
  std::vector<PeerBytes> peers(size_t(comm.size()));
  std::size_t received = 0;
  for (int p = 0; p < comm.size(); ++p) {
    PeerBytes& peer = peers[size_t(p)];
    // What p wants of my slices, and what I want of p's: contiguous runs of whole slices.
    const SliceRange give = intersect(wanted[size_t(p)], mine);
    if (!give.empty()) {
      peer.send = own + size_t(give.begin - mine.begin) * sliceBytes;
      peer.sendBytes = size_t(give.count()) * sliceBytes;
    }
    const SliceRange take = intersect(want, layout.own(p));
    if (!take.empty()) {
      peer.recv = out + size_t(take.begin - want.begin) * sliceBytes;
      peer.recvBytes = size_t(take.count()) * sliceBytes;
      if (p != me) received += peer.recvBytes;
    }
  }
  comm.exchangeAll(peers);
  return received;
}

}  // namespace ffdp
