// `ffdp-register apply`: resample an image through a list of transforms, like antsApplyTransforms.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ffdp::cli {

struct ApplyOptions {
  int dimension = 3;
  std::string input, reference, output;
  std::vector<std::string> transforms;
  std::string interpolation = "Linear";
  double defaultValue = 0;
  bool overwrite = false;
};

CLI::App* addApplyCommand(CLI::App& app, ApplyOptions& options);
int runApply(const ApplyOptions& options);

}  // namespace ffdp::cli
