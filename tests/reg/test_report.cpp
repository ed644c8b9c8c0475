// The run report: the keys a pipeline reads, with values that match the run.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "reg/progress_log.hpp"
#include "reg/report.hpp"

using namespace ffdp;

TEST_CASE("report: JSON carries the run's stages, levels and transforms as plain data", "[report]") {
  Spec spec;
  spec.fixed = "f.nii.gz";
  spec.moving = "m.nii.gz";
  StageSpec st;
  st.transform = TransformKind::Rigid;
  st.metric.kind = MetricKind::MI;
  st.iterations = {0, 20};
  st.shrinkFactors = {2, 1};
  st.smoothingSigmas = {1.5, 0};
  st.sigmaUnit = SigmaUnit::Millimetres;
  spec.stages = {st};

  RegistrationResult r;
  r.initial = Affine::identity({1, 2, 3});
  r.transform = r.initial;
  r.transform.M.m[0][1] = 0.25;
  r.transform.t = {4, 5, 6};
  StageReport sr;
  sr.transform = TransformKind::Rigid;
  sr.metric = MetricKind::MI;
  LevelReport skipped;
  skipped.level = 1;
  skipped.firstMetric = skipped.lastMetric = std::numeric_limits<double>::quiet_NaN();
  LevelReport done;
  done.level = 2;
  done.size = {10, 20, 30};
  done.iterations = 17;
  done.maxIterations = 20;
  done.converged = true;
  done.firstMetric = -0.2;
  done.lastMetric = -0.5;
  sr.levels = {skipped, done};
  sr.seconds = 1.5;
  r.stages = {sr};
  r.seconds = 2.0;

  ReportContext ctx{"0.1.0", "cpu", "cpu", 2, 1, 123.0, 0.0, {"out0GenericAffine.mat"}, "ffdp-register -f a -m b"};
  const nlohmann::json j = reportToJson(r, spec, ctx);
  CHECK(j["tool"] == "ffdp-register");
  CHECK(j["version"] == "0.1.0");
  CHECK(j["backend"] == "cpu");
  CHECK(j["device"] == "cpu");
  CHECK(j["threads"] == 2);
  CHECK(j["ranks"] == 1);
  CHECK(j["commandLine"] == "ffdp-register -f a -m b");
  CHECK(j["outputs"][0] == "out0GenericAffine.mat");
  CHECK(j["peakMemoryMB"] == 123.0);
  CHECK(j["seconds"] == 2.0);
  CHECK(j["stages"][0]["transform"] == "rigid");
  CHECK(j["stages"][0]["metric"] == "MI");
  CHECK(j["stages"][0]["levels"][0]["firstMetric"].is_null());  // never evaluated: null, not NaN
  CHECK(j["stages"][0]["levels"][1]["iterations"] == 17);
  CHECK(j["stages"][0]["levels"][1]["converged"] == true);
  CHECK(j["stages"][0]["levels"][1]["lastMetric"] == -0.5);
  CHECK(j["stages"][0]["levels"][1]["size"][2] == 30);
  CHECK(j["stages"][0]["levels"][0]["sigma"] == 1.5);
  CHECK(j["stages"][0]["levels"][0]["sigmaUnit"] == "mm");
  CHECK(j["transform"]["matrix"][0][1] == 0.25);
  CHECK(j["transform"]["translation"][2] == 6.0);
  CHECK(j["transform"]["centre"][0] == 1.0);
  CHECK(j["initialTransform"]["matrix"][0][1] == 0.0);
  // Survives a text round trip (no NaN or Inf tokens that strict parsers reject).
  CHECK(nlohmann::json::parse(j.dump()) == j);
}

TEST_CASE("report: peak resident memory is read from /proc", "[report]") {
  const double mb = peakResidentMB();
  CHECK(mb > 1.0);
  CHECK(mb < 1e6);
}

TEST_CASE("report: progress lines name the stage, level, shrink, sigma and size", "[report]") {
  LevelLabel label;
  label.stage = 1;
  label.stageCount = 2;
  label.level = 2;
  label.levelCount = 3;
  label.transform = TransformKind::Rigid;
  label.metric = MetricKind::MI;
  label.sigma = 1;
  CHECK(levelTitle(label, {2, 2, 2}, {62, 80, 70}) == "stage 1/2 (rigid, MI) level 2/3 [shrink 2, sigma 1 vox, 62x80x70]");
  label.sigma = 1.5;
  label.sigmaUnit = SigmaUnit::Millimetres;
  CHECK(levelTitle(label, {4, 4, 3}, {50, 45, 1}) == "stage 1/2 (rigid, MI) level 2/3 [shrink 4x4x3, sigma 1.5 mm, 50x45x1]");
}
