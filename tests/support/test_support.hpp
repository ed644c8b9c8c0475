// Helpers shared by the tests: where the real data lives, scratch folders, running the CLI.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

namespace ffdp::test {

// Path of a file under ../shared/data, or "" when the data folder is absent (the caller skips).
std::string sharedData(const std::string& relative);

// The seed of a randomised test: FFDP_TEST_SEED when set (to repeat a failure), else a fresh one.
uint64_t chooseTestSeed();
// Skip the current test with a clear message when the data file is missing. Use as:
//   auto path = ffdp::test::sharedData("multimodal/stroke/T1.nii.gz"); FFDP_REQUIRE_DATA(path);
#define FFDP_REQUIRE_DATA(path)                                                              \
  do {                                                                                       \
    if ((path).empty()) {                                                                    \
      WARN("SKIPPED: ../shared/data is absent; this test needs real images from it");        \
      return;                                                                                \
    }                                                                                        \
  } while (0)

// A fresh empty folder under the system temp dir, removed when the object dies.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag);
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exitCode = -1;
  std::string output;  // stdout and stderr together
};
// Runs the built ffdp-register with the given arguments (a shell-quoted string).
CommandResult runCli(const std::string& arguments);
// Runs any shell command.
CommandResult runShell(const std::string& command);

}  // namespace ffdp::test
