// The variable all-to-all (Comm::exchangeAll) and the slice fetch built on it (dist/slice_fetch.hpp):
// run by ctest under mpirun on 1-4 ranks (test_dist_ranks). Bytes encode sender, receiver and position,
// so a message from the wrong peer, a shifted chunk or a missing piece is caught. The chunked MPI path
// is taken with a tiny message limit (7 bytes: transfers split into many pieces, the last one short).
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "dist/slice_fetch.hpp"
#include "mpi_world.hpp"
#ifdef FFDP_HAVE_MPI
#include "dist/mpi_comm.hpp"
#endif

using namespace ffdp;

namespace {

uint8_t code(int from, int to, std::size_t at) { return uint8_t((from * 31 + to * 7 + at * 13) % 251); }
// Bytes rank `from` sends rank `to`: different for every pair, zero for some pairs.
std::size_t pairBytes(int from, int to) { return std::size_t((from * 5 + to * 3) % 4) * 11; }

// Every rank sends every rank (itself included) pairBytes bytes; counts the received bytes that are wrong.
int64_t wrongAfterExchange(Comm& comm) {
  const int n = comm.size(), me = comm.rank();
  std::vector<std::vector<uint8_t>> out(static_cast<size_t>(n)), in(static_cast<size_t>(n));
  std::vector<PeerBytes> peers(static_cast<size_t>(n));
  for (int p = 0; p < n; ++p) {
    out[size_t(p)].resize(pairBytes(me, p));
    for (std::size_t i = 0; i < out[size_t(p)].size(); ++i) out[size_t(p)][i] = code(me, p, i);
    in[size_t(p)].assign(pairBytes(p, me), 255);
    peers[size_t(p)] = {out[size_t(p)].data(), out[size_t(p)].size(), in[size_t(p)].data(), in[size_t(p)].size()};
  }
  comm.exchangeAll(peers);
  int64_t wrong = 0;
  for (int p = 0; p < n; ++p)
    for (std::size_t i = 0; i < in[size_t(p)].size(); ++i) wrong += in[size_t(p)][i] != code(p, me, i);
  return wrong;
}

// A whole float volume encodes its global index; each rank holds its own slices and fetches `want`.
int64_t wrongAfterFetch(Comm& comm, int64_t nz, const SliceRange& want) {
  Grid whole;
  whole.size = {3, 2, nz};
  const SlabLayout layout(whole, comm.size());
  Image slab(layout.haloSlabGrid(comm.rank(), 1), -1.0f);
  const SliceRange held = layout.withHalo(comm.rank(), 1);
  for (int64_t k = held.begin; k < held.end; ++k)
    for (int64_t n = 0; n < 6; ++n) slab.data[size_t((k - held.begin) * 6 + n)] = float(k * 6 + n);
  const Image window = fetchSlices(comm, slab, want);
  if (window.grid.size[2] != want.count() || window.grid.isSlab()) return -1;
  int64_t wrong = 0;
  for (int64_t k = 0; k < want.count(); ++k)
    for (int64_t n = 0; n < 6; ++n) wrong += window.data[size_t(k * 6 + n)] != float((k + want.begin) * 6 + n);
  return wrong;
}

}  // namespace

TEST_CASE("exchangeAll delivers every pair's bytes, the copy to itself included", "[mpi]") {
  CHECK(wrongAfterExchange(test::worldComm()) == 0);
}

#ifdef FFDP_HAVE_MPI
TEST_CASE("exchangeAll in pieces of at most 7 bytes (the path of transfers over 2^31 bytes)", "[mpi]") {
  test::worldComm();  // starts MPI (the world's session) before a second communicator is made
  MpiComm small(7);
  CHECK(wrongAfterExchange(small) == 0);
  // A fetch through the small pieces: slices of 24 bytes span several messages.
  const int64_t nz = 3 * small.size() + 2;
  CHECK(wrongAfterFetch(small, nz, {1, nz - 1}) == 0);
}
#endif

TEST_CASE("every rank fetches any z-range from the ranks that own it", "[mpi]") {
  Comm& comm = test::worldComm();
  const int n = comm.size();
  // Each rank wants a different range: someone else's slab, across several owners, all, one slice, none.
  for (const int64_t nz : {int64_t(2 * n + 3), int64_t(n), int64_t(17)}) {
    const int r = comm.rank();
    const std::vector<SliceRange> wants{{0, nz}, {nz - 1, nz}, {(r * 3) % nz, std::min(nz, (r * 3) % nz + 4)}, {}};
    for (const SliceRange& want : wants) {
      INFO("nz " << nz << ", rank " << r << " wants [" << want.begin << ", " << want.end << ")");
      CHECK(wrongAfterFetch(comm, nz, want) == 0);
    }
  }
}
