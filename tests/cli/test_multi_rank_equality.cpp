// Multi-rank registration gives the single-process answer: the same pair registered by one plain
// process and by mpirun on 1-4 ranks (z-slabs of the fixed image, halo exchange, reductions across
// ranks; the moving image replicated, or sharded with windows fetched from its owners) writes the
// same transform, fields and images: bit for bit with the moving image replicated (the CPU's sums
// run in whole-slice order and its grid maps go through the whole grids), within 1e-5 relative with
// the moving image sharded (its windows' origins are composed, so samples round differently). The
// pair is a real brain pair at half resolution; the coarsest level leaves 1-2 slices per rank, so
// halos reach past the neighbours and slab boundaries fall inside every stencil.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "cli_fixture.hpp"
#include "core/affine.hpp"
#include "dist/comm.hpp"
#include "io/field_io.hpp"
#include "io/image_io.hpp"
#include "io/transform_io.hpp"
#include "ops/backend.hpp"

using namespace ffdp;
using namespace ffdp::test;

#ifdef FFDP_MPIEXEC
namespace {

// A brain at half resolution (smoothed, then resampled), written where the test can use it.
void writeHalfResolution(const std::string& from, const std::string& to) {
  SelfComm single;
  auto cpu = makeCpuBackend(single);
  const Image whole = readImage(from).image;
  writeImage(to, cpu->smoothAndResample(whole, {1, 1, 1}, whole.grid.shrunk({2, 2, 2})));
}

// `environment` ("NAME=value ...") is set in every rank's process.
std::string mpirun(int ranks, const std::string& environment = "") {
  return std::string("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 300 ") + FFDP_MPIEXEC + " " +
         std::to_string(ranks) + " " + FFDP_MPIEXEC_FLAGS + " " + (environment.empty() ? "" : "env " + environment + " ") +
         FFDP_BINARY + " ";
}

double relativeDifference(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(a[i]) * a[i];
  }
  return std::sqrt(num / std::max(den, 1e-300));
}

std::vector<float> flat(const Field& u) {
  std::vector<float> v;
  v.reserve(u.data.size() * 3);
  for (const auto& x : u.data) v.insert(v.end(), x.begin(), x.end());
  return v;
}

struct Outputs {
  Affine affine;
  Field warp, inverseWarp;
  Image warped, inverseWarped;
};

Outputs readOutputs(const std::string& prefix) {
  return {readAffine(prefix + "0GenericAffine.mat"), readDisplacementField(prefix + "1Warp.nii.gz"),
          readDisplacementField(prefix + "1InverseWarp.nii.gz"), readImage(prefix + "Warped.nii.gz").image,
          readImage(prefix + "InverseWarped.nii.gz").image};
}

// Every output of `other` equals `single`'s within `bound` (relative L2; the affine by its 12 numbers).
void requireSameOutputs(const Outputs& single, const Outputs& other, double bound) {
  std::vector<float> a, b;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      a.push_back(float(single.affine.M.m[r][c])), b.push_back(float(other.affine.M.m[r][c]));
    }
  for (int d = 0; d < 3; ++d) a.push_back(float(single.affine.offset()[d])), b.push_back(float(other.affine.offset()[d]));
  const double affine = relativeDifference(a, b);
  const double warp = relativeDifference(flat(single.warp), flat(other.warp));
  const double inverse = relativeDifference(flat(single.inverseWarp), flat(other.inverseWarp));
  const double warped = relativeDifference(single.warped.data, other.warped.data);
  const double inverseWarped = relativeDifference(single.inverseWarped.data, other.inverseWarped.data);
  WARN("relative difference to one process: affine " << affine << ", warp " << warp << ", inverse warp " << inverse
                                                     << ", warped " << warped << ", inverse warped " << inverseWarped);
  CHECK(other.warp.grid.sameAs(single.warp.grid));
  CHECK(affine <= bound);
  CHECK(warp <= bound);
  CHECK(inverse <= bound);
  CHECK(warped <= bound);
  CHECK(inverseWarped <= bound);
}

// The stages: a linear stage and a greedy stage, both with `metric` ("CC[...,2]" or "MI[...,32]"), on
// levels down to 1/16 of the half-resolution brain (6 slices: 1-2 per rank on 4 ranks, less than the halo).
std::string registrationArguments(const std::string& f, const std::string& m, const std::string& metric,
                                  const std::string& linear, const std::string& deformable = "Greedy[0.25,1,0.5]") {
  const std::string images = "[" + f + "," + m + ",1," + metric + "]";
  return "-d 3 -r [" + f + "," + m + ",1] -t " + linear + "[0.1] -m " + (metric == "2" ? "CC" : "MI") + images +
         " -c [15x10x5,1e-6,10] -f 8x4x2 -s 3x2x1vox -t " + deformable + " -m " + (metric == "2" ? "CC" : "MI") +
         images + " -c [6x6x5x4,1e-6,10] -f 16x4x2x1 -s 2x1x0.5x0vox --threads 1 -q";
}

// How the moving image is held on several ranks, and what the run's report must then say.
struct MovingSharding {
  bool shard = false;           // --moving-placement shard (else the default, which replicates here)
  std::string environment;      // e.g. fewer spare window slices, so that windows are fetched again
};

// `refetches` (when given) receives the re-fetched windows the reports counted over all the runs;
// `extraFlags` go to every run.
void checkRankCounts(const std::vector<int>& rankCounts, const std::string& metric, const std::string& linear,
                     bool compressedInput, const std::string& deformable = "Greedy[0.25,1,0.5]",
                     const MovingSharding& sharding = {}, int64_t* refetches = nullptr,
                     const std::string& extraFlags = "") {
  const std::string f1 = sharedData("brain-labels/1000_SS.nii.gz"), m1 = sharedData("brain-labels/1001_SS.nii.gz");
  FFDP_REQUIRE_DATA(f1);
  ScratchDir dir("multi-rank");
  // Uncompressed input is read by offset, compressed input is decompressed up to each slab.
  const std::string ext = compressedInput ? ".nii.gz" : ".nii";
  const std::string f = dir / ("fixed" + ext), m = dir / ("moving" + ext);
  writeHalfResolution(f1, f);
  writeHalfResolution(m1, m);
  const std::string args = registrationArguments(f, m, metric, linear, deformable) + extraFlags;
  const CommandResult plain = runCli(args + " -o " + (dir / "single_P"));
  INFO(plain.output);
  REQUIRE(plain.exitCode == 0);
  const Outputs single = readOutputs(dir / "single_P");
  for (const int ranks : rankCounts) {
    const std::string prefix = dir / ("ranks" + std::to_string(ranks) + "_P");
    const auto start = std::chrono::steady_clock::now();
    const std::string placement = sharding.shard ? " --moving-placement shard" : "";
    const CommandResult r = runShell(mpirun(ranks, sharding.environment) + args + placement + " -o " + prefix);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(ranks << " ranks: " << r.output);
    REQUIRE(r.exitCode == 0);
    WARN(metric << " on " << ranks << " rank(s): " << seconds << " s");
    requireSameOutputs(single, readOutputs(prefix), sharding.shard ? 1e-5 : 0.0);
    // The report speaks for every rank: its time, its communication share, its memory, its device.
    std::ifstream in(prefix + "report.json");
    const auto report = nlohmann::json::parse(in);
    CHECK(report.at("ranks").get<int>() == ranks);
    REQUIRE(report.at("perRank").size() == size_t(ranks));
    for (const auto& r : report.at("perRank")) {
      CHECK(r.at("seconds").get<double>() > 0);
      CHECK(r.at("commShare").get<double>() >= 0);
      CHECK(r.at("commShare").get<double>() <= 1);
      CHECK(r.at("peakMemoryMB").get<double>() > 0);
      CHECK(r.at("gpu").get<int>() == -1);
    }
    // Where the moving image lived; a sharded one was sampled through windows fetched from its owners.
    const bool sharded = sharding.shard && ranks > 1;
    CHECK(report.at("movingPlacement").get<std::string>() == (sharded ? "sharded" : "replicated"));
    if (sharded) {
      const auto& windows = report.at("movingWindows");
      WARN(ranks << " ranks, moving sharded: " << windows.dump());
      CHECK(windows.at("fetchRounds").get<int64_t>() > 0);
      CHECK(windows.at("receivedMB").get<double>() > 0);
      if (refetches) *refetches += windows.at("refetches").get<int64_t>();
    }
  }
}

}  // namespace

TEST_CASE("LNCC: mpirun on 1-4 and 8 ranks writes what one process writes", "[cli][mpi]") {
  checkRankCounts({1, 2, 3, 4, 8}, "2", "Affine", false);  // 8: issue 6's rank count; some own no slice
}

TEST_CASE("MI from compressed input: mpirun on 1-4 ranks writes what one process writes", "[cli][mpi]") {
  checkRankCounts({1, 2, 3, 4}, "32", "Rigid", true);
}

// SyN composes and inverts whole fields every iteration: halos widened to the displacements' reach.
TEST_CASE("SyN: mpirun on 3 ranks writes what one process writes", "[cli][mpi]") {
  checkRankCounts({3}, "2", "Affine", false, "SyN[0.25,3,0]");
}

// The moving image in z-slabs (--moving-placement shard): every rank samples it through windows of
// the slices its fixed slab maps to, fetched from the ranks that own them. With one spare slice per
// side (the default is 8) the windows have to follow the transform as it changes: the report must
// count re-fetches (over the runs of a test case), and the answer must still be one process's.
TEST_CASE("LNCC with the moving image sharded: mpirun on 2-4 ranks writes what one process writes", "[cli][mpi]") {
  int64_t refetches = 0;
  checkRankCounts({2, 3, 4}, "2", "Affine", false, "Greedy[0.25,1,0.5]",
                  MovingSharding{true, "FFDP_MOVING_WINDOW_SPARE_SLICES=0"}, &refetches);
  CHECK(refetches > 0);
}

TEST_CASE("MI with the moving image sharded: mpirun on 2-4 ranks writes what one process writes", "[cli][mpi]") {
  // MI bins intensities by the whole moving image's range, reduced over the shards, never a window's.
  int64_t refetches = 0;
  checkRankCounts({2, 3, 4}, "32", "Rigid", true, "Greedy[0.25,1,0.5]",
                  MovingSharding{true, "FFDP_MOVING_WINDOW_SPARE_SLICES=0"}, &refetches);
  CHECK(refetches > 0);
}

TEST_CASE("a rank killed during a registration stops every rank with a non-zero status", "[cli][mpi]") {
  const std::string f = sharedData("brain-labels/1000_SS.nii.gz"), m = sharedData("brain-labels/1001_SS.nii.gz");
  FFDP_REQUIRE_DATA(f);
  ScratchDir dir("multi-rank-kill");
  // Rank 1 execs the registration and is killed with SIGKILL after a second, in the middle of it.
  const std::string reg = std::string(FFDP_BINARY) + " " + registrationArguments(f, m, "2", "Affine") + " -o " +
                          (dir / "P");
  const std::string command = std::string("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 ") +
                              FFDP_MPIEXEC + " 3 " + FFDP_MPIEXEC_FLAGS +
                              " sh -c 'if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then (sleep 1; kill -9 $$) & fi; exec " +
                              reg + "'";
  const auto start = std::chrono::steady_clock::now();
  const CommandResult r = runShell(command);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(command << "\n" << r.output);
  CHECK(r.exitCode != 0);
  CHECK(r.exitCode != 124);  // `timeout` did not have to stop a hung job
  CHECK(seconds < 30);
  CHECK(!std::filesystem::exists(dir / "PWarped.nii.gz"));  // no output from a failed run
}

// fieldShrink 2: the field on the fixed grid shrunk by 2, laid out in slabs with the same cuts; each rank
// interpolates it at its fixed voxels and restricts the gradient of its own coarse slices from the image
// gradient of its slab and the halo its neighbours filled, in the whole run's order.
TEST_CASE("fieldShrink 2: mpirun on 1-4 ranks writes what one process writes", "[cli][mpi][coarse]") {
  checkRankCounts({1, 2, 3, 4}, "2", "Affine", false, "Greedy[0.25,1,0.5]", {}, nullptr, " --field-shrink 2");
}

TEST_CASE("fieldShrink 2 with MI and the moving image sharded: mpirun on 3 ranks writes what one process writes",
          "[cli][mpi][coarse]") {
  checkRankCounts({3}, "32", "Rigid", true, "Greedy[0.25,1,0.5]", MovingSharding{true, ""}, nullptr, " --field-shrink 2");
}
#endif
