// The slab layout of a multi-rank run of a spec: balanced by MI work (dist/slab_balance.hpp) when a
// stage uses MI and the backend's background voxels cost less than others; equal slabs otherwise.
#pragma once
#include <string>

#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "dist/slab.hpp"
#include "spec/spec.hpp"

namespace ffdp {

// The first stage of `spec` whose metric is MI; null when none is.
const StageSpec* firstMiStage(const Spec& spec);

// `fixed` is the fixed image, whole or this rank's slab (then every rank calls it together).
// `miBackgroundVoxelCost` is Backend::miBackgroundVoxelCost. Null cuts: equal slabs.
SlabCuts slabCutsForRun(const Spec& spec, const Image& fixed, double miBackgroundVoxelCost, Comm& comm);

// "slices 0-301 | 301-598 | ..." for the log: each rank's own slices under `layout`.
std::string describeSlabs(const SlabLayout& layout);

}  // namespace ffdp
