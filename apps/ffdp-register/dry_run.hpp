// --dry-run: reads only the image headers, prints the memory plan of the run (per phase, peak, bytes
// per fixed voxel) for the chosen backend and whether it fits there, with the smallest rank count
// whose z-slabs would fit, and writes nothing.
#pragma once
#include <string>

#include "spec/spec.hpp"

namespace ffdp::cli {

// `ranks`: the run's rank count (the plan is per rank).
int runDryRun(const Spec& spec, const std::string& backendChoice, int ranks);

}  // namespace ffdp::cli
