#include "dist/slab_halo.hpp"

#include <algorithm>

namespace ffdp {
namespace {

// What rank r holds after t rounds, top and bottom. Slices arrive one neighbour per round: after t
// rounds r has everything that ranks r - t .. r + t own, cut to its halo range.
struct HaloReach {
  const SlabLayout& layout;
  int64_t halo;
  int64_t topEnd(int r, int t) const {
    const int source = std::min(r + t, layout.ranks() - 1);
    return std::min(layout.withHalo(r, halo).end, layout.own(source).end);
  }
  int64_t bottomBegin(int r, int t) const {
    const int source = std::max(r - t, 0);
    return std::max(layout.withHalo(r, halo).begin, layout.own(source).begin);
  }
  bool complete(int r, int t) const {
    const SliceRange want = layout.withHalo(r, halo);
    return topEnd(r, t) == want.end && bottomBegin(r, t) == want.begin;
  }
};

}  // namespace

std::vector<HaloRound> planHaloRounds(const SlabLayout& layout, int rank, int64_t halo) {
  const HaloReach reach{layout, halo};
  const int n = layout.ranks();
  layout.own(rank);  // validates rank
  int rounds = 0;    // the same on every rank: the most any rank needs
  for (int r = 0; r < n; ++r) {
    int t = 0;
    while (!reach.complete(r, t)) ++t;  // ends by t = n - 1: ranks 0 and n - 1 bound the volume
    rounds = std::max(rounds, t);
  }
  std::vector<HaloRound> plan(static_cast<std::size_t>(rounds));
  for (int t = 1; t <= rounds; ++t) {
    HaloRound& step = plan[static_cast<std::size_t>(t - 1)];
    step.recvAbove = {reach.topEnd(rank, t - 1), reach.topEnd(rank, t)};
    step.recvBelow = {reach.bottomBegin(rank, t), reach.bottomBegin(rank, t - 1)};
    if (rank > 0) step.sendBelow = {reach.topEnd(rank - 1, t - 1), reach.topEnd(rank - 1, t)};
    if (rank + 1 < n) step.sendAbove = {reach.bottomBegin(rank + 1, t), reach.bottomBegin(rank + 1, t - 1)};
  }
  return plan;
}

InnerHalo innerHalo(const SlabLayout& layout, int rank, int64_t bufferHalo, int64_t depth) {
  InnerHalo h;
  h.depth = std::max<int64_t>(0, std::min(depth, bufferHalo));
  const SliceRange held = layout.withHalo(rank, bufferHalo), inner = layout.withHalo(rank, h.depth);
  h.firstSlice = inner.begin - held.begin;
  h.slices = inner.count();
  return h;
}

void exchangeHaloBytes(Comm& comm, const SlabLayout& layout, int64_t halo, void* buffer, std::size_t sliceBytes,
                       int64_t bufferSlices) {
  if (comm.size() != layout.ranks()) {
    fail(ExitCode::Internal, "exchangeHalo: the layout has " + std::to_string(layout.ranks()) +
                                 " ranks but the communicator " + std::to_string(comm.size()));
  }
  const int rank = comm.rank();
  const SliceRange held = layout.withHalo(rank, halo);
  if (bufferSlices != held.count()) {
    fail(ExitCode::Internal, "exchangeHalo: rank " + std::to_string(rank) + "'s slab buffer has " +
                                 std::to_string(bufferSlices) + " slices; slices [" + std::to_string(held.begin) +
                                 ", " + std::to_string(held.end) + ") with halo " + std::to_string(halo) +
                                 " need " + std::to_string(held.count()));
  }
  char* base = static_cast<char*>(buffer);
  auto at = [&](const SliceRange& r) -> char* {
    return r.empty() ? nullptr : base + static_cast<std::size_t>(r.begin - held.begin) * sliceBytes;
  };
  auto bytes = [&](const SliceRange& r) { return static_cast<std::size_t>(r.count()) * sliceBytes; };
  for (const HaloRound& step : planHaloRounds(layout, rank, halo)) {
    HaloTransfer t;
    t.sendBelow = at(step.sendBelow), t.sendBelowBytes = bytes(step.sendBelow);
    t.recvBelow = at(step.recvBelow), t.recvBelowBytes = bytes(step.recvBelow);
    t.sendAbove = at(step.sendAbove), t.sendAboveBytes = bytes(step.sendAbove);
    t.recvAbove = at(step.recvAbove), t.recvAboveBytes = bytes(step.recvAbove);
    comm.exchangeHalo(t);
  }
}

void exchangeHaloStaged(Comm& comm, const SlabLayout& layout, int64_t halo, std::size_t sliceBytes,
                        int64_t bufferSlices, const SliceCopyOut& copyOut, const SliceCopyIn& copyIn) {
  const int rank = comm.rank();
  const SliceRange held = layout.withHalo(rank, halo);
  if (comm.size() != layout.ranks() || bufferSlices != held.count()) {
    fail(ExitCode::Internal, "exchangeHaloStaged: rank " + std::to_string(rank) + "'s buffer has " +
                                 std::to_string(bufferSlices) + " slices where the layout holds " +
                                 std::to_string(held.count()) + " (" + std::to_string(layout.ranks()) +
                                 " ranks in the layout, " + std::to_string(comm.size()) + " in the communicator)");
  }
  std::vector<char> sendBelow, sendAbove, recvBelow, recvAbove;
  auto bytes = [&](const SliceRange& r) { return static_cast<std::size_t>(r.count()) * sliceBytes; };
  auto stageOut = [&](const SliceRange& r, std::vector<char>& buffer) {
    buffer.resize(bytes(r));
    if (!r.empty()) copyOut(r.begin - held.begin, r.count(), buffer.data());
  };
  for (const HaloRound& step : planHaloRounds(layout, rank, halo)) {
    stageOut(step.sendBelow, sendBelow);
    stageOut(step.sendAbove, sendAbove);
    recvBelow.resize(bytes(step.recvBelow));
    recvAbove.resize(bytes(step.recvAbove));
    HaloTransfer t;
    t.sendBelow = sendBelow.data(), t.sendBelowBytes = sendBelow.size();
    t.recvBelow = recvBelow.data(), t.recvBelowBytes = recvBelow.size();
    t.sendAbove = sendAbove.data(), t.sendAboveBytes = sendAbove.size();
    t.recvAbove = recvAbove.data(), t.recvAboveBytes = recvAbove.size();
    comm.exchangeHalo(t);
    if (!step.recvBelow.empty()) copyIn(step.recvBelow.begin - held.begin, step.recvBelow.count(), recvBelow.data());
    if (!step.recvAbove.empty()) copyIn(step.recvAbove.begin - held.begin, step.recvAbove.count(), recvAbove.data());
  }
}

}  // namespace ffdp
