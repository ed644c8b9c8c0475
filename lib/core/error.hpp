// One exception type for every failure a user can see, carrying the exit code that
// documents its class (man page, EXIT STATUS) and a one-line message naming the file or key.
#pragma once
#include <stdexcept>
#include <string>

namespace ffdp {

enum class ExitCode : int {
  Ok = 0,
  Usage = 2,     // malformed flags, bad spec key/type/value, impossible combination
  Input = 3,     // an input file is missing, unreadable or not a usable image/transform
  Resource = 4,  // output not writable / would overwrite, out of memory, device unavailable
  Internal = 5,  // a bug or a numerical failure (NaN metric) inside the engine
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

[[noreturn]] inline void fail(ExitCode code, const std::string& message) { throw Error(code, message); }

}  // namespace ffdp
