// Atomic output files: write to a hidden temporary sibling, then rename it onto the target, so that a
// reader never sees a half-written file and a failed write leaves the previous file (or nothing).
#pragma once
#include <string>

namespace ffdp {

// The path of a hidden temporary file beside `target` whose name ends with the target's extension
// (".nii.gz", ".mat", ...), since ITK chooses the file format from the name:
//   dir/P_Warped.nii.gz -> dir/.P_Warped.nii.gz.tmp<pid>_<n>.nii.gz
std::string temporarySiblingPath(const std::string& target);

// The extension that selects the format: the last suffix, or the last two when the last is ".gz".
std::string formatExtension(const std::string& path);

// Owns a temporary sibling path: removes the file on destruction unless commit() moved it onto the target.
class TemporaryOutput {
 public:
  explicit TemporaryOutput(const std::string& target);
  ~TemporaryOutput();
  TemporaryOutput(const TemporaryOutput&) = delete;
  TemporaryOutput& operator=(const TemporaryOutput&) = delete;

  const std::string& path() const { return temporary_; }
  // Renames the temporary onto the target; throws Error(Resource, "<target>: cannot write: ...") on failure.
  void commit();

 private:
  std::string target_;
  std::string temporary_;
  bool committed_ = false;
};

// Throws Error(Resource, "<path>: cannot write: ...") unless the directory that will hold `path` exists.
void requireOutputDirectory(const std::string& path);

}  // namespace ffdp
