// Comm::exchangeAll and the slice fetch on one process: SelfComm's copy to itself, the default of a
// communicator that does not implement it, and fetches among ranks run as threads (ThreadComm), where
// every rank asks for a different z-range of a volume split over 1-4 ranks.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "dist/slice_fetch.hpp"
#include "support/thread_comm.hpp"

using namespace ffdp;

namespace {

// A communicator written before exchangeAll existed: it keeps the base class's default.
class OldComm final : public Comm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduceSum(double*, std::size_t) override {}
  void allreduceMax(double*, std::size_t) override {}
  void allreduceMin(double*, std::size_t) override {}
  [[noreturn]] void abort(const std::string& message, int) override { throw std::runtime_error(message); }
  void exchangeHalo(const HaloTransfer&) override {}
  void broadcastBytes(void*, std::size_t, int) override {}
};

}  // namespace

TEST_CASE("SelfComm's all-to-all copies to itself and refuses a plan for other ranks", "[dist]") {
  SelfComm comm;
  const std::vector<int> from{1, 2, 3};
  std::vector<int> to(3, 0);
  comm.exchangeAll({PeerBytes{from.data(), 12, to.data(), 12}});
  CHECK(to == from);
  CHECK_THROWS_AS(comm.exchangeAll({PeerBytes{}, PeerBytes{}}), Error);
  CHECK_THROWS_AS(comm.exchangeAll({PeerBytes{from.data(), 12, to.data(), 8}}), Error);
}

TEST_CASE("a communicator without an all-to-all says so by name", "[dist]") {
  OldComm comm;
  try {
    comm.exchangeAll({PeerBytes{}});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("exchangeAll: not supported") != std::string::npos);
    CHECK(e.code() == ExitCode::Internal);
  }
}

TEST_CASE("ranks as threads fetch any z-range of a volume split over them", "[dist]") {
  for (int ranks = 1; ranks <= 4; ++ranks) {
    for (int64_t nz : {int64_t(ranks), int64_t(2 * ranks + 1), int64_t(13)}) {
      // Rank r wants a range that starts in another rank's slab; the last rank wants the whole volume.
      std::vector<int64_t> wrong(size_t(ranks), -1);
      test::runRanks(ranks, [&](int r, Comm& comm) {
        Grid whole;
        whole.size = {2, 3, nz};
        const SlabLayout layout(whole, ranks);
        Image slab(layout.haloSlabGrid(r, 2), -1.0f);
        const SliceRange own = layout.own(r);
        for (int64_t k = own.begin; k < own.end; ++k)  // only own slices: the halo stays -1
          for (int64_t n = 0; n < 6; ++n) slab.data[size_t((k - slab.grid.slab.firstSlice) * 6 + n)] = float(k * 6 + n);
        const SliceRange want = r == ranks - 1 ? SliceRange{0, nz}
                                               : SliceRange{(r * 5 + 1) % nz, std::min(nz, (r * 5 + 1) % nz + 3)};
        const Image window = fetchSlices(comm, slab, want);
        int64_t bad = window.grid.size[2] == want.count() ? 0 : 1;
        for (int64_t k = 0; k < want.count() && !bad; ++k)
          for (int64_t n = 0; n < 6; ++n) bad += window.data[size_t(k * 6 + n)] != float((k + want.begin) * 6 + n);
        // The window's voxels sit where the whole grid has them.
        const Vec3 p = window.grid.indexToPhysical({0, 0, 0}), q = whole.indexToPhysical({0, 0, double(want.begin)});
        bad += p != q;
        wrong[size_t(r)] = bad;
      });
      for (int r = 0; r < ranks; ++r) {
        INFO(ranks << " ranks, nz " << nz << ", rank " << r);
        CHECK(wrong[size_t(r)] == 0);
      }
    }
  }
}
