// A field moved between pyramid levels on slab buffers equals the whole field moved, bit for bit on
// every own slice: the index map goes through the whole grids with integer slice shifts
// (ops/cpu/grid_index_map.hpp, cuda/grid_index_map.cuh). Shared by the CPU test
// (tests/ops/field_resample_test.cpp) and the GPU one (tests/gpu/slab_field_resample_gpu_test.cpp).
#pragma once
#include <catch2/catch.hpp>

#include <memory>

#include "dist/slab.hpp"
#include "dist/slab_volume.hpp"
#include "ops/backend.hpp"
#include "ops/field_test_support.hpp"
#include "support/test_support.hpp"

namespace ffdp::test {

// `backend` computes without the slab decorator: the source slab's halo is wide enough for every
// target own slice, so no exchange is needed.
inline void requireSlabFieldResampleIsWhole(Backend& backend, const char* seedName) {
  auto rng = seededRng(seedName);
  const Grid fine = randomObliqueGrid(rng, {19, 17, 41}, 0.7, 1.3, 0.4, {3, -1, 2});
  const Grid coarse = fine.shrunk({2, 2, 2});
  const Field u = randomField(rng, fine, 3.0);
  Field uDevice = u;
  const Field down = backend.resampleField(uDevice, coarse);
  Field downHost = down;
  backend.toHost(downHost);
  const Field up = backend.resampleField(downHost, fine);
  Field upHost = up;
  backend.toHost(upHost);
  const SlabCuts cuts = std::make_shared<const std::vector<double>>(std::vector<double>{0.0, 0.3, 0.45, 1.0});
  for (const SlabCuts& layoutCuts : {SlabCuts(), cuts}) {
    for (int rank = 0; rank < 3; ++rank) {
      INFO("rank " << rank << " of 3, " << (layoutCuts ? "unequal" : "equal") << " slabs");
      const Grid fineSlab = SlabLayout(fine, 3, layoutCuts).haloSlabGrid(rank, 6);
      const Grid coarseSlab = SlabLayout(coarse, 3, layoutCuts).haloSlabGrid(rank, 3);
      // Down: a fine slab with its halo onto the coarse slab; up: a coarse slab onto the fine slab.
      Field slabDown = backend.resampleField(cutSlab(u, fineSlab), coarseSlab);
      backend.toHost(slabDown);
      Field slabUp = backend.resampleField(cutSlab(downHost, coarseSlab), fineSlab);
      backend.toHost(slabUp);
      auto mismatches = [](const Field& slab, const Field& whole) {
        const int64_t plane = slab.grid.size[0] * slab.grid.size[1];
        int64_t bad = 0;
        for (int64_t k = slab.grid.ownedBegin(); k < slab.grid.ownedEnd(); ++k)
          for (int64_t n = 0; n < plane; ++n)
            bad += slab.data[size_t(k * plane + n)] != whole.data[size_t((k + slab.grid.slab.firstSlice) * plane + n)];
        return bad;
      };
      CHECK(mismatches(slabDown, downHost) == 0);
      CHECK(mismatches(slabUp, upHost) == 0);
    }
  }
}

}  // namespace ffdp::test
