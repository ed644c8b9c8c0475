// The halo (z-slices of each pyramid level's grid) a multi-rank run of `spec` needs around every
// rank's slab: the stencils' reach (CC windows, field smoothing), see ops/slab_backend.hpp.
#pragma once
#include <cstdint>

#include "spec/spec.hpp"

namespace ffdp {

int64_t haloForSpec(const Spec& spec);

}  // namespace ffdp
