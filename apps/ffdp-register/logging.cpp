#include "logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace ffdp::cli {

void setUpLogging(int verbosity) {
  auto logger = spdlog::stderr_color_mt("ffdp");
  logger->set_pattern("[%H:%M:%S.%e] %^%l%$ %v");
  logger->set_level(verbosity < 0 ? spdlog::level::warn : verbosity == 0 ? spdlog::level::info : spdlog::level::debug);
  spdlog::set_default_logger(logger);
}

}  // namespace ffdp::cli
