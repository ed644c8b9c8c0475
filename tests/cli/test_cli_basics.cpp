#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_fixture.hpp"

using namespace ffdp::test;

TEST_CASE("help and version answer and exit 0", "[cli]") {
  const auto help = runCli("--help");
  CHECK(help.exitCode == 0);
  CHECK(help.output.find("--transform") != std::string::npos);
  CHECK(help.output.find("apply") != std::string::npos);
  const auto version = runCli("--version");
  CHECK(version.exitCode == 0);
  CHECK(version.output.find("ffdp-register 0.") != std::string::npos);
  CHECK(runCli("apply --help").exitCode == 0);
  CHECK(runCli("eval dice --help").exitCode == 0);
}

TEST_CASE("print-spec shows the stages the ANTs flags produce", "[cli]") {
  const auto r = runCli(
      "-d 3 -o out/P -t Rigid[0.2] -m MI[f.nii.gz,m.nii.gz,1,24] -c [30x20,1e-7,8] -f 2x1 -s 1x0mm "
      "-t Affine[0.1] -m CC[f.nii.gz,m.nii.gz,1,3] -c 10 -f 1 -s 0 --print-spec");
  INFO(r.output);
  REQUIRE(r.exitCode == 0);
  for (const char* expected : {"\"rigid\"", "\"affine\"", "\"MI\"", "\"CC\"", "f.nii.gz", "m.nii.gz", "1e-07"})
    CHECK(r.output.find(expected) != std::string::npos);
}

TEST_CASE("malformed flags are usage errors (exit 2) naming the flag", "[cli][bad-input]") {
  CliFixture fx;
  const std::string pair = fx.fixed + "," + fx.moving;
  requireOneLineError(runCli("-d 3 -o " + fx.prefix + " -t Rigid[0.1 -m MI[" + pair + ",1,32] -c 10 -f 1 -s 0"), 2,
                      "Rigid[0.1");
  requireOneLineError(runCli("-d 3 -o " + fx.prefix + " -t Rigid[0.1] -m MI[" + pair + ",1,abc] -c 10 -f 1 -s 0"), 2,
                      "abc");
  requireOneLineError(runCli("-d 2 -o " + fx.prefix + " -t Rigid[0.1] -m MI[" + pair + ",1,32] -c 10 -f 1 -s 0"), 2,
                      "-d");
  requireOneLineError(runCli("-d 3 -o " + fx.prefix + " -t Rigid[0.1] -m MI[" + pair + ",1,32] -c 10x10 -f 1 -s 0"),
                      2, "stages[0]");
  requireOneLineError(runCli("--no-such-option"), 2, "no-such-option");
  CHECK(fx.outputCount() == 0);
}

TEST_CASE("a spec file with an unknown key is a usage error naming the key", "[cli][bad-input]") {
  CliFixture fx;
  const std::string spec = fx.dir / "bad.json";
  FILE* f = std::fopen(spec.c_str(), "w");
  std::fputs("{\"stages\":[{\"transform\":\"rigid\",\"stepp\":0.1}]}", f);
  std::fclose(f);
  requireOneLineError(runCli("--spec " + spec + " --fixed " + fx.fixed + " --moving " + fx.moving + " -o " + fx.prefix),
                      2, "stepp");
  CHECK(fx.outputCount() == 0);
}

TEST_CASE("apply: malformed -t and missing files give one-line errors", "[cli][bad-input]") {
  CliFixture fx;
  const std::string out = fx.outDir + "/applied.nii.gz";
  requireOneLineError(runCli("apply -i " + fx.moving + " -r " + fx.fixed + " -o " + out + " -t [a.mat,2]"), 2,
                      "[a.mat,2]");
  requireOneLineError(runCli("apply -i " + fx.moving + " -r " + fx.fixed + " -o " + out + " -t [a.mat,1"), 2,
                      "[a.mat,1");
  requireOneLineError(runCli("apply -i " + fx.moving + " -r " + fx.fixed + " -o " + out + " -t " + fx.dir / "none.mat"),
                      3, "none.mat");
  CHECK(fx.outputCount() == 0);
}

TEST_CASE("the run report records stages, levels, times, memory and versions", "[cli]") {
  CliFixture fx;
  const auto r = fx.registerPair(fx.fixed, fx.moving);
  INFO(r.output);
  REQUIRE(r.exitCode == 0);
  std::ifstream in(fx.prefix + "report.json");
  const auto report = nlohmann::json::parse(in);
  CHECK(report.at("version").get<std::string>().rfind("0.", 0) == 0);
  CHECK(report.at("libraries").at("ITK").get<std::string>().rfind("5.", 0) == 0);
  CHECK(report.at("peakMemoryMB").get<double>() > 0);
  CHECK(report.at("seconds").get<double>() > 0);
  const auto& stage = report.at("stages").at(0);
  CHECK(stage.at("transform") == "rigid");
  REQUIRE(stage.at("levels").size() == 2);
  CHECK(stage.at("levels").at(0).at("iterations").get<int>() > 0);
  CHECK(report.at("spec").at("stages").size() == 1);
}
