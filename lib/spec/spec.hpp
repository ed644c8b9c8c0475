// The pipeline spec: everything a registration run needs, as a plain struct kept apart from
// any command-line or JSON parsing. Both the JSON file (spec_json) and the ANTs-style flags
// (ants_flags) produce one of these, and validate() checks it with errors that name the key.
#pragma once
#include <string>
#include <vector>

#include "ops/metric_settings.hpp"

namespace ffdp {

// Rigid and Affine are the linear stages; Greedy (greedy diffeomorphic, one displacement field) and
// SyN (two half fields toward the midpoint) are the deformable ones, which run after every linear stage.
enum class TransformKind { Rigid, Affine, Greedy, SyN };

inline bool isDeformable(TransformKind k) { return k == TransformKind::Greedy || k == TransformKind::SyN; }

// How the moving image is placed before the first stage (ANTs --initial-moving-transform).
enum class InitKind {
  Identity,        // no initial transform
  GeometricCentre, // [f,m,0]: align the centres of the two image domains
  CentreOfMass,    // [f,m,1]: align the intensity centres of mass
  Origin,          // [f,m,2]: align the image origins
  File             // an affine transform file (.mat or .txt), optionally inverted
};

enum class SigmaUnit { Voxels, Millimetres };

struct MetricSpec {
  MetricKind kind = MetricKind::MI;
  double weight = 1.0;
  int radius = 2;                 // CC only
  int bins = 32;                  // MI only
  double samplingFraction = 1.0;  // 1 = every voxel ("None" in ANTs' sampling strategy)
};

struct StageSpec {
  TransformKind transform = TransformKind::Affine;
  double step = 0.1;  // largest voxel displacement per iteration, in voxels of the current level
  MetricSpec metric;
  std::vector<int> iterations{1000, 500, 250, 100};  // per level, coarse to fine
  double convergenceThreshold = 1e-6;
  int convergenceWindow = 10;
  std::vector<int> shrinkFactors{8, 4, 2, 1};
  std::vector<double> smoothingSigmas{3, 2, 1, 0};
  SigmaUnit sigmaUnit = SigmaUnit::Voxels;
  // Deformable stages only (ignored by rigid/affine): Gaussian sigmas, in voxels of the current level,
  // of the metric gradient before the Adam step and of the displacement field after each update.
  // ANTs' SyN[step,updateVariance,totalVariance] gives variances: sigma = sqrt(variance).
  double gradientSigma = 1.0;
  double warpSigma = 0.5;
  // Greedy stages only: the displacement field never gets finer than the fixed grid shrunk by this
  // factor (Grid::shrunk), so levels finer than that keep it on a coarser grid than their images and
  // the output fields lie on that grid (ITK and ANTs interpolate them). 1 = the level's own grid.
  // Large images: 2 takes the field, its gradient and the Adam moments down 8x.
  int fieldShrink = 1;
};

struct InitialTransform {
  InitKind kind = InitKind::Identity;
  std::string file;     // InitKind::File
  bool invert = false;  // InitKind::File: use the file's inverse ([file,1])
};

struct Spec {
  std::string fixed, moving;            // images (the metric's first two arguments in ANTs flags)
  std::string fixedMask, movingMask;    // optional ("" = none)
  std::string outputPrefix;             // P: P0GenericAffine.mat, Preport.json
  std::string warped, inverseWarped;    // "" = PWarped.nii.gz / PInverseWarped.nii.gz
  InitialTransform initial;
  std::vector<StageSpec> stages;
  bool floatPrecision = true;  // computation is single precision in images, double in reductions
  int verbose = 0;
  int threads = 0;             // 0 = OpenMP default
  bool overwrite = false;      // replace existing output files
};

// Throws ffdp::Error(ExitCode::Usage) naming the offending key (e.g. "stages[1].iterations")
// when the spec is impossible: no stages, mismatched level counts, non-positive values, ...
void validate(const Spec& spec);

const char* toString(TransformKind k);
const char* toString(MetricKind k);
const char* toString(InitKind k);
const char* toString(SigmaUnit u);

}  // namespace ffdp
