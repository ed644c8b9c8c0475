// The whole pipeline on the GPU (issue 4's acceptance): params/brain-greedy.json on the labelled pair
// 1000/1001 with the CUDA and the CPU backends gives the same mean Dice within 0.005, and the GPU run
// repeats bit for bit.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <map>

#include "cuda_backend.hpp"
#include "gpu_test_support.hpp"
#include "io/image_io.hpp"
#include "reg/registration.hpp"
#include "spec/spec_json.hpp"
#include "support/test_support.hpp"

using namespace ffdp;

namespace {

// Mean Dice over the nonzero labels of `reference` (written here, independent of lib/eval).
double meanDice(const Image& reference, const Image& test) {
  std::map<long, std::array<int64_t, 3>> counts;  // per reference label: reference, test, both
  for (float v : reference.data)
    if (std::lround(v) != 0) ++counts[std::lround(v)][0];
  for (size_t n = 0; n < test.data.size(); ++n) {
    const auto it = counts.find(std::lround(test.data[n]));
    if (it == counts.end()) continue;
    ++it->second[1];
    if (std::lround(reference.data[n]) == it->first) ++it->second[2];
  }
  double sum = 0;
  for (const auto& entry : counts) sum += 2.0 * double(entry.second[2]) / double(entry.second[0] + entry.second[1]);
  return counts.empty() ? 0 : sum / double(counts.size());
}

struct Run {
  Field warp;
  double dice = 0;
};

Run registerWith(Backend& backend, Comm& comm, const Image& fixed, const Image& moving, const Image& fixedLabels,
                 const Image& movingLabels) {
  Spec spec = loadSpecFile(std::string(FFDP_SOURCE_DIR) + "/params/brain-greedy.json");
  spec.fixed = "1000";
  spec.moving = "1001";
  spec.outputPrefix = "unused";
  validate(spec);
  RegistrationInputs in;
  in.fixed = &fixed;
  in.moving = &moving;
  const RegistrationResult r = runRegistration(spec, in, backend, comm);
  REQUIRE(r.warp);
  Image labels = backend.resampleWarp(movingLabels, r.transform, *r.warp, Interpolation::NearestNeighbor, 0);
  backend.toHost(labels);
  Field warp = *r.warp;
  backend.toHost(warp);
  return {warp, meanDice(fixedLabels, labels)};
}

}  // namespace

TEST_CASE("brain-greedy.json on the GPU: the CPU's Dice within 0.005, and bit-for-bit repeats", "[gpu][pipeline]") {
  FFDP_REQUIRE_GPU();
  const std::string dir = "brain-labels/";
  const std::string fixedPath = test::sharedData(dir + "1000_SS.nii.gz");
  FFDP_REQUIRE_DATA(fixedPath);
  const Image fixed = readImage(fixedPath).image, moving = readImage(test::sharedData(dir + "1001_SS.nii.gz")).image;
  const Image fixedLabels = readImage(test::sharedData(dir + "1000_glm.nii.gz")).image;
  const Image movingLabels = readImage(test::sharedData(dir + "1001_glm.nii.gz")).image;
  SelfComm comm;
  auto gpu = makeCudaBackend(comm, 0);
  auto cpu = makeCpuBackend(comm);
  const Run first = registerWith(*gpu, comm, fixed, moving, fixedLabels, movingLabels);
  const Run second = registerWith(*gpu, comm, fixed, moving, fixedLabels, movingLabels);
  const Run reference = registerWith(*cpu, comm, fixed, moving, fixedLabels, movingLabels);
  WARN("mean Dice: GPU " << first.dice << ", CPU " << reference.dice);
  CHECK(std::abs(first.dice - reference.dice) < 0.005);
  CHECK(first.dice > 0.62);
  REQUIRE(first.warp.data.size() == second.warp.data.size());
  CHECK(std::memcmp(first.warp.data.data(), second.warp.data.data(), first.warp.data.size() * sizeof(Vec3f)) == 0);
}
