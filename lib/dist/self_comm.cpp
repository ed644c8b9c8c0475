#include <cstdio>
#include <cstdlib>

#include "dist/comm.hpp"

namespace ffdp {

void SelfComm::abort(const std::string& message, int exitCode) {
  std::fprintf(stderr, "ffdp-register: error: %s\n", message.c_str());
  std::exit(exitCode);
}

}  // namespace ffdp
