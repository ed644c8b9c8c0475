// The CUDA output resamplers (resampleWarp, resampleAffine) against the CPU reference, for Linear,
// NearestNeighbor and Label interpolation, on random oblique grids and on a cropped real brain
// with its manual labels. The kernels round like the CPU, so Linear agrees to 1e-6 of the image's
// scale and the discrete rules pick the same voxel or label everywhere but, at most, a rounding
// tie in one voxel of 10^4.
#include <catch2/catch.hpp>

#include "field_gpu_support.hpp"
#include "gpu_test_support.hpp"
#include "ops/backend.hpp"
#include "ops/field_test_support.hpp"
#include "warp_resample.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

const Interpolation kRules[3] = {Interpolation::Linear, Interpolation::NearestNeighbor, Interpolation::Label};

// Linear: relative bound; the discrete rules: the fraction of voxels that differ.
void requireAgreement(const Image& gpu, const Image& cpu, Interpolation interp) {
  const Agreement a = compare(gpu, cpu);
  FFDP_REPORT_AGREEMENT(a);
  INFO("interpolation " << int(interp));
  if (interp == Interpolation::Linear)
    REQUIRE(a.relative < 1e-6);
  else
    REQUIRE(a.total - a.identical <= a.total / 10000);
}

Image warpOnGpu(const Image& moving, const Affine& A, const Field* u, const Grid& grid, Interpolation interp,
                float outside) {
  auto dm = toDevice(moving);
  cuda::DeviceArray<float> out(grid.voxels(), "warped");
  if (u) {
    auto du = toDevice(*u);
    cuda::resampleWarp(dm.data(), moving.grid, A, du.data(), grid, interp, outside, out.data());
  } else {
    cuda::resampleAffine(dm.data(), moving.grid, grid, A, interp, outside, out.data());
  }
  return imageFromDevice(out, grid);
}

}  // namespace

TEST_CASE("GPU resampleWarp and resampleAffine equal the CPU for every interpolation", "[gpu][resample]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu resample warp");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Grid mg = randomObliqueGrid(rng, {40, 35, 30}, 0.8, 1.5, 0.5, {0, 0, 0});
  const Image moving = sampleImage(mg, SmoothField(rng, mg.centre(), 40));
  Image labels(mg);
  for (float& x : labels.data) x = float(std::uniform_int_distribution<int>(0, 5)(rng));
  const Grid grid = randomObliqueGrid(rng, {38, 33, 29}, 0.7, 1.3, 0.6, {2, -1, 0.5});
  const Affine A = randomAffine(rng, grid.centre(), 0.2, 0.1, 4.0);
  const Field u = sampleField(grid, SmoothVectorField(rng, grid, 0.3, {1.0, -2.0, 0.5}));
  for (const Interpolation interp : kRules) {
    const Image& in = interp == Interpolation::Label ? labels : moving;
    const Image expectedWarp = cpu->resampleWarp(in, A, u, interp, -3.0f);
    const Image gotWarp = warpOnGpu(in, A, &u, grid, interp, -3.0f);
    requireAgreement(gotWarp, expectedWarp, interp);
    int64_t outside = 0;
    for (const float x : gotWarp.data) outside += x == -3.0f;
    REQUIRE(outside > 0);  // part of the grid maps beyond the moving image
    requireAgreement(warpOnGpu(in, A, nullptr, grid, interp, -3.0f), cpu->resampleAffine(in, grid, A, interp, -3.0f),
                     interp);
    const Field zero(grid);
    // A zero field gives resampleAffine's output bit for bit.
    REQUIRE(warpOnGpu(in, A, nullptr, grid, interp, 0.0f).data ==
            warpOnGpu(in, A, &zero, grid, interp, 0.0f).data);
  }
}

TEST_CASE("GPU resampleWarp of a cropped real brain and its labels equals the CPU", "[gpu][resample][real]") {
  FFDP_REQUIRE_GPU();
  const std::string t1 = sharedData("brain-labels/1000_SS.nii.gz"), glm = sharedData("brain-labels/1000_glm.nii.gz");
  FFDP_REQUIRE_DATA(t1);
  FFDP_REQUIRE_DATA(glm);
  auto rng = seededRng("gpu resample brain");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Image brain = cropVolume(readImage(t1).image, {30, 50, 40}, {96, 80, 64});
  const Image labels = cropVolume(readImage(glm).image, {30, 50, 40}, {96, 80, 64});
  const Affine A = randomAffine(rng, brain.grid.centre(), 0.1, 0.05, 3.0);
  const Field u = sampleField(brain.grid, SmoothVectorField(rng, brain.grid, 0.2));
  for (const Interpolation interp : kRules) {
    const Image& in = interp == Interpolation::Label ? labels : brain;
    requireAgreement(warpOnGpu(in, A, &u, brain.grid, interp, 0.0f), cpu->resampleWarp(in, A, u, interp, 0.0f),
                     interp);
  }
}
