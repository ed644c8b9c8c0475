// The CUDA backend (lib/ops/backend.hpp on one GPU): every operation runs on the device, and the
// volumes it returns live only there (core/volume.hpp) until Backend::toHost, so a registration
// makes no host round trips inside an iteration: only the scalars the engine decides on (metric
// value, valid count, step norms) come back.
#pragma once
#include <memory>

#include "dist/comm.hpp"
#include "ops/backend.hpp"

namespace ffdp {

// Uses GPU `device` (the rank's local GPU). Throws Error(Resource) when it cannot be used.
std::unique_ptr<Backend> makeCudaBackend(Comm& comm, int device);

}  // namespace ffdp
