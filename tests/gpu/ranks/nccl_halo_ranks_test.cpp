// NCCL halo exchange between processes, one GPU each (cuda/nccl_halo_comm.hpp and the CUDA
// backend's refreshHalo / reslab on it), run under mpirun -np 2 and -np 4 (gpu_ranks_main.cpp).
// Every rank builds the same random whole volume from a shared seed, cuts its slab buffer, fills
// the halo slices with garbage, and refreshes it twice: on the host through the MPI Comm
// (dist/slab_halo.hpp, the reference the CPU runs use) and on the device through NCCL. The device
// result must equal the host result bit for bit, and both must hold the whole volume's slices (so
// two no-ops cannot pass). Layouts: thick slabs (halo 5 inside one neighbour), thin slabs of 2-3
// slices (halo 5 forwarded over several rounds), a rank that owns no slice, transfers split into
// pieces, large slices, and a real brain. The traffic counter must equal the bytes the plan sends.
//
// Assertions are CHECKs (a failed REQUIRE on one rank would leave the others waiting in a
// collective); every rank runs every collective in the same order whatever its results.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "cuda_backend.hpp"
#include "device_volume.cuh"
#include "dist/slab.hpp"
#include "dist/slab_halo.hpp"
#include "dist/slab_volume.hpp"
#include "gpu_ranks_world.hpp"
#include "io/image_io.hpp"
#include "nccl_halo_comm.hpp"
#include "ops/backend.hpp"
#include "support/test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

Comm& host() { return *gpuRanksWorld().host; }
int gpu() { return gpuRanksWorld().device; }

// An oblique grid: the exchange moves bytes and must not care, but the backend's slab grids carry it.
Grid wholeGrid(int64_t nx, int64_t ny, int64_t nz) {
  Grid g;
  g.size = {nx, ny, nz};
  g.spacing = {0.9, 1.1, 1.3};
  g.origin = {-20, 7, 3};
  const double c = 0.8, s = 0.6;  // a rotation about z
  g.direction.m[0][0] = c, g.direction.m[0][1] = -s;
  g.direction.m[1][0] = s, g.direction.m[1][1] = c;
  return g;
}

// Random voxels; every bit pattern is a different value to compare (NaNs excluded so that a host
// reader of the test's messages sees numbers).
template <class T>
Volume<T> randomWhole(std::mt19937_64& rng, const Grid& g) {
  Volume<T> v(g);
  std::uniform_real_distribution<float> value(-1000.0f, 1000.0f);
  for (T& x : v.data) {
    if constexpr (std::is_same<T, float>::value) x = value(rng);
    if constexpr (std::is_same<T, Vec3f>::value) x = {value(rng), value(rng), value(rng)};
    if constexpr (std::is_same<T, uint8_t>::value) x = uint8_t(rng() % 256);
  }
  return v;
}

template <class T>
T garbage() {
  if constexpr (std::is_same<T, float>::value) return -12345.5f;
  if constexpr (std::is_same<T, Vec3f>::value) return Vec3f{-1.5f, -2.5f, -3.5f};
  if constexpr (std::is_same<T, uint8_t>::value) return uint8_t(0xEE);
}

// The rank's slab buffer with `halo`, its halo slices overwritten so that only an exchange can fill them.
template <class T>
Volume<T> garbledSlab(const Volume<T>& whole, const SlabLayout& layout, int64_t halo) {
  Volume<T> v = cutSlab(whole, layout.haloSlabGrid(host().rank(), halo));
  const int64_t plane = v.grid.size[0] * v.grid.size[1];
  for (int64_t k = 0; k < v.grid.size[2]; ++k)
    if (k < v.grid.ownedBegin() || k >= v.grid.ownedEnd())
      std::fill(v.data.begin() + k * plane, v.data.begin() + (k + 1) * plane, garbage<T>());
  return v;
}

template <class T>
bool sameBytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// The values of a volume's device copy, downloaded (the host copy, if any, ignored).
template <class T>
std::vector<T> deviceValues(const Volume<T>& v) {
  if (v.voxels() == 0) return {};
  Volume<T> copy = v;  // clones the device block
  copy.data.clear();
  cuda::downloadToHost(copy, "a test download");
  return copy.data;
}

// What the plan says this rank sends for one refresh of a buffer with `halo`, and in how many
// exchanges that move anything.
struct PlannedTraffic {
  uint64_t bytes = 0;
  int64_t exchanges = 0;
};
PlannedTraffic planned(const SlabLayout& layout, int64_t halo, std::size_t sliceBytes) {
  PlannedTraffic p;
  for (const HaloRound& r : planHaloRounds(layout, host().rank(), halo)) {
    p.bytes += uint64_t(r.sendBelow.count() + r.sendAbove.count()) * sliceBytes;
    p.exchanges += !(r.sendBelow.empty() && r.sendAbove.empty() && r.recvBelow.empty() && r.recvAbove.empty());
  }
  return p;
}

// One refresh on the host (MPI) and one on the device (NCCL) of the same garbled slab.
template <class T>
void checkRawExchange(cuda::NcclHaloComm& nccl, const Volume<T>& whole, int64_t halo) {
  const SlabLayout layout(whole.grid, host().size());
  const std::size_t sliceBytes = std::size_t(layout.sliceVoxels()) * sizeof(T);
  INFO("rank " << host().rank() << " of " << host().size() << ", " << whole.grid.size[0] << "x" << whole.grid.size[1]
               << "x" << whole.grid.size[2] << ", halo " << halo << ", " << sizeof(T) << "-byte voxels");
  Volume<T> onHost = garbledSlab(whole, layout, halo);
  Volume<T> onDevice = onHost;
  exchangeHaloBytes(host(), layout, halo, onHost.data.data(), sliceBytes, onHost.grid.size[2]);

  const DeviceTraffic before = nccl.traffic();
  T* p = cuda::deviceInOut(onDevice, "a test slab");  // device only from here
  exchangeHaloBytes(nccl, layout, halo, p, sliceBytes, onDevice.grid.size[2]);
  const DeviceTraffic after = nccl.traffic();

  CHECK(sameBytes(deviceValues(onDevice), onHost.data));
  CHECK(sameBytes(onHost.data, cutSlab(whole, onHost.grid).data));
  const PlannedTraffic plan = planned(layout, halo, sliceBytes);
  CHECK(after.bytesSent - before.bytesSent == plan.bytes);
  CHECK(after.exchanges - before.exchanges == plan.exchanges);
  CHECK(after.seconds >= before.seconds);
  if (plan.exchanges > 0) CHECK(after.seconds > before.seconds);
}

}  // namespace

TEST_CASE("NCCL halo exchange on device memory equals the host exchange over MPI, bit for bit", "[gpu][mpi][nccl]") {
  const int n = host().size();
  std::mt19937_64 rng(sharedSeed(host(), "NCCL halo exchange"));
  cuda::NcclHaloComm nccl(host(), gpu());
  CHECK(nccl.rank() == host().rank());
  CHECK(nccl.size() == n);

  SECTION("thick slabs (12+ slices each), halo 5: image and field") {
    const Grid g = wholeGrid(37, 29, 12 * n + 3);
    checkRawExchange(nccl, randomWhole<float>(rng, g), 5);
    checkRawExchange(nccl, randomWhole<Vec3f>(rng, g), 5);
  }
  SECTION("thin slabs (2-3 slices), halo 5: forwarded over several rounds") {
    const Grid g = wholeGrid(37, 29, 2 * n + 1);
    checkRawExchange(nccl, randomWhole<float>(rng, g), 5);
    checkRawExchange(nccl, randomWhole<Vec3f>(rng, g), 5);
    checkRawExchange(nccl, randomWhole<uint8_t>(rng, g), 5);
  }
  SECTION("more ranks than slices: the last rank owns nothing and still forwards") {
    const Grid g = wholeGrid(37, 29, n - 1);
    checkRawExchange(nccl, randomWhole<float>(rng, g), 5);
    checkRawExchange(nccl, randomWhole<Vec3f>(rng, g), 2);
  }
  SECTION("large slices (512 x 512 field, 3 MiB a slice), halo 5") {
    const Grid g = wholeGrid(512, 512, 6 * n);
    checkRawExchange(nccl, randomWhole<Vec3f>(rng, g), 5);
  }
}

TEST_CASE("NCCL transfers larger than one piece go out in pieces and arrive whole", "[gpu][mpi][nccl]") {
  const int n = host().size();
  std::mt19937_64 rng(sharedSeed(host(), "NCCL pieces"));
  // 1000-byte pieces cut every 4292-byte float slice (and 12876-byte field slice) unevenly, the way
  // 1 GiB pieces cut the slices of a gigavoxel field.
  cuda::NcclHaloComm nccl(host(), gpu(), 1000);
  checkRawExchange(nccl, randomWhole<float>(rng, wholeGrid(37, 29, 2 * n + 1)), 5);
  checkRawExchange(nccl, randomWhole<Vec3f>(rng, wholeGrid(37, 29, 8 * n)), 5);
}

TEST_CASE("NCCL halo exchange of a real brain slab equals the host exchange", "[gpu][mpi][nccl]") {
  const std::string path = sharedData("brain-labels/1000_SS.nii.gz");
  FFDP_REQUIRE_DATA(path);  // the same answer on every rank: they share the data folder
  const Image brain = readImage(path).image;
  cuda::NcclHaloComm nccl(host(), gpu());
  checkRawExchange(nccl, brain, 5);
}

namespace {

struct BackendResult {
  bool refreshed = false, refreshedIsWhole = false, widened = false, narrowed = false, gridsRight = false;
  uint64_t bytes = 0, plannedBytes = 0;
};

// The backend's refreshHalo, then reslab to 7 and to 1, against the host's (dist/slab_volume.hpp).
template <class T>
BackendResult backendAgainstHost(Backend& backend, const Volume<T>& whole, int64_t halo) {
  BackendResult out;
  const SlabLayout layout(whole.grid, host().size());
  const std::size_t sliceBytes = std::size_t(layout.sliceVoxels()) * sizeof(T);
  Volume<T> onHost = garbledSlab(whole, layout, halo);
  Volume<T> onDevice = onHost;
  refreshHalo(host(), onHost);
  const Volume<T> hostWide = reslab(host(), onHost, 7), hostNarrow = reslab(host(), onHost, 1);

  const uint64_t before = backend.deviceTraffic().bytesSent;
  cuda::deviceInOut(onDevice, "a test slab");  // device only from here
  backend.refreshHalo(host(), onDevice);
  const Volume<T> wide = backend.reslab(host(), onDevice, 7), narrow = backend.reslab(host(), onDevice, 1);
  out.bytes = backend.deviceTraffic().bytesSent - before;
  out.plannedBytes = planned(layout, halo, sliceBytes).bytes + planned(layout, 7, sliceBytes).bytes +
                     planned(layout, 1, sliceBytes).bytes;

  out.refreshed = sameBytes(deviceValues(onDevice), onHost.data);
  out.refreshedIsWhole = sameBytes(onHost.data, cutSlab(whole, onHost.grid).data);
  out.widened = sameBytes(deviceValues(wide), hostWide.data);
  out.narrowed = sameBytes(deviceValues(narrow), hostNarrow.data);
  out.gridsRight = wide.grid.sameAs(hostWide.grid) && wide.grid.slab == hostWide.grid.slab &&
                   narrow.grid.sameAs(hostNarrow.grid) && narrow.grid.slab == hostNarrow.grid.slab;
  return out;
}

template <class T>
void checkBackend(Backend& backend, const Volume<T>& whole, int64_t halo, bool expectNccl) {
  INFO("rank " << host().rank() << " of " << host().size() << ", " << whole.grid.size[2] << " slices, halo " << halo
               << ", " << sizeof(T) << "-byte voxels");
  const BackendResult r = backendAgainstHost(backend, whole, halo);
  CHECK(r.refreshed);
  CHECK(r.refreshedIsWhole);
  CHECK(r.widened);
  CHECK(r.narrowed);
  CHECK(r.gridsRight);
  CHECK(r.bytes == (expectNccl ? r.plannedBytes : 0));
}

}  // namespace

TEST_CASE("CUDA backend refreshHalo and reslab through NCCL equal the host's, bit for bit", "[gpu][mpi][nccl]") {
  const int n = host().size();
  std::mt19937_64 rng(sharedSeed(host(), "CUDA backend halos over NCCL"));
  SECTION("HaloTransport::Nccl") {
    auto backend = makeCudaBackend(host(), gpu(), HaloTransport::Nccl);
    const Grid thick = wholeGrid(23, 19, 10 * n + 1), thin = wholeGrid(23, 19, 2 * n + 1);
    checkBackend(*backend, randomWhole<float>(rng, thick), 5, true);
    checkBackend(*backend, randomWhole<Vec3f>(rng, thick), 5, true);
    checkBackend(*backend, randomWhole<uint8_t>(rng, thick), 5, true);
    checkBackend(*backend, randomWhole<float>(rng, thin), 5, true);
    checkBackend(*backend, randomWhole<Vec3f>(rng, thin), 5, true);
    checkBackend(*backend, randomWhole<Vec3f>(rng, wholeGrid(23, 19, n - 1)), 3, true);  // a rank owns nothing
    const DeviceTraffic t = backend->deviceTraffic();
    CHECK(t.exchanges > 0);
    CHECK(t.seconds > 0);
  }
  SECTION("HaloTransport::Auto picks NCCL when every rank has its own GPU") {
    auto backend = makeCudaBackend(host(), gpu());
    checkBackend(*backend, randomWhole<Vec3f>(rng, wholeGrid(23, 19, 2 * n + 1)), 5, true);
  }
  SECTION("HaloTransport::HostStaging moves nothing GPU to GPU and gives the same halos") {
    auto backend = makeCudaBackend(host(), gpu(), HaloTransport::HostStaging);
    checkBackend(*backend, randomWhole<Vec3f>(rng, wholeGrid(23, 19, 2 * n + 1)), 5, false);
    CHECK(backend->deviceTraffic().exchanges == 0);
  }
}
