// The small set of operations the registration engine needs from a compute backend.
// lib/reg is written once against this interface; ops/cpu is the OpenMP reference and
// cuda/ adds the GPU version. Every global quantity is reduced through the Comm the backend
// was made with, in a fixed order, so results do not depend on the thread count.
#pragma once
#include <array>
#include <cstdint>
#include <memory>

#include "core/affine.hpp"
#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "ops/metric_settings.hpp"

namespace ffdp {

enum class Interpolation { Linear, NearestNeighbor, Label };

// d(metric)/d(affine parameters) in ITK's order: M row-major (9 values), then t (3); centre fixed.
using AffineGradient = std::array<double, 12>;

struct AffineMetricEval {
  double value = 0;           // the metric to minimise (negated similarity for CC and MI)
  AffineGradient gradient{};  // zero unless asked for
  int64_t validVoxels = 0;    // fixed voxels that counted: in the fixed mask, mapped inside the
                              // moving image (and its mask), and in the sampled subset
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // Gaussian smoothing (sigma in input voxels per axis, 0 = none), then linear resampling onto
  // `target`, which covers the same physical region. Builds pyramid levels.
  virtual Image smoothAndResample(const Image& in, const Vec3& sigmaVoxels, const Grid& target) = 0;
  // Nearest-neighbour resampling of a mask onto another grid (outside = 0).
  virtual Mask resampleMask(const Mask& in, const Grid& target) = 0;
  // moving(A(x)) for every voxel x of `grid`; points outside the moving image get `outside`.
  // Label interpolation picks the label with the largest summed trilinear weight.
  virtual Image resampleAffine(const Image& moving, const Grid& grid, const Affine& A, Interpolation interp,
                               float outside) = 0;
  // The metric between fixed(x) and moving(A(x)) over the valid voxels, and optionally its gradient
  // w.r.t. the 12 affine parameters. Masks may be null; when given they lie on the fixed / moving grids.
  virtual AffineMetricEval affineMetric(const Image& fixed, const Image& moving, const Mask* fixedMask,
                                        const Mask* movingMask, const Affine& A, const MetricSettings& metric,
                                        bool withGradient) = 0;
  // Intensity-weighted centre of mass in physical space (negative values count as zero).
  virtual Vec3 centreOfMass(const Image& image) = 0;
};

std::unique_ptr<Backend> makeCpuBackend(Comm& comm);

}  // namespace ffdp
