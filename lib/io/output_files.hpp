// A run's outputs are all-or-nothing: every output path is checked before any computation, and a
// failing run can delete the outputs it already moved into place.
#pragma once
#include <string>
#include <vector>

namespace ffdp {

class OutputPlan {
 public:
  explicit OutputPlan(bool overwrite) : overwrite_(overwrite) {}
  void add(const std::string& path);
  const std::vector<std::string>& paths() const { return paths_; }

  // For every planned path: its directory exists and is writable (probed by creating and removing a
  // file there), the path is not a directory, no path is planned twice, and an existing file is only
  // replaced with overwrite. Throws ffdp::Error(ExitCode::Resource, "<path>: ...") on the first problem.
  void checkWritable() const;

 private:
  bool overwrite_;
  std::vector<std::string> paths_;
};

// Writes a text file (e.g. the JSON report) atomically: temporary sibling, then rename.
// Failures: ffdp::Error(ExitCode::Resource, "<path>: cannot write: <reason>").
void writeTextAtomic(const std::string& path, const std::string& text);

// Removes files, ignoring any error (used to clean up a failed run's outputs).
void removeQuietly(const std::vector<std::string>& paths);

}  // namespace ffdp
