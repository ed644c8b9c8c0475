// Halo exchange across ranks: run by ctest under mpirun on 1-4 ranks (test_dist_ranks).
// Voxel values encode their global index, so a halo slice holding anything else (the -1 fill,
// a neighbour's wrong slice, a shifted row) is caught.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>

#include "core/error.hpp"
#include "core/field.hpp"
#include "dist/slab_halo.hpp"
#include "mpi_world.hpp"
#ifdef FFDP_HAVE_MPI
#include "dist/mpi_comm.hpp"
#endif

using namespace ffdp;

namespace {

template <class T>
T encode(int64_t i, int64_t j, int64_t k, const Grid& full);
template <>
float encode<float>(int64_t i, int64_t j, int64_t k, const Grid& full) {
  return float(full.linear(i, j, k));
}
template <>
uint8_t encode<uint8_t>(int64_t i, int64_t j, int64_t k, const Grid&) {
  return uint8_t((i + 3 * j + 37 * k) % 251);
}
template <>
Vec3f encode<Vec3f>(int64_t i, int64_t j, int64_t k, const Grid&) {
  return {float(i), float(j), float(k)};
}
template <class T>
T unfilled();
template <>
float unfilled<float>() { return -1.0f; }
template <>
uint8_t unfilled<uint8_t>() { return 255; }  // never produced by encode (mod 251)
template <>
Vec3f unfilled<Vec3f>() { return {-1, -1, -1}; }

// Fills this rank's own slices, exchanges, and counts halo voxels that do not hold their code.
// `staged`: through exchangeHaloStaged with copies in and out of the buffer (as for device memory).
template <class T>
int64_t wrongVoxelsAfterExchange(Comm& comm, int64_t nz, int64_t halo, int64_t nx = 3, int64_t ny = 2,
                                 bool staged = false) {
  Grid full;
  full.size = {nx, ny, nz};
  const SlabLayout layout(full, comm.size());
  const SliceRange held = layout.withHalo(comm.rank(), halo), own = layout.own(comm.rank());
  Volume<T> slab(layout.slabGrid(held), unfilled<T>());
  for (int64_t k = own.begin; k < own.end; ++k)
    for (int64_t j = 0; j < ny; ++j)
      for (int64_t i = 0; i < nx; ++i) slab.at(i, j, k - held.begin) = encode<T>(i, j, k, full);
  if (staged) {
    const std::size_t sliceBytes = std::size_t(nx * ny) * sizeof(T);
    char* base = reinterpret_cast<char*>(slab.data.data());
    exchangeHaloStaged(
        comm, layout, halo, sliceBytes, held.count(),
        [&](int64_t first, int64_t count, void* host) { std::memcpy(host, base + first * sliceBytes, count * sliceBytes); },
        [&](int64_t first, int64_t count, const void* host) {
          std::memcpy(base + first * sliceBytes, host, count * sliceBytes);
        });
  } else {
    exchangeHalo(comm, layout, halo, slab);
  }
  int64_t wrong = 0;
  for (int64_t k = held.begin; k < held.end; ++k)
    for (int64_t j = 0; j < ny; ++j)
      for (int64_t i = 0; i < nx; ++i) wrong += !(slab.at(i, j, k - held.begin) == encode<T>(i, j, k, full));
  return wrong;
}

template <class T>
void checkHaloExchange(Comm& comm, bool staged = false) {
  const int64_t n = comm.size();
  // Thick slabs, slabs of 1-2 slices (nz = n, n + 1, 2n - 1) and more ranks than slices.
  for (int64_t nz : {n, n + 1, 2 * n - 1, 2 * n, int64_t(7), int64_t(23), std::max<int64_t>(1, n - 2)}) {
    for (int64_t halo : {0, 1, 2, 3}) {
      INFO("nz " << nz << ", halo " << halo << ", rank " << comm.rank() << " of " << n);
      CHECK(wrongVoxelsAfterExchange<T>(comm, nz, halo, 3, 2, staged) == 0);
    }
  }
}

}  // namespace

TEST_CASE("halo exchange fills float slabs with the neighbours' slices", "[mpi]") {
  checkHaloExchange<float>(test::worldComm());
}

TEST_CASE("halo exchange fills byte (mask) slabs with the neighbours' slices", "[mpi]") {
  checkHaloExchange<uint8_t>(test::worldComm());
}

TEST_CASE("halo exchange fills vector-field slabs with the neighbours' slices", "[mpi]") {
  checkHaloExchange<Vec3f>(test::worldComm());
}

TEST_CASE("staged halo exchange (copies out of and into the buffer, as for GPU memory) fills every halo", "[mpi]") {
  checkHaloExchange<Vec3f>(test::worldComm(), true);
  checkHaloExchange<uint8_t>(test::worldComm(), true);
}

TEST_CASE("halo exchange moves image-sized slices (the MPI large-message path)", "[mpi]") {
  // 300 x 200 floats = 240 KB a slice: past the eager limit, so these go by rendezvous.
  Comm& comm = test::worldComm();
  for (int64_t halo : {1, 2}) {
    INFO("halo " << halo);
    CHECK(wrongVoxelsAfterExchange<float>(comm, 2 * comm.size() + 1, halo, 300, 200) == 0);
  }
}

#ifdef FFDP_HAVE_MPI
TEST_CASE("halo transfers larger than one message go out in pieces and arrive whole", "[mpi]") {
  // A 7-byte message limit splits every 24-byte float slice into 7 + 7 + 7 + 3 bytes, the way a
  // > 1 GiB slice of a gigavoxel field is split into 1 GiB messages.
  MpiComm comm(7);
  for (int64_t nz : {int64_t(comm.size()), int64_t(11)}) {
    for (int64_t halo : {1, 2}) {
      INFO("nz " << nz << ", halo " << halo);
      CHECK(wrongVoxelsAfterExchange<float>(comm, nz, halo) == 0);
      CHECK(wrongVoxelsAfterExchange<Vec3f>(comm, nz, halo) == 0);
    }
  }
}

TEST_CASE("a neighbour sending fewer bytes than expected is an error naming the sizes", "[mpi]") {
  MpiComm comm;
  if (comm.size() < 2 || comm.rank() > 1) return;  // ranks 0 and 1 only; others have nothing to do
  char buffer[16] = {};
  HaloTransfer t;
  if (comm.rank() == 0) {
    t.sendAbove = buffer, t.sendAboveBytes = 8;  // rank 1 expects 16
    comm.exchangeHalo(t);
  } else {
    t.recvBelow = buffer, t.recvBelowBytes = 16;
    CHECK_THROWS_WITH(comm.exchangeHalo(t), Catch::Contains("received 8 bytes where 16 were expected"));
  }
}
#endif
