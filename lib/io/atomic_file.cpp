#include "io/atomic_file.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <system_error>

#include "core/error.hpp"

namespace fs = std::filesystem;

namespace ffdp {

std::string formatExtension(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  const auto last = name.rfind('.');
  if (last == std::string::npos || last == 0) return "";
  if (name.compare(last, std::string::npos, ".gz") == 0 && last > 0) {
    const auto before = name.rfind('.', last - 1);
    if (before != std::string::npos && before != 0) return name.substr(before);
  }
  return name.substr(last);
}

std::string temporarySiblingPath(const std::string& target) {
  // pid + a process-wide counter: unique across ranks writing into one folder and across threads.
  static std::atomic<long> counter{0};
  const fs::path p(target);
  const std::string name = "." + p.filename().string() + ".tmp" + std::to_string(static_cast<long>(::getpid())) + "_" +
                           std::to_string(counter++) + formatExtension(target);
  return (p.parent_path() / name).string();
}

void requireOutputDirectory(const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::exists(dir, ec))
    fail(ExitCode::Resource, path + ": cannot write: directory " + dir.string() + " does not exist");
  if (!fs::is_directory(dir, ec))
    fail(ExitCode::Resource, path + ": cannot write: " + dir.string() + " is not a directory");
  if (fs::is_directory(path, ec)) fail(ExitCode::Resource, path + ": cannot write: it is a directory");
}

TemporaryOutput::TemporaryOutput(const std::string& target)
    : target_(target), temporary_(temporarySiblingPath(target)) {}

TemporaryOutput::~TemporaryOutput() {
  if (committed_) return;
  std::error_code ec;
  fs::remove(temporary_, ec);
}

void TemporaryOutput::commit() {
  std::error_code ec;
  if (!fs::exists(temporary_, ec))
    fail(ExitCode::Resource, target_ + ": cannot write: the temporary file " + temporary_ + " was not created");
  fs::rename(temporary_, target_, ec);
  if (ec) fail(ExitCode::Resource, target_ + ": cannot write: rename failed: " + ec.message());
  committed_ = true;
}

}  // namespace ffdp
