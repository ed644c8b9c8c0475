#include "support/test_support.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace ffdp::test {

std::string sharedData(const std::string& relative) {
  // FFDP_SHARED_DATA in the environment points a test binary elsewhere (the GPU machine gets a few
  // images in the device bundle); otherwise the folder next to the source tree.
  const char* moved = std::getenv("FFDP_SHARED_DATA");
  const std::filesystem::path p = std::filesystem::path(moved ? moved : FFDP_SHARED_DATA) / relative;
  return std::filesystem::exists(p) ? p.string() : std::string();
}

ScratchDir::ScratchDir(const std::string& tag) {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("ffdp-test-" + tag + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult runShell(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

CommandResult runCli(const std::string& arguments) { return runShell(std::string(FFDP_BINARY) + " " + arguments); }

uint64_t chooseTestSeed() {
  if (const char* fixed = std::getenv("FFDP_TEST_SEED")) return std::strtoull(fixed, nullptr, 10);
  return (uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
}

}  // namespace ffdp::test
