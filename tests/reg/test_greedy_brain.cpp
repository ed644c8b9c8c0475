// The accuracy bar on real brains (issue 3): params/brain-greedy.json (rigid MI, affine CC, greedy
// CC) on the three labelled pairs 1000/1001, 1002/1003, 1004/1005 (fixed/moving); the moving manual labels are warped with
// nearest neighbour through T(x) = A(x + u(x)) and compared with the fixed labels (mean Dice over
// the fixed map's labels). Measured numbers are printed (WARN) so they can be quoted.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "io/image_io.hpp"
#include "ops/backend.hpp"
#include "reg/registration.hpp"
#include "spec/spec_json.hpp"
#include "support/test_support.hpp"

using namespace ffdp;

namespace {

// Mean Dice over the nonzero labels of `reference` (written here, not taken from lib/eval, so the
// test does not trust the code it checks).
double meanDice(const Image& reference, const Image& test) {
  std::map<long, std::array<int64_t, 3>> counts;  // per reference label: reference, test, both
  for (float v : reference.data)
    if (std::lround(v) != 0) ++counts[std::lround(v)][0];
  for (size_t n = 0; n < test.data.size(); ++n) {
    const long t = std::lround(test.data[n]);
    const auto it = counts.find(t);
    if (it == counts.end()) continue;  // background, or a label the reference does not have
    ++it->second[1];
    if (std::lround(reference.data[n]) == t) ++it->second[2];
  }
  double sum = 0;
  for (const auto& entry : counts) sum += 2.0 * double(entry.second[2]) / double(entry.second[0] + entry.second[1]);
  return counts.empty() ? 0 : sum / double(counts.size());
}

double nonPositiveShare(const Image& det) {
  int64_t folds = 0;
  for (float d : det.data) folds += d <= 0;
  return double(folds) / double(det.data.size());
}

struct PairResult {
  double affineDice = 0, dice = 0, folds = 0, inverseError = 0, seconds = 0;
};

PairResult registerPair(const std::string& fixedId, const std::string& movingId, int fieldShrink = 1) {
  const std::string dir = "brain-labels/";
  const Image fixed = readImage(ffdp::test::sharedData(dir + fixedId + "_SS.nii.gz")).image;
  const Image moving = readImage(ffdp::test::sharedData(dir + movingId + "_SS.nii.gz")).image;
  const Image fixedLabels = readImage(ffdp::test::sharedData(dir + fixedId + "_glm.nii.gz")).image;
  const Image movingLabels = readImage(ffdp::test::sharedData(dir + movingId + "_glm.nii.gz")).image;

  Spec spec = loadSpecFile(std::string(FFDP_SOURCE_DIR) + "/params/brain-greedy.json");
  spec.fixed = fixedId;
  spec.moving = movingId;
  spec.outputPrefix = "unused";
  spec.stages.back().fieldShrink = fieldShrink;
  validate(spec);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  RegistrationInputs in;
  in.fixed = &fixed;
  in.moving = &moving;
  const auto start = std::chrono::steady_clock::now();
  const RegistrationResult r = runRegistration(spec, in, *backend, comm);
  PairResult out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(r.warp);
  REQUIRE(r.inverseWarp);
  // The field stays on the fixed grid shrunk by fieldShrink (Grid::shrunk: ceil(size / shrink)).
  const Grid fieldGrid = fixed.grid.shrunk({fieldShrink, fieldShrink, fieldShrink});
  REQUIRE(r.warp->grid.sameAs(fieldGrid));
  REQUIRE(r.inverseWarp->grid.sameAs(fieldGrid));
  // Labels and Jacobians on the fixed grid: the field interpolated there, as ITK applies it.
  const Field u = fieldShrink == 1 ? *r.warp : backend->resampleField(*r.warp, fixed.grid);

  const Image affineLabels =
      backend->resampleAffine(movingLabels, fixedLabels.grid, r.transform, Interpolation::NearestNeighbor, 0);
  const Image warpedLabels = backend->resampleWarp(movingLabels, r.transform, u, Interpolation::NearestNeighbor, 0);
  out.affineDice = meanDice(fixedLabels, affineLabels);
  out.dice = meanDice(fixedLabels, warpedLabels);
  out.folds = nonPositiveShare(backend->jacobianDeterminant(u));
  // Inverse consistency: |u(x) + v(x + u(x))| averaged over the grid (mm; the images are 1 mm).
  const Field roundTrip = backend->composeFields(*r.inverseWarp, *r.warp);
  for (const Vec3f& e : roundTrip.data)
    out.inverseError += std::sqrt(double(e[0]) * e[0] + double(e[1]) * e[1] + double(e[2]) * e[2]);
  out.inverseError /= double(roundTrip.data.size());
  WARN(fixedId << "/" << movingId << " fieldShrink " << fieldShrink << ": mean Dice after affine " << out.affineDice << ", after greedy " << out.dice
               << "; non-positive Jacobian " << 100 * out.folds << " %; mean inverse error " << out.inverseError
               << " mm; " << out.seconds << " s");
  return out;
}

}  // namespace

// Measured (2 threads): 1000/1001 0.633, 1002/1003 0.638, 1004/1005 0.626, mean 0.632; no folded
// voxel; inverse error 0.04-0.05 voxel over the grid; about 11 s per pair.
TEST_CASE("brain-greedy.json: the three labelled pairs reach the Dice floor without folding",
          "[reg][greedy][integration]") {
  FFDP_REQUIRE_DATA(ffdp::test::sharedData("brain-labels/1000_SS.nii.gz"));
  double meanDiceOverPairs = 0;
  for (const auto& [fixedId, movingId] :
       std::vector<std::pair<std::string, std::string>>{{"1000", "1001"}, {"1002", "1003"}, {"1004", "1005"}}) {
    const PairResult r = registerPair(fixedId, movingId);
    CHECK(r.affineDice > 0.40);
    CHECK(r.dice > 0.615);
    CHECK(r.dice > r.affineDice + 0.15);  // the deformable stage does the work
    CHECK(r.folds < 1e-4);                // < 0.01 % of the voxels
    CHECK(r.inverseError < 0.1);          // voxels
    meanDiceOverPairs += r.dice / 3;
  }
  WARN("mean Dice over the three pairs " << meanDiceOverPairs);
  CHECK(meanDiceOverPairs >= 0.628);  // the bar is 0.63; measured 0.632
}

// fieldShrink 2 keeps the field on a 2 mm grid at the 1 mm level (8x fewer field voxels, the large-image
// setting): on 1000/1001 it must still do the deformable work without folding. Measured (2 threads): Dice
// 0.632 (0.633 with the field on the 1 mm grid), 0.0003 % non-positive Jacobians, inverse error 0.25 mm =
// 0.13 field voxel (the round trip reads the inverse between its 2 mm nodes, where it is interpolated).
TEST_CASE("brain-greedy.json with fieldShrink 2: the field on a 2x coarser grid still registers 1000/1001",
          "[reg][greedy][coarse][integration]") {
  FFDP_REQUIRE_DATA(ffdp::test::sharedData("brain-labels/1000_SS.nii.gz"));
  const PairResult r = registerPair("1000", "1001", 2);
  CHECK(r.dice > r.affineDice + 0.15);
  CHECK(r.dice > 0.62);
  CHECK(r.folds < 1e-4);
  CHECK(r.inverseError < 0.3);  // mm: 0.15 voxel of the field's grid
}
