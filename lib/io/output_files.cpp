#include "io/output_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace fs = std::filesystem;

namespace ffdp {
namespace {

// Creating a file is the only reliable test: access(W_OK) says yes to root on read-only mounts.
void probeWritable(const std::string& path, const fs::path& dir) {
  const std::string probe = temporarySiblingPath((dir / ".ffdp-write-probe").string());
  const int fd = ::open(probe.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
  if (fd < 0) fail(ExitCode::Resource, path + ": cannot write into " + dir.string() + ": " + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace

void OutputPlan::add(const std::string& path) { paths_.push_back(path); }

void OutputPlan::checkWritable() const {
  std::set<fs::path> seen;
  for (const std::string& path : paths_) {
    if (path.empty()) fail(ExitCode::Resource, "an output path is empty");
    const fs::path normal = fs::absolute(path).lexically_normal();
    if (!seen.insert(normal).second)
      fail(ExitCode::Resource, path + ": planned twice as an output (two outputs would overwrite each other)");
    requireOutputDirectory(path);
    std::error_code ec;
    if (fs::exists(fs::symlink_status(path, ec)) && !overwrite_)
      fail(ExitCode::Resource, path + ": exists; pass --overwrite to replace it");
    fs::path dir = fs::path(path).parent_path();
    if (dir.empty()) dir = ".";
    probeWritable(path, dir);
  }
}

void writeTextAtomic(const std::string& path, const std::string& text) {
  requireOutputDirectory(path);
  TemporaryOutput temporary(path);
  {
    std::ofstream out(temporary.path(), std::ios::binary | std::ios::trunc);
    if (!out) fail(ExitCode::Resource, path + ": cannot write: " + std::strerror(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) fail(ExitCode::Resource, path + ": cannot write: " + std::strerror(errno));
  }
  temporary.commit();
}

void removeQuietly(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    std::error_code ec;
    fs::remove(path, ec);
  }
}

}  // namespace ffdp
