#include "cli_register.hpp"

#include <omp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "core/error.hpp"
#include "dist/slab_volume.hpp"
#include "io/field_io.hpp"
#include "io/image_io.hpp"
#include "io/output_files.hpp"
#include "io/slab_write.hpp"
#include "io/transform_io.hpp"
#include "logging.hpp"
#include "backend_choice.hpp"
#include "dry_run.hpp"
#include "inverse_warped_slabs.hpp"
#include "ops/backend.hpp"
#include "ops/slab_backend.hpp"
#include "rank_inputs.hpp"
#include "reg/spec_halo.hpp"
#include "rank_times.hpp"
#include "reg/registration.hpp"
#include "reg/report.hpp"
#include "spec/spec_json.hpp"
#include "transform_list.hpp"
#include "version.hpp"
#ifdef FFDP_HAVE_CUDA
#include "device_info.cuh"
#endif

namespace ffdp::cli {

void addRegisterOptions(CLI::App& app, RegisterOptions& o) {
  // ANTs values contain brackets and commas ("MI[f,m,1,32]"): CLI11 must pass them through unsplit.
  app.option_defaults()->always_capture_default(false);
  auto many = [&](const char* names, std::vector<std::string>& into, const char* help) {
    app.add_option(names, into, help)
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->group("Registration (ANTs grammar)");
  };
  const char* group = "Registration (ANTs grammar)";
  app.add_option("-d,--dimensionality", o.ants.dimension, "Image dimension (only 3)")->group(group);
  app.add_option("-o,--output", o.ants.output, "Output prefix P, or [P,warped.nii.gz,inverseWarped.nii.gz]")->allow_extra_args(false)->group(group);
  app.add_option("-r,--initial-moving-transform", o.ants.initialMovingTransform,
                 "[fixed,moving,0|1|2] (geometric centre, centre of mass, origin), file.mat or [file.mat,1]")
      ->group(group);
  many("-t,--transform", o.ants.transforms, "Rigid[step] | Affine[step] | Greedy[step,gradSigma,warpSigma] | SyN[step,updateVariance,totalVariance]; each starts a stage (a deformable one last)");
  many("-m,--metric", o.ants.metrics,
       "MeanSquares[f,m,w] | CC[f,m,w,radius] | MI[f,m,w,bins], optionally ,None|Regular|Random,fraction");
  many("-c,--convergence", o.ants.convergences, "[NxNxN,threshold,window] iterations per level");
  many("-f,--shrink-factors", o.ants.shrinkFactors, "NxNxN shrink factor per level");
  many("-s,--smoothing-sigmas", o.ants.smoothingSigmas, "NxNxN[vox|mm] Gaussian sigma per level");
  app.add_option("-x,--masks", o.ants.masks, "[fixedMask,movingMask] (NULL for none)")->allow_extra_args(false)->group(group);
  app.add_flag("--float", o.ants.useFloat, "Single-precision images (always the case; accepted for ANTs)")->group(group);
  app.add_option("-z,--collapse-output-transforms", o.collapse, "Accepted for ANTs; outputs are always collapsed")
      ->group(group);
  app.add_flag("-v,--verbose", o.ants.verbose, "More progress output (repeat for more)");
  app.add_flag("-q,--quiet", o.quiet, "Only warnings and errors");

  const char* specGroup = "Spec and run";
  app.add_option("--spec", o.specFile, "Pipeline spec (JSON), e.g. a preset from params/")->group(specGroup);
  app.add_option("--fixed", o.fixed, "Fixed image (overrides the spec and the metric)")->group(specGroup);
  app.add_option("--moving", o.moving, "Moving image (overrides the spec and the metric)")->group(specGroup);
  app.add_flag("--print-spec", o.printSpec, "Print the spec the flags produce (JSON) and exit")->group(specGroup);
  app.add_flag("--dry-run", o.dryRun, "Read the image headers, print the memory plan and exit (writes nothing)")
      ->group(specGroup);
  app.add_flag("--overwrite", o.overwrite, "Replace output files that already exist")->group(specGroup);
  app.add_option("--backend", o.backend, "Compute backend: auto (GPU when present), cpu or cuda")
      ->check(CLI::IsMember(backendChoices()))
      ->group(specGroup);
  app.add_option("--moving-placement", o.movingPlacement,
                 "Multi-rank runs: the moving image whole on every rank (replicate), split into z-slabs with each "
                 "rank fetching the slices it samples (shard), or replicate unless the memory plan says it does "
                 "not fit (auto)")
      ->check(CLI::IsMember(movingPlacementChoices()))
      ->group(specGroup);
  app.add_option("--threads", o.threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber)->group(specGroup);
  app.add_option("--field-shrink", o.fieldShrink,
                 "Keep the greedy stage's displacement field on the fixed grid shrunk by this factor (large images: "
                 "2 needs 8x less field memory); the output warps lie on that grid")
      ->check(CLI::PositiveNumber)
      ->group(specGroup);
}

namespace {

struct OutputNames {
  std::string affine, warped, inverseWarped, report;
  std::string warp, inverseWarp;  // deformable stage only (ANTs' names), else empty

  std::vector<std::string> all() const {
    std::vector<std::string> paths{affine};
    if (!warp.empty()) paths.insert(paths.end(), {warp, inverseWarp});
    paths.insert(paths.end(), {warped, inverseWarped, report});
    return paths;
  }
};

OutputNames resolveOutputs(const Spec& spec) {
  const std::string& p = spec.outputPrefix;
  OutputNames names{p + "0GenericAffine.mat", spec.warped.empty() ? p + "Warped.nii.gz" : spec.warped,
                    spec.inverseWarped.empty() ? p + "InverseWarped.nii.gz" : spec.inverseWarped,
                    p + "report.json", "", ""};
  const bool deformable = std::any_of(spec.stages.begin(), spec.stages.end(),
                                      [](const StageSpec& s) { return isDeformable(s.transform); });
  if (deformable) {
    names.warp = p + "1Warp.nii.gz";
    names.inverseWarp = p + "1InverseWarp.nii.gz";
  }
  return names;
}

// The warped image on the host.
Image warpedMoving(Backend& backend, const Image& moving, const Grid& fixedGrid, const RegistrationResult& r) {
  Image warped = resampleRegisteredMoving(moving, fixedGrid, r, backend);
  backend.toHost(warped);
  return warped;
}

// fixed(T^-1(y)) on the moving grid: T^-1(y) = z + v(z) with z = A^-1(y), exactly the chain
// antsApplyTransforms builds from -t [P0GenericAffine.mat,1] -t P1InverseWarp.nii.gz (one interpolation).
Image warpedFixed(Backend& backend, const Image& fixed, const Grid& movingGrid, const RegistrationResult& r) {
  TransformChain chain{ChainStep{nullptr, r.transform.inverse()}};
  if (r.inverseWarp) chain.push_back(ChainStep{std::make_shared<const Field>(*r.inverseWarp), Affine::identity()});
  return resampleThroughChain(backend, fixed, movingGrid, chain, Interpolation::Linear, 0.0f);
}

std::map<std::string, std::string> libraryVersions() {
  std::map<std::string, std::string> v{
      {"ITK", itkVersion()},
      {"spdlog", std::to_string(SPDLOG_VER_MAJOR) + "." + std::to_string(SPDLOG_VER_MINOR) + "." +
                     std::to_string(SPDLOG_VER_PATCH)},
      {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_PATCH)},
      {"OpenMP", std::to_string(_OPENMP)}};
#ifdef FFDP_HAVE_CUDA
  v["CUDA runtime"] = cuda::runtimeVersion();
#endif
  return v;
}

Spec buildSpec(const RegisterOptions& o) {
  Spec spec;
  if (!o.specFile.empty()) spec = loadSpecFile(o.specFile);
  const bool anyAntsFlag = !o.ants.transforms.empty() || !o.ants.metrics.empty() || !o.ants.convergences.empty() ||
                           !o.ants.shrinkFactors.empty() || !o.ants.smoothingSigmas.empty() ||
                           !o.ants.output.empty() || !o.ants.initialMovingTransform.empty() ||
                           !o.ants.masks.empty() || o.ants.dimension != 3;
  if (anyAntsFlag || o.specFile.empty()) applyAntsFlags(o.ants, spec);
  if (!o.fixed.empty()) spec.fixed = o.fixed;
  if (!o.moving.empty()) spec.moving = o.moving;
  if (o.overwrite) spec.overwrite = true;
  if (o.threads > 0) spec.threads = o.threads;
  if (o.fieldShrink > 0)
    for (StageSpec& stage : spec.stages)
      if (isDeformable(stage.transform)) stage.fieldShrink = o.fieldShrink;
  spec.verbose = std::max(spec.verbose, o.ants.verbose);
  return spec;
}

// Where this rank's slab of a fixed-grid image lies: the global slices its buffer holds, and its own.
struct SlabSlices {
  SliceRange held, own;
};
SlabSlices slabSlices(const Grid& g) {
  const int64_t first = g.slab.firstSlice;
  return {{first, first + g.size[2]}, {first + g.ownedBegin(), first + g.ownedEnd()}};
}

// The outputs of a run on several ranks, each image and field written by slab without gathering it:
// the fixed-grid ones (warped image, fields) by the fixed slabs, the inverse-warped image by slabs of the
// moving grid (inverse_warped_slabs.hpp). Rank 0 writes the small files. Every rank calls this together.
void writeRankOutputs(const OutputNames& out, const RankInputs& in, const RegistrationResult& result,
                      Backend& backend, Comm& comm, std::vector<std::string>& written) {
  const bool root = comm.rank() == 0;
  if (root) writeAffine(out.affine, result.transform);
  if (root) written.push_back(out.affine);
  if (result.warp && result.inverseWarp) {
    // On the fixed grid, or on the coarser one a fieldShrink keeps the field on.
    const SlabSlices s = slabSlices(result.warp->grid);
    const Grid fieldWhole = wholeGridOf(result.warp->grid);
    writeFieldSlabs(comm, out.warp, fieldWhole, *result.warp, s.held, s.own);
    if (root) written.push_back(out.warp);
    writeFieldSlabs(comm, out.inverseWarp, fieldWhole, *result.inverseWarp, s.held, s.own);
    if (root) written.push_back(out.inverseWarp);
  }
  // A sharded moving image is sampled through windows fetched from the ranks that own its slices.
  const Image warped = warpedMoving(backend, in.moving, in.fixed.grid, result);
  const SlabSlices s = slabSlices(warped.grid);
  writeImageSlabs(comm, out.warped, in.fixedWhole, warped, s.held, s.own);
  if (root) written.push_back(out.warped);
  const Image inverseWarped = inverseWarpedSlab(in.fixed, in.movingWhole, result, comm);
  writeImageSlabs(comm, out.inverseWarped, in.movingWhole, inverseWarped, slabSlices(inverseWarped.grid).own);
  if (root) written.push_back(out.inverseWarped);
}

// --moving-placement for this run: auto asks the memory plan (from the image headers) whether the
// replicated moving image fits this rank's memory; every rank must agree, so one that does not fit
// makes them all shard.
MovingPlacement chooseMovingPlacement(const RegisterOptions& o, const Spec& spec, Comm& comm) {
  if (comm.size() == 1) return MovingPlacement::Replicated;
  if (o.movingPlacement != "auto")
    return resolveMovingPlacement(o.movingPlacement, spec, {}, {}, false, comm.size(), 0, PlanBackend::Cpu);
  const Grid fixed = readImageGrid(spec.fixed), moving = readImageGrid(spec.moving);
  const bool masks = !spec.fixedMask.empty() || !spec.movingMask.empty();
  const BackendTarget target = resolveBackendTarget(o.backend);
  const double usable = usableMemory(target.memoryBytes);
  double shard = resolveMovingPlacement("auto", spec, fixed, moving, masks, comm.size(), usable,
                                        planBackendOf(target)) ==
                         MovingPlacement::Sharded
                     ? 1.0
                     : 0.0;
  comm.allreduceMax(&shard, 1);
  return shard > 0 ? MovingPlacement::Sharded : MovingPlacement::Replicated;
}

// The moving windows of a multi-rank run for the report: fetch rounds (the same on every rank),
// re-fetches and megabytes received summed over the ranks. Every rank calls it together.
nlohmann::json movingWindowReport(const Backend& backend, Comm& comm) {
  const MovingWindowStats* stats = movingWindowStatsOf(backend);
  double totals[3] = {0, 0, 0};
  if (stats) {
    totals[0] = double(stats->windowsFetched);
    totals[1] = double(stats->refetches);
    totals[2] = stats->bytesReceived;
  }
  comm.allreduceSum(totals, 3);
  return {{"fetchRounds", stats ? stats->fetchRounds : 0},
          {"windowsFetched", int64_t(totals[0])},
          {"refetches", int64_t(totals[1])},
          {"receivedMB", totals[2] / (1024.0 * 1024.0)}};
}

}  // namespace

int runRegister(const RegisterOptions& o, const std::string& commandLine, Comm& comm) {
  Spec spec = buildSpec(o);
  if (o.printSpec) {
    if (comm.rank() == 0) std::cout << specToJson(spec).dump(2) << "\n";
    return 0;
  }
  validate(spec);
  if (o.dryRun) return comm.rank() == 0 ? runDryRun(spec, o.backend, comm.size(), o.movingPlacement) : 0;
  setUpLogging(o.quiet || comm.rank() > 0 ? -1 : spec.verbose);  // one rank speaks for all
  if (spec.threads > 0) omp_set_num_threads(spec.threads);

  // Inputs first (a wrong path is the commonest mistake), then the outputs, before any computation.
  const int64_t halo = comm.size() > 1 ? haloForSpec(spec) : 0;
  RankInputs rankInputs = readRankInputs(spec, comm, halo, chooseMovingPlacement(o, spec, comm));
  RegistrationInputs inputs;
  inputs.fixed = &rankInputs.fixed;
  inputs.moving = &rankInputs.moving;
  inputs.fixedMask = rankInputs.fixedMask ? &*rankInputs.fixedMask : nullptr;
  inputs.movingMask = rankInputs.movingMask ? &*rankInputs.movingMask : nullptr;
  if (spec.initial.kind == InitKind::File) {
    const Affine fromFile = readAffine(spec.initial.file);
    if (!fromFile.invertible())
      fail(ExitCode::Input, spec.initial.file + ": initial transform is not invertible");
    inputs.initialFromFile = spec.initial.invert ? fromFile.inverse() : fromFile;
  }

  const OutputNames out = resolveOutputs(spec);
  OutputPlan plan(spec.overwrite);
  for (const auto& path : out.all()) plan.add(path);
  if (comm.rank() == 0) plan.checkWritable();  // a failure here stops every rank (runOrAbort)

  const BackendTarget target = resolveBackendTarget(o.backend);  // one GPU per rank: the local rank picks it
  auto computeBackend = makeBackend(target, comm);
  balanceRankInputs(spec, computeBackend->miBackgroundVoxelCost(), comm, rankInputs);
  // Several ranks: the slab decorator keeps halos current around the compute backend's operations.
  std::unique_ptr<Backend> slabBackend = comm.size() > 1 ? makeSlabBackend(*computeBackend, comm) : nullptr;
  Backend& backend = slabBackend ? *slabBackend : *computeBackend;
  const Grid& fg = rankInputs.fixedWhole;
  const Grid& mg = rankInputs.movingWhole;
  spdlog::info("fixed {} ({}x{}x{}), moving {} ({}x{}x{}, {}), backend {}, {} threads, {} rank(s)", spec.fixed,
               fg.size[0], fg.size[1], fg.size[2], spec.moving, mg.size[0], mg.size[1], mg.size[2],
               toString(rankInputs.movingPlacement), backend.name(), omp_get_max_threads(), comm.size());
  RegistrationResult result = runRegistration(spec, inputs, backend, comm);
  const DeviceTraffic traffic = backend.deviceTraffic();
  // The fields are written from the host (a GPU backend left them in device memory).
  if (result.warp) backend.toHost(*result.warp);
  if (result.inverseWarp) backend.toHost(*result.inverseWarp);
  const double registrationCommSeconds = commSeconds(comm);

  // Outputs: each file is written atomically; if any fails, the ones already in place are removed
  // so that the user never holds a partial set.
  std::vector<std::string> written;
  try {
    if (comm.size() > 1) {
      writeRankOutputs(out, rankInputs, result, backend, comm, written);
    } else {
      writeAffine(out.affine, result.transform);
      written.push_back(out.affine);
      if (result.warp && result.inverseWarp) {
        writeDisplacementField(out.warp, *result.warp);
        written.push_back(out.warp);
        writeDisplacementField(out.inverseWarp, *result.inverseWarp);
        written.push_back(out.inverseWarp);
      }
      writeImage(out.warped, warpedMoving(backend, rankInputs.moving, fg, result));
      written.push_back(out.warped);
      writeImage(out.inverseWarped, warpedFixed(backend, rankInputs.fixed, mg, result));
      written.push_back(out.inverseWarped);
    }
    const nlohmann::json windows = comm.size() > 1 ? movingWindowReport(backend, comm) : nlohmann::json();
    const RankTimes times = gatherRankTimes(comm, result.seconds, registrationCommSeconds, target.gpu, traffic);
    if (comm.rank() == 0) {
      ReportContext context{FFDP_VERSION,
                            backend.name(),
                            target.name,
                            omp_get_max_threads(),
                            comm.size(),
                            peakResidentMB(),
                            double(backend.devicePeakBytes()) / (1024.0 * 1024.0),
                            out.all(),
                            commandLine,
                            libraryVersions()};
      context.rankSeconds = times.seconds;
      context.rankCommSeconds = times.commSeconds;
      context.rankPeakMemoryMB = times.peakMemoryMB;
      context.rankGpu = times.gpu;
      context.rankGpuBytesSent = times.gpuBytesSent;
      context.rankGpuExchanges = times.gpuExchanges;
      nlohmann::json report = reportToJson(result, spec, context);
      // Where the moving image lived (reg/report.* knows nothing of ranks' placement; added here).
      report["movingPlacement"] = toString(rankInputs.movingPlacement);
      if (!windows.is_null()) report["movingWindows"] = windows;
      writeTextAtomic(out.report, report.dump(2) + "\n");
    }
  } catch (...) {
    removeQuietly(written);
    throw;
  }
  std::string list;
  for (const std::string& path : out.all()) list += (list.empty() ? "" : ", ") + path;
  spdlog::info("done in {:.1f} s: {}", result.seconds, list);
  return 0;
}

}  // namespace ffdp::cli
