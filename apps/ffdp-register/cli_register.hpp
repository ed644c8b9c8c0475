// The registration command: ANTs-style flags and/or a JSON spec -> Spec -> engine -> output files.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "dist/comm.hpp"
#include "spec/ants_flags.hpp"

namespace ffdp::cli {

struct RegisterOptions {
  AntsFlags ants;
  std::string specFile;
  std::string fixed, moving;  // override the spec's / metric's images
  bool printSpec = false;
  bool dryRun = false;
  bool overwrite = false;
  std::string backend = "auto";
  std::string movingPlacement = "auto";  // --moving-placement: auto | replicate | shard (multi-rank runs)
  int threads = 0;
  int fieldShrink = 0;  // --field-shrink: the deformable stage's fieldShrink (0 = the spec's)
  bool quiet = false;
  std::string collapse;  // -z: accepted for ANTs compatibility; outputs are always collapsed
};

void addRegisterOptions(CLI::App& app, RegisterOptions& options);
// Returns the process exit code; throws ffdp::Error for user-visible failures.
// `comm` joins the ranks of a multi-rank run (SelfComm for one process); every rank calls it.
int runRegister(const RegisterOptions& options, const std::string& commandLine, Comm& comm);

}  // namespace ffdp::cli
