#include "reg/report.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "spec/spec_json.hpp"

namespace ffdp {

namespace {

using nlohmann::json;

// JSON has no NaN: a metric that was never evaluated (a skipped level) is null.
json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json vec(const Vec3& v) { return json::array({v[0], v[1], v[2]}); }

json affineJson(const Affine& a) {
  json m = json::array();
  for (int r = 0; r < 3; ++r) m.push_back(json::array({a.M.m[r][0], a.M.m[r][1], a.M.m[r][2]}));
  return {{"matrix", m}, {"translation", vec(a.t)}, {"centre", vec(a.c)}};
}

json levelJson(const LevelReport& l, const StageSpec* stage) {
  json j = {{"level", l.level},
            {"shrink", l.shrink},
            {"sigmaVoxels", l.sigmaVoxels},
            {"size", l.size},
            {"iterations", l.iterations},
            {"maxIterations", l.maxIterations},
            {"converged", l.converged},
            {"firstMetric", number(l.firstMetric)},
            {"lastMetric", number(l.lastMetric)},
            {"seconds", l.seconds}};
  // The sigma as the user gave it, beside its conversion to fixed voxels.
  if (stage && l.level >= 1 && size_t(l.level) <= stage->smoothingSigmas.size()) {
    j["sigma"] = stage->smoothingSigmas[size_t(l.level - 1)];
    j["sigmaUnit"] = toString(stage->sigmaUnit);
  }
  return j;
}

}  // namespace

nlohmann::json reportToJson(const RegistrationResult& result, const Spec& spec, const ReportContext& context) {
  json stages = json::array();
  for (size_t s = 0; s < result.stages.size(); ++s) {
    const StageReport& st = result.stages[s];
    const StageSpec* stageSpec = s < spec.stages.size() ? &spec.stages[s] : nullptr;
    json levels = json::array();
    for (const LevelReport& l : st.levels) levels.push_back(levelJson(l, stageSpec));
    json j = {{"transform", toString(st.transform)},
              {"metric", toString(st.metric)},
              {"seconds", st.seconds},
              {"levels", levels}};
    if (stageSpec) j["step"] = stageSpec->step;
    if (stageSpec && isDeformable(st.transform)) {  // sigmas in voxels of each level's grid
      j["gradientSigma"] = stageSpec->gradientSigma;
      j["warpSigma"] = stageSpec->warpSigma;
    }
    stages.push_back(j);
  }
  // GPU-to-GPU bytes per iteration: over every iteration of every level (the exchanges outside the
  // iterations, pyramid set-up and output, are spread over them too).
  int64_t iterations = 0;
  for (const StageReport& st : result.stages)
    for (const LevelReport& l : st.levels) iterations += l.iterations;
  json perRank = json::array();
  for (size_t r = 0; r < context.rankSeconds.size(); ++r) {
    const double secs = context.rankSeconds[r];
    const double comm = r < context.rankCommSeconds.size() ? context.rankCommSeconds[r] : 0.0;
    const double gpuBytes = r < context.rankGpuBytesSent.size() ? context.rankGpuBytesSent[r] : 0.0;
    perRank.push_back({{"rank", r},
                       {"seconds", secs},
                       {"commSeconds", comm},
                       {"commShare", secs > 0 ? comm / secs : 0.0},
                       {"peakMemoryMB", r < context.rankPeakMemoryMB.size() ? context.rankPeakMemoryMB[r] : 0.0},
                       {"gpu", r < context.rankGpu.size() ? int(context.rankGpu[r]) : -1},
                       {"gpuBytesSent", int64_t(gpuBytes)},
                       {"gpuExchanges", int64_t(r < context.rankGpuExchanges.size() ? context.rankGpuExchanges[r] : 0.0)},
                       {"gpuBytesSentPerIteration", iterations > 0 ? gpuBytes / double(iterations) : 0.0}});
  }
  return {{"tool", "ffdp-register"},
          {"version", context.version},
          {"libraries", context.libraries},
          {"backend", context.backend},
          {"device", context.device},
          {"threads", context.threads},
          {"ranks", context.ranks},
          {"perRank", perRank},
          {"commandLine", context.commandLine},
          {"outputs", context.outputs},
          {"fixed", spec.fixed},
          {"moving", spec.moving},
          {"initialTransformKind", toString(spec.initial.kind)},
          {"spec", specToJson(spec)},
          {"stages", stages},
          {"transform", affineJson(result.transform)},
          {"initialTransform", affineJson(result.initial)},
          {"seconds", result.seconds},
          // ANTs' P1Warp / P1InverseWarp on the fixed grid, after the affine: T(x) = A(x + u(x)).
          {"deformable", bool(result.warp)},
          {"peakMemoryMB", context.peakRssMB},
          {"devicePeakMemoryMB", context.devicePeakMB}};
}

double peakResidentMB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    double kB = 0;
    if (fields >> kB) return kB / 1024.0;
  }
  return 0;
}

}  // namespace ffdp
