// bench_gigavoxel: the sharded engine at gigavoxel scale, with a known answer (issue 5's scale
// benchmark). Every rank builds the pair in memory (synthetic_pair.hpp: a real T1 upsampled to the
// target size as the fixed image, the real T2 of the same head under a known smooth deformation as
// the moving image), registers it with the spec (multimodal: MI), resamples the moving image through
// the result (the warped output), and measures how well the known deformation was recovered.
//
//   mpirun -np 4 bench_gigavoxel --first T1.nii.gz --second T2.nii.gz --spec params/gigavoxel-mi.json
//          ... --voxels 3.7e9 --backend cuda --label "4 H200"
//
// Prints one markdown table row (rank 0); the time is end to end without file I/O (there is none):
// registration (pyramids, every stage, the inverse field) plus the warped image, slowest rank.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <omp.h>
#include <string>

#include "backend_choice.hpp"
#include "core/error.hpp"
#include "dist/make_comm.hpp"
#include "dist/mpi_session.hpp"
#include "dist/run_or_abort.hpp"
#include "dist/timed_comm.hpp"
#include "io/image_io.hpp"
#include "ops/op_timing_backend.hpp"
#include "ops/slab_backend.hpp"
#include "recovery_error.hpp"
#include "reg/balanced_slabs.hpp"
#include "reg/memory_plan.hpp"
#include "reg/registration.hpp"
#include "reg/spec_halo.hpp"
#include "spec/spec_json.hpp"
#include "synthetic_pair.hpp"
#ifdef FFDP_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace ffdp::bench {
namespace {

struct Options {
  std::string first, second, spec, backend = "auto", label;
  double voxels = 1e8, amplitudeMm = 3, wavelengthMm = 70;
  int threads = 0, subsample = 4, fieldShrink = 0;
  bool header = false, equalSlabs = false, opTimes = false;
};

// Waits for the device's queued work, so that wall-clock times cover it (a no-op on the CPU).
void finishDeviceWork(const cli::BackendTarget& target) {
#ifdef FFDP_HAVE_CUDA
  if (target.gpu >= 0 && cudaDeviceSynchronize() != cudaSuccess)
    fail(ExitCode::Internal, "bench_gigavoxel: the GPU failed while finishing queued work");
#else
  (void)target;
#endif
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The slowest rank's value (every rank calls it).
double slowest(Comm& comm, double value) {
  comm.allreduceMax(&value, 1);
  return value;
}

int totalIterations(const RegistrationResult& r) {
  int n = 0;
  for (const StageReport& s : r.stages)
    for (const LevelReport& l : s.levels) n += l.iterations;
  return n;
}

void run(const Options& o, TimedComm& comm) {
  if (o.threads > 0) omp_set_num_threads(o.threads);
  Spec spec = loadSpecFile(o.spec);
  spec.fixed = o.first;
  spec.moving = o.second;
  spec.outputPrefix = "unused/";  // nothing is written; validate() wants one
  if (o.fieldShrink > 0)
    for (StageSpec& stage : spec.stages)
      if (isDeformable(stage.transform)) stage.fieldShrink = o.fieldShrink;
  validate(spec);
  const Image first = readImage(o.first).image, second = readImage(o.second).image;
  const KnownDeformation t = makeKnownDeformation(first.grid.centre(), o.amplitudeMm, o.wavelengthMm);

  // Setup: the GPU context and, on several GPU ranks, the NCCL communicator (timed apart: a run pays
  // it once however many pairs it registers, and NCCL connects its channels on the first exchange).
  auto start = std::chrono::steady_clock::now();
  const cli::BackendTarget target = cli::resolveBackendTarget(o.backend);
  auto compute = cli::makeBackend(target, comm);
  finishDeviceWork(target);
  const double setupSeconds = slowest(comm, secondsSince(start));
  std::unique_ptr<Backend> slabBackend = comm.size() > 1 ? makeSlabBackend(*compute, comm) : nullptr;
  Backend& untimed = slabBackend ? *slabBackend : *compute;
  std::unique_ptr<OpTimingBackend> timing =
      o.opTimes ? makeOpTimingBackend(untimed, [&comm] { return comm.seconds(); }) : nullptr;
  Backend& backend = timing ? static_cast<Backend&>(*timing) : untimed;
  const int64_t halo = comm.size() > 1 ? haloForSpec(spec) : 0;

  start = std::chrono::steady_clock::now();
  // The slab cuts from the coarse first contrast: fractions of the z extent, the same on the fine grid.
  const SlabCuts cuts = o.equalSlabs ? nullptr : slabCutsForRun(spec, first, compute->miBackgroundVoxelCost(), comm);
  const SyntheticPair pair = makeSyntheticPair(untimed, comm, first, second, t, o.voxels, halo, cuts);
  if (comm.rank() == 0 && comm.size() > 1) {
    std::fprintf(stderr, "bench_gigavoxel: %s slabs, %s\n", cuts ? "balanced" : "equal",
                 describeSlabs(SlabLayout::of(pair.fixed.grid, comm.size())).c_str());
  }
  finishDeviceWork(target);
  const double makeSeconds = slowest(comm, secondsSince(start));

  const double commBefore = comm.seconds();
  const DeviceTraffic trafficBefore = backend.deviceTraffic();
  double ready = 0;
  comm.allreduceMax(&ready, 1);  // every rank starts the clock together
  start = std::chrono::steady_clock::now();
  RegistrationInputs inputs;
  inputs.fixed = &pair.fixed;
  inputs.moving = &pair.moving;
  const RegistrationResult result = runRegistration(spec, inputs, backend, comm);
  finishDeviceWork(target);
  const double registrationSeconds = slowest(comm, secondsSince(start));
  const auto warpStart = std::chrono::steady_clock::now();
  {
    const Image warped = resampleRegisteredMoving(pair.moving, pair.fixed.grid, result, backend);
    finishDeviceWork(target);
  }
  const double warpedSeconds = slowest(comm, secondsSince(warpStart));
  const double endToEnd = slowest(comm, secondsSince(start));
  // Communication: MPI (reductions, host halos) plus the GPUs' NCCL halo exchanges.
  const DeviceTraffic traffic = backend.deviceTraffic();
  const double deviceCommSeconds = traffic.seconds - trafficBefore.seconds;
  const double bytesSent = double(traffic.bytesSent - trafficBefore.bytesSent);
  const double commShare =
      slowest(comm, (comm.seconds() - commBefore + deviceCommSeconds) / std::max(endToEnd, 1e-9));
  const double mbPerIteration = slowest(comm, bytesSent / std::max(1, totalIterations(result)) / (1024.0 * 1024.0));
  const double peakBytes = slowest(comm, double(backend.devicePeakBytes()));
  const double peakGiB = peakBytes / double(1ull << 30);
  // Per fixed voxel of the largest rank's share, and what the memory plan (--dry-run) predicted for it.
  const double bytesPerVoxel = peakBytes / (double(pair.whole.voxels()) / comm.size());
  const double plannedBytesPerVoxel =
      planMemory(spec, pair.whole, wholeGridOf(pair.moving.grid), false, comm.size(), MovingPlacement::Replicated,
                 cli::planBackendOf(target))
          .bytesPerFixedVoxel;

  // Each rank's share on stderr (the log): waiting for slower ranks shows as a larger share on the faster ones.
  std::fprintf(stderr, "bench_gigavoxel: rank %d of %d: MPI %.3f s, NCCL (device, waits included) %.3f s, of %.3f s\n",
               comm.rank(), comm.size(), comm.seconds() - commBefore, deviceCommSeconds, endToEnd);
  if (timing) {  // rank by rank, so that the tables do not interleave in the log
    const std::string table = formatOpTimes(timing->times(), endToEnd);
    for (int r = 0; r < comm.size(); ++r) {
      if (r == comm.rank()) {
        std::fprintf(stderr, "bench_gigavoxel: rank %d of %d, time per operation (registration and warped image):\n%s",
                     comm.rank(), comm.size(), table.c_str());
        std::fflush(stderr);
      }
      double turn = 0;
      comm.allreduceMax(&turn, 1);
    }
  }
  const RecoveryError e = recoveryError(untimed, comm, pair.fixed, result, t, o.subsample);
  if (comm.rank() != 0) return;
  const Grid& g = pair.whole;
  if (o.header) {
    std::printf("| run | ranks | fixed grid | voxels | setup s | make s | registration s | warped s | end to end s | "
                "iterations | largest comm. share | GPU MiB sent per iteration | peak GPU GiB per rank | peak B/voxel (plan) | "
                "error mean / RMS / max mm | truth mean mm |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  }
  std::printf("| %s | %d | %lldx%lldx%lld | %.2f G | %.1f | %.1f | %.2f | %.2f | **%.2f** | %d | %.0f %% | %.1f | %.1f | "
              "%.1f (%.1f) | %.3f / %.3f / %.2f | %.2f |\n",
              o.label.c_str(), comm.size(), (long long)g.size[0], (long long)g.size[1], (long long)g.size[2],
              double(g.voxels()) / 1e9, setupSeconds, makeSeconds, registrationSeconds, warpedSeconds, endToEnd,
              totalIterations(result), commShare * 100, mbPerIteration, peakGiB, bytesPerVoxel, plannedBytesPerVoxel,
              e.meanMm, e.rmsMm, e.maxMm, e.truthMeanMm);
  std::fflush(stdout);
}

}  // namespace
}  // namespace ffdp::bench

int main(int argc, char** argv) {
  using namespace ffdp;
  bench::Options o;
  CLI::App app{"gigavoxel registration benchmark with a known deformation (synthetic size, real anatomy)"};
  app.add_option("--first", o.first, "first contrast (becomes the fixed image)")->required()->check(CLI::ExistingFile);
  app.add_option("--second", o.second, "second contrast on the same grid (becomes the moving image)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--spec", o.spec, "registration spec (JSON)")->required()->check(CLI::ExistingFile);
  app.add_option("--voxels", o.voxels, "target voxel count of the fine grid")->check(CLI::PositiveNumber);
  app.add_option("--backend", o.backend, "cpu, cuda or auto")->check(CLI::IsMember(cli::backendChoices()));
  app.add_option("--threads", o.threads, "CPU threads per rank (0: OpenMP's default)");
  app.add_option("--amplitude", o.amplitudeMm, "known deformation's amplitude, mm");
  app.add_option("--wavelength", o.wavelengthMm, "known deformation's wavelength, mm");
  app.add_option("--subsample", o.subsample, "error measured on every n-th voxel per axis")->check(CLI::PositiveNumber);
  app.add_option("--label", o.label, "the table row's name");
  app.add_flag("--header", o.header, "print the table header first");
  app.add_option("--field-shrink", o.fieldShrink, "the deformable stage's fieldShrink (0: the spec's)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--equal-slabs", o.equalSlabs, "equal slice counts per rank, not balanced by MI work");
  app.add_flag("--op-times", o.opTimes,
               "time every backend operation (waiting for the GPU around each) and print a table per rank on stderr");
  CLI11_PARSE(app, argc, argv);
  try {
    MpiSession mpi;
    const std::unique_ptr<Comm> world = makeComm();
    TimedComm comm(*world);
    runOrAbort(comm, [&] { bench::run(o, comm); });
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_gigavoxel: %s\n", e.what());
    return int(e.code());
  }
}
