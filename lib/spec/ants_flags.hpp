// antsRegistration's command-line grammar translated into a Spec, kept apart from CLI11: the CLI
// collects the raw strings of each flag and calls applyAntsFlags(). Mapping table in docs/spec.md.
#pragma once
#include <string>
#include <vector>

#include "spec/spec.hpp"

namespace ffdp {

struct AntsFlags {
  int dimension = 3;                          // -d/--dimensionality
  std::vector<std::string> transforms;        // -t/--transform, one per stage: Rigid[0.1], Affine[0.1]
  std::vector<std::string> metrics;           // -m/--metric, the i-th belongs to the i-th stage
  std::vector<std::string> convergences;      // -c/--convergence [1000x500x250,1e-6,10]
  std::vector<std::string> shrinkFactors;     // -f/--shrink-factors 8x4x2x1
  std::vector<std::string> smoothingSigmas;   // -s/--smoothing-sigmas 3x2x1x0vox | ...mm
  std::string output;                         // -o/--output prefix | [prefix,warped,inverseWarped]
  std::string initialMovingTransform;         // -r/--initial-moving-transform [f,m,0|1|2] | file | [file,1]
  std::string masks;                          // -x/--masks [fixedMask,movingMask] | fixedMask; NULL = none
  bool useFloat = false;                      // --float 1 (false leaves spec.floatPrecision as it is)
  int verbose = 0;                            // -v/--verbose (0 leaves spec.verbose as it is)
};

// Applies the flags that were given over `spec`: any --transform replaces spec.stages with one
// stage per --transform; the metrics set spec.fixed/spec.moving. Throws Error(ExitCode::Usage)
// naming the flag and its value for malformed syntax, bad numbers, per-stage count mismatches,
// different image pairs across stages and -d other than 3. Does not call validate().
void applyAntsFlags(const AntsFlags& flags, Spec& spec);

}  // namespace ffdp
