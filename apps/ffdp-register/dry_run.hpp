// --dry-run: reads only the image headers, prints the memory plan of the run (per phase, peak, bytes
// per fixed voxel) for the chosen backend and moving-image placement and whether it fits there, with
// the smallest rank count whose z-slabs would fit, and writes nothing.
#pragma once
#include <string>
#include <vector>

#include "reg/memory_plan.hpp"
#include "spec/spec.hpp"

namespace ffdp::cli {

// The values --moving-placement accepts: auto (the default), replicate, shard.
std::vector<std::string> movingPlacementChoices();

// What a --moving-placement choice means for `ranks` ranks whose volumes live in `bytesPerRank` of usable
// memory (0.9 of the backend's): replicate and shard are taken as given (one rank always holds the
// moving image whole); auto replicates unless that plan's peak does not fit (reg/memory_plan.hpp).
MovingPlacement resolveMovingPlacement(const std::string& choice, const Spec& spec, const Grid& fixed,
                                       const Grid& moving, bool withMasks, int ranks, double bytesPerRank,
                                       PlanBackend backend);

// The share of a backend's memory that a plan may fill: a tenth is left for the runtime, the allocator's
// rounding and what the model does not count.
double usableMemory(double backendMemoryBytes);

// `ranks`: the run's rank count (the plan is per rank).
int runDryRun(const Spec& spec, const std::string& backendChoice, int ranks,
              const std::string& movingPlacementChoice = "auto");

}  // namespace ffdp::cli
