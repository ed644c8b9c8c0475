// Shared set-up of the command-line tests: a scratch folder with a small valid image pair.
#pragma once
#include <filesystem>
#include <string>

#include "support/test_support.hpp"

namespace ffdp::test {

struct CliFixture {
  ScratchDir dir{"cli"};
  std::string fixed, moving, outDir, prefix;
  CliFixture();
  // A quick rigid MeanSquares run on the given images, writing under outDir.
  CommandResult registerPair(const std::string& fixedPath, const std::string& movingPath,
                             const std::string& extra = "") const;
  // Files under outDir (the test checks a failed run left none).
  int outputCount() const;
};

// The run failed with this exit code, printed exactly one line, and that line names `mentioned`.
void requireOneLineError(const CommandResult& r, int exitCode, const std::string& mentioned);

}  // namespace ffdp::test
