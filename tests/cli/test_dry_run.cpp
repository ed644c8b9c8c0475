// --dry-run: prints the memory plan from the image headers and writes nothing.
#include <catch2/catch.hpp>

#include "cli_fixture.hpp"

using namespace ffdp::test;

TEST_CASE("dry run prints the memory plan, its peak and whether it fits, and writes nothing", "[cli]") {
  CliFixture fx;
  const auto r = runCli("--dry-run --backend cpu -o " + fx.prefix + " -t Affine[0.1] -m CC[" + fx.fixed + "," +
                        fx.moving + ",1,2] -c 10x5 -f 2x1 -s 1x0vox -t Greedy[0.25,1,0.5] -m CC[" + fx.fixed + "," +
                        fx.moving + ",1,2] -c 10x5 -f 2x1 -s 1x0vox");
  INFO(r.output);
  REQUIRE(r.exitCode == 0);
  CHECK(r.output.find("memory plan: fixed") != std::string::npos);
  CHECK(r.output.find("stage 2 (greedy, CC) level 2/2") != std::string::npos);
  CHECK(r.output.find("bytes per fixed voxel") != std::string::npos);
  CHECK(r.output.find("fits on one rank") != std::string::npos);
  CHECK(fx.outputCount() == 0);
}

TEST_CASE("dry run with a missing image is an input error naming it", "[cli][bad-input]") {
  CliFixture fx;
  requireOneLineError(runCli("--dry-run -o " + fx.prefix + " -t Affine[0.1] -m MI[" + fx.fixed + ",/nonexistent/m.nii.gz,1,32]" +
                             " -c 10 -f 1 -s 0"),
                      3, "/nonexistent/m.nii.gz");
  CHECK(fx.outputCount() == 0);
}
