// The gigavoxel benchmark's ground truth (bench/gigavoxel): the known deformation inverts, the moving
// image is the second contrast moved by it, and the recovery error measures what it claims to.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/affine.hpp"
#include "io/image_io.hpp"
#include "known_deformation.hpp"
#include "ops/backend.hpp"
#include "recovery_error.hpp"
#include "support/test_support.hpp"
#include "synthetic_pair.hpp"

using namespace ffdp;
using namespace ffdp::bench;
using ffdp::test::sharedData;

namespace {

// Mean |a - b| over voxels where b is brain (b > 10 % of its maximum), relative to b's mean there.
double relativeMeanDifference(const Image& a, const Image& b) {
  float peak = 0;
  for (float v : b.data) peak = std::max(peak, v);
  double diff = 0, sum = 0;
  for (size_t n = 0; n < b.data.size(); ++n)
    if (b.data[n] > 0.1f * peak) diff += std::abs(a.data[n] - b.data[n]), sum += b.data[n];
  return diff / sum;
}

}  // namespace

TEST_CASE("the known deformation's inverse undoes it", "[bench]") {
  const KnownDeformation t = makeKnownDeformation({10, -20, 5}, 3, 70);
  for (const Vec3 y : {Vec3{0, 0, 0}, Vec3{33, -7, 61}, Vec3{-50, 40, -12}}) {
    const Vec3 s = t.inverseAt(y);
    const Vec3 x = y + s;
    const Vec3 back = x + t.at(x);
    CHECK(std::abs(back[0] - y[0]) < 1e-9);
    CHECK(std::abs(back[1] - y[1]) < 1e-9);
    CHECK(std::abs(back[2] - y[2]) < 1e-9);
  }
  CHECK_THROWS_AS(makeKnownDeformation({0, 0, 0}, 10, 40), Error);  // folds: not invertible
}

TEST_CASE("the synthetic pair: the moving image under the truth is the second contrast", "[bench]") {
  const std::string first = sharedData("multimodal/stroke/T1.nii.gz"), second = sharedData("multimodal/stroke/T2.nii.gz");
  FFDP_REQUIRE_DATA(first);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Image a = readImage(first).image, b = readImage(second).image;
  const KnownDeformation t = makeKnownDeformation(a.grid.centre(), 3, 70);
  const SyntheticPair pair = makeSyntheticPair(*backend, comm, a, b, t, 4e6, 0);
  CHECK(std::abs(double(pair.whole.voxels()) / 4e6 - 1) < 0.02);
  CHECK(pair.fixed.grid.sameAs(pair.whole));
  CHECK(pair.moving.grid.sameAs(pair.whole));

  const Image secondFine = backend->resampleAffine(b, pair.whole, Affine::identity(), Interpolation::Linear, 0.0f);
  const Field truth = displacementOn(t, pair.whole);
  const Image undone = backend->resampleWarp(pair.moving, Affine::identity(), truth, Interpolation::Linear, 0.0f);
  const double withTruth = relativeMeanDifference(undone, secondFine);
  const double without = relativeMeanDifference(pair.moving, secondFine);
  WARN("second contrast vs moving: " << without << " as made, " << withTruth << " moved back by the truth");
  CHECK(withTruth < 0.1 * without);

  RegistrationResult none;
  none.transform = Affine::identity();
  none.warp = Field(pair.whole, Vec3f{0, 0, 0});
  const RecoveryError identity = recoveryError(*backend, comm, pair.fixed, none, t, 4);
  CHECK(identity.voxels > 1000);
  CHECK(identity.meanMm == Approx(identity.truthMeanMm).epsilon(1e-6));
  CHECK(identity.truthMeanMm > 1.0);  // a deformation worth recovering

  RegistrationResult exact = none;
  exact.warp = truth;
  const RecoveryError perfect = recoveryError(*backend, comm, pair.fixed, exact, t, 4);
  CHECK(perfect.maxMm < 0.01);
}
