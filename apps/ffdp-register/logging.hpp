// spdlog set-up shared by every subcommand: progress on stderr, so stdout stays for results.
#pragma once

namespace ffdp::cli {

// verbosity: -1 quiet (warnings and errors), 0 progress (info), >= 1 per-iteration detail (debug).
void setUpLogging(int verbosity);

}  // namespace ffdp::cli
