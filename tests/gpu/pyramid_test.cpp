// The CUDA image ops of the pyramid and the initialisation against the CPU reference:
// smoothAndResample (Gaussian then linear resampling onto a coarser grid over the same region),
// resampleMask (nearest neighbour, outside = 0) and centreOfMass (a deterministic reduction that
// must repeat bit for bit), on random oblique grids and on a real brain.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "centre_of_mass.hpp"
#include "field_gpu_support.hpp"
#include "gpu_test_support.hpp"
#include "image_pyramid.hpp"
#include "ops/backend.hpp"
#include "ops/field_test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

Image pyramidOnGpu(const Image& in, const Vec3& sigma, const Grid& target) {
  auto d = toDevice(in);
  cuda::DeviceArray<float> out(target.voxels(), "pyramid level");
  cuda::smoothAndResample(d.data(), in.grid, sigma, target, out.data());
  return imageFromDevice(out, target);
}

Mask maskOnGpu(const Mask& in, const Grid& target) {
  auto d = cuda::DeviceArray<uint8_t>::fromHost(in.data, "mask");
  cuda::DeviceArray<uint8_t> out(target.voxels(), "resampled mask");
  cuda::resampleMask(d.data(), in.grid, target, out.data());
  Mask m(target);
  m.data = out.toHost("resampled mask");
  return m;
}

Vec3 centreOnGpu(const Image& im) {
  auto d = toDevice(im);
  return cuda::centreOfMass(d.data(), im.grid);
}

}  // namespace

TEST_CASE("GPU smoothAndResample and resampleMask equal the CPU", "[gpu][pyramid]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu pyramid");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {45, 38, 31}, 0.7, 1.4, 0.6, {5, 0, -3});
  const Image im = sampleImage(g, SmoothField(rng, g.centre(), 40));
  for (const auto& [shrink, sigma] : {std::pair<std::array<int, 3>, Vec3>{{2, 2, 2}, {1.0, 1.0, 1.0}},
                                      std::pair<std::array<int, 3>, Vec3>{{4, 3, 1}, {2.0, 1.5, 0.0}},
                                      std::pair<std::array<int, 3>, Vec3>{{1, 1, 1}, {0.0, 0.0, 0.0}}}) {
    const Grid target = g.shrunk(shrink);
    const Agreement a = compare(pyramidOnGpu(im, sigma, target), cpu->smoothAndResample(im, sigma, target));
    FFDP_REPORT_AGREEMENT(a);
    REQUIRE(a.relative < 1e-5);  // the smoothing bound (smoothing_test.cpp)
  }
  const Mask mask = ellipsoidMask(g, 0.7);
  for (const Grid& target : {g.shrunk({2, 2, 2}), g.shrunk({3, 1, 2}),
                             randomObliqueGrid(rng, {30, 30, 30}, 1.0, 1.5, 0.5, {9, 2, -3})}) {
    const Mask expected = cpu->resampleMask(mask, target), got = maskOnGpu(mask, target);
    int64_t differ = 0, inside = 0;
    for (int64_t k = 0; k < target.size[2]; ++k)
      for (int64_t j = 0; j < target.size[1]; ++j)
        for (int64_t i = 0; i < target.size[0]; ++i) {
          const int64_t n = target.linear(i, j, k);
          inside += got.data[size_t(n)] != 0;
          if (got.data[size_t(n)] == expected.data[size_t(n)]) continue;
          ++differ;
          // Only a rounding tie may differ: the point lies halfway between two input voxels (a
          // shrink by 2 puts every target centre there), where an ulp decides which is nearest.
          const Vec3 q = g.physicalToIndex(target.indexToPhysical({double(i), double(j), double(k)}));
          bool tie = false;
          for (int a = 0; a < 3; ++a) tie |= std::abs(q[a] - std::floor(q[a]) - 0.5) < 1e-9;
          REQUIRE(tie);
        }
    INFO(differ << " voxels differ at rounding ties");
    REQUIRE(inside > 0);
  }
}

TEST_CASE("GPU centreOfMass equals the CPU and repeats bit for bit", "[gpu][pyramid][com]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu centre of mass");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {70, 61, 53}, 0.7, 1.4, 0.6, {5, 20, -3});
  Image im = sampleImage(g, SmoothField(rng, g.centre(), 60));
  for (float& x : im.data) x -= 25.0f;  // negative intensities count as zero
  const Vec3 expected = cpu->centreOfMass(im), got = centreOnGpu(im), again = centreOnGpu(im);
  for (int a = 0; a < 3; ++a) REQUIRE(got[a] == Approx(expected[a]).margin(1e-9 * (1 + std::abs(expected[a]))));
  REQUIRE(std::memcmp(got.data(), again.data(), sizeof(Vec3)) == 0);
  Image negative(g, -1.0f);
  REQUIRE_THROWS_AS(centreOnGpu(negative), Error);
}

TEST_CASE("GPU pyramid level and centre of mass of a real brain equal the CPU", "[gpu][pyramid][real]") {
  FFDP_REQUIRE_GPU();
  const std::string path = sharedData("brain-labels/1000_SS.nii.gz");
  FFDP_REQUIRE_DATA(path);
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Image brain = cropVolume(readImage(path).image, {20, 30, 20}, {120, 150, 120});
  const Grid target = brain.grid.shrunk({2, 2, 2});
  const Agreement a = compare(pyramidOnGpu(brain, {1.0, 1.0, 1.0}, target),
                              cpu->smoothAndResample(brain, {1.0, 1.0, 1.0}, target));
  FFDP_REPORT_AGREEMENT(a);
  REQUIRE(a.relative < 1e-5);
  const Vec3 expected = cpu->centreOfMass(brain), got = centreOnGpu(brain);
  for (int c = 0; c < 3; ++c) REQUIRE(got[c] == Approx(expected[c]).margin(1e-9 * (1 + std::abs(expected[c]))));
}
