// The CUDA backend's halo refresh and re-slabbing on device memory (cuda/cuda_backend.cu
// refreshHalo / reslab, through dist/slab_halo.hpp exchangeHaloStaged), with the ranks as threads
// (thread_comm.hpp): every rank cuts its slab buffer out of a whole volume, overwrites its halo
// slices with garbage, moves the buffer to the device only (no host copy), and refreshes; the
// buffer must then equal the whole volume's slices it covers, halo included. Layouts: thin slabs
// (2 slices) with a halo of 3, wider than a neighbour's slab (forwarded over two rounds), a halo
// of 1, a rank that owns nothing; Image, Field and Mask.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "cuda_backend.hpp"
#include "device_volume.cuh"
#include "dist/slab.hpp"
#include "dist/slab_volume.hpp"
#include "gpu_test_support.hpp"
#include "ops/backend.hpp"
#include "support/thread_comm.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

// A whole volume whose every voxel is distinct (the value says where it came from).
Grid wholeGrid(int64_t nz) {
  Grid g;
  g.size = {5, 4, nz};
  g.spacing = {1.0, 1.2, 0.9};
  g.origin = {3, -2, 7};
  return g;
}
Image wholeImage(const Grid& g) {
  Image im(g);
  for (int64_t n = 0; n < g.voxels(); ++n) im.data[size_t(n)] = float(n) + 0.5f;
  return im;
}
Field wholeField(const Grid& g) {
  Field f(g);
  for (int64_t n = 0; n < g.voxels(); ++n) f.data[size_t(n)] = {float(n), -float(n), float(n) * 0.25f};
  return f;
}
Mask wholeMask(const Grid& g) {
  Mask m(g);
  for (int64_t n = 0; n < g.voxels(); ++n) m.data[size_t(n)] = uint8_t(1 + n % 251);
  return m;
}

template <class T>
void garbleHalo(Volume<T>& v, const T& garbage) {
  const int64_t plane = v.grid.size[0] * v.grid.size[1];
  for (int64_t k = 0; k < v.grid.size[2]; ++k)
    if (k < v.grid.ownedBegin() || k >= v.grid.ownedEnd())
      std::fill(v.data.begin() + k * plane, v.data.begin() + (k + 1) * plane, garbage);
}

// The buffer's values on the device, downloaded here (the host copy, if any, is ignored).
// Called on the rank threads: throws (no Catch2 assertion) when there is no device copy.
template <class T>
std::vector<T> deviceValues(const Volume<T>& v) {
  if (v.voxels() == 0) return {};  // a rank holding no slice (nothing to clone)
  if (!v.device) throw std::logic_error("deviceValues: the volume has no device copy");
  Volume<T> copy = v;  // clones the device block
  copy.data.clear();
  cuda::downloadToHost(copy, "test download");
  return copy.data;
}

template <class T>
bool sameBytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

struct RankResult {
  bool refreshed = false, reslabbed = false, narrowed = false, gridsRight = false, hostMaskRight = true;
};

// Every rank: cut, garble, device only, refresh; then reslab to `wider` and to 0 halo.
template <class T>
std::vector<RankResult> exchangeOnRanks(const Volume<T>& whole, int ranks, int64_t halo, int64_t wider,
                                        const T& garbage) {
  const SlabLayout layout(whole.grid, ranks);
  std::vector<RankResult> results(static_cast<size_t>(ranks));
  runRanks(ranks, [&](int r, Comm& comm) {
    auto backend = makeCudaBackend(comm, 0);
    RankResult& out = results[size_t(r)];
    Volume<T> v = cutSlab(whole, layout.haloSlabGrid(r, halo));
    garbleHalo(v, garbage);
    cuda::deviceInOut(v, "test slab");  // device only from here
    backend->refreshHalo(comm, v);
    out.refreshed = sameBytes(deviceValues(v), cutSlab(whole, layout.haloSlabGrid(r, halo)).data);
    if (std::is_same<T, uint8_t>::value) out.hostMaskRight = sameBytes(v.data, cutSlab(whole, v.grid).data);

    const Volume<T> wide = backend->reslab(comm, v, wider);
    const Volume<T> none = backend->reslab(comm, v, 0);
    const Grid wideGrid = layout.haloSlabGrid(r, wider), noneGrid = layout.haloSlabGrid(r, 0);
    out.gridsRight = wide.grid.sameAs(wideGrid) && wide.grid.slab == wideGrid.slab && none.grid.sameAs(noneGrid) &&
                     none.grid.slab == noneGrid.slab;
    out.reslabbed = sameBytes(deviceValues(wide), cutSlab(whole, wideGrid).data);
    out.narrowed = sameBytes(deviceValues(none), cutSlab(whole, noneGrid).data);
    if (std::is_same<T, uint8_t>::value)
      out.hostMaskRight = out.hostMaskRight && sameBytes(wide.data, cutSlab(whole, wideGrid).data);
  });
  return results;
}

template <class T>
void requireExchanges(const Volume<T>& whole, int ranks, int64_t halo, int64_t wider, const T& garbage) {
  INFO(ranks << " ranks on " << whole.grid.size[2] << " slices, halo " << halo << ", reslab to " << wider);
  const std::vector<RankResult> results = exchangeOnRanks(whole, ranks, halo, wider, garbage);
  for (int r = 0; r < ranks; ++r) {
    INFO("rank " << r);
    REQUIRE(results[size_t(r)].refreshed);
    REQUIRE(results[size_t(r)].gridsRight);
    REQUIRE(results[size_t(r)].reslabbed);
    REQUIRE(results[size_t(r)].narrowed);
    REQUIRE(results[size_t(r)].hostMaskRight);
  }
}

}  // namespace

TEST_CASE("GPU refreshHalo and reslab fill device halos with the owners' values", "[gpu][slab][halo]") {
  FFDP_REQUIRE_GPU();
  SECTION("thin slabs (2 slices) and a halo of 3, wider than a neighbour's slab") {
    const Grid g = wholeGrid(9);  // 4 ranks: 3, 2, 2, 2 slices
    requireExchanges(wholeImage(g), 4, 3, 5, -7.0f);
    requireExchanges(wholeField(g), 4, 3, 5, Vec3f{-1, -2, -3});
    requireExchanges(wholeMask(g), 4, 3, 5, uint8_t(0));
  }
  SECTION("a halo of 1, widened to 2") {
    const Grid g = wholeGrid(11);  // 3 ranks: 4, 4, 3 slices
    requireExchanges(wholeImage(g), 3, 1, 2, -7.0f);
    requireExchanges(wholeField(g), 3, 1, 2, Vec3f{-1, -2, -3});
    requireExchanges(wholeMask(g), 3, 1, 2, uint8_t(0));
  }
  SECTION("more ranks than slices: the last rank owns nothing and still forwards") {
    const Grid g = wholeGrid(3);  // 4 ranks: 1, 1, 1, 0 slices
    requireExchanges(wholeImage(g), 4, 2, 3, -7.0f);
    requireExchanges(wholeMask(g), 4, 2, 3, uint8_t(0));
  }
}

TEST_CASE("GPU refreshHalo and reslab on a whole grid: nothing to exchange, a copy", "[gpu][slab][halo]") {
  FFDP_REQUIRE_GPU();
  SelfComm comm;
  auto backend = makeCudaBackend(comm, 0);
  const Grid g = wholeGrid(6);
  Field f = wholeField(g);
  const Field original = f;
  cuda::deviceInOut(f, "test field");
  backend->refreshHalo(comm, f);
  REQUIRE(sameBytes(deviceValues(f), original.data));
  const Field copy = backend->reslab(comm, f, 3);
  REQUIRE(!copy.grid.isSlab());
  REQUIRE(copy.grid.sameAs(g));
  REQUIRE(sameBytes(deviceValues(copy), original.data));
}
