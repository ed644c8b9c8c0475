// GPU tests run only where a CUDA device is present (the device machine, scripts/device/); on the
// CPU machines and in CI they are built and then skip with a message, so a CUDA build break is
// still caught there.
#pragma once
#include <catch2/catch.hpp>

#include "device_info.cuh"

#define FFDP_REQUIRE_GPU()                                               \
  do {                                                                   \
    if (ffdp::cuda::listDevices().empty()) {                             \
      WARN("skipped: no CUDA device on this machine (GPU tests run on the device machine)"); \
      return;                                                            \
    }                                                                    \
  } while (0)
