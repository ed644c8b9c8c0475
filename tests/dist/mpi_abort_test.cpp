// A rank that fails must take every rank down within seconds, with its own message.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#include "support/test_support.hpp"

using namespace ffdp;

#ifdef FFDP_HAVE_MPI
// The launched program is the hidden case in ranks/abort_demo.cpp.
TEST_CASE("a rank that throws stops all ranks with a non-zero status within 10 s", "[dist][mpi-abort]") {
  const std::string command = std::string("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 20 ") +
                              FFDP_MPIEXEC + " 3 " + FFDP_MPIEXEC_FLAGS + " " +
                              FFDP_DIST_RANKS_BINARY + " '[abort-demo]'";
  const auto start = std::chrono::steady_clock::now();
  const test::CommandResult r = test::runShell(command);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(command << "\n" << r.output);
  CHECK(r.exitCode != 0);
  CHECK(r.exitCode != 124);  // 124: `timeout` had to kill a hung job
  CHECK(r.exitCode == 3);    // the failing rank's exit code (ExitCode::Input) reaches the launcher
  CHECK(seconds < 10.0);
  const std::string line = "error (rank 1 of 3): cannot read slab of demo.nii.gz (failure on purpose)";
  const auto first = r.output.find(line);
  CHECK(first != std::string::npos);
  CHECK(r.output.find(line, first + 1) == std::string::npos);  // printed once, by the failing rank
  CHECK(r.output.find("got past the reduction") == std::string::npos);
}
#endif
