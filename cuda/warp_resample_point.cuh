// The value of a moving image at one continuous index as the output resamplers compute it
// (lib/ops/cpu/resample_point.hpp, ITK's rule so antsApplyTransforms reproduces our files):
// inside when the index lies in [-0.5, n - 0.5) per axis; in the half-voxel band beyond the outer
// voxel centres the index is clamped to [0, n - 1]; Linear, NearestNeighbor, or Label (the label
// with the largest summed trilinear weight, ties to the smaller label). Linear interpolation blends
// in float (sampleLinearFloat).
#pragma once
#include "field_exact_math.cuh"
#include "field_sampling.cuh"
#include "core/host_device.hpp"
#include "core/index_conversion.hpp"
#include "trilinear.cuh"

namespace ffdp::cuda {

enum class PointRule : int { Linear = 0, Nearest = 1, Label = 2 };

// TrilinearSampler::value, blended in float (blendFloat).
FFDP_HD inline float sampleLinearFloat(const ImageView& im, const double q[3]) {
  float r[1];
  blendFloat<1>(im.data, im.nx, im.ny, axisStencil(q[0], im.nx), axisStencil(q[1], im.ny), axisStencil(q[2], im.nz), r);
  return r[0];
}

FFDP_HD inline float majorityLabel(const ImageView& im, const double q[3]) {
  int64_t linear[8];
  double weight[8];
  stencil(im, q, linear, weight);
  float labels[8];
  double sums[8];
  int count = 0;
  for (int c = 0; c < 8; ++c) {
    const float label = im.data[linear[c]];
    int n = 0;
    while (n < count && labels[n] != label) ++n;
    if (n == count) {
      labels[count] = label;
      sums[count++] = 0.0;
    }
    sums[n] = exact::add(sums[n], weight[c]);
  }
  int best = 0;
  for (int n = 1; n < count; ++n)
    if (sums[n] > sums[best] || (sums[n] == sums[best] && labels[n] < labels[best])) best = n;
  return labels[best];
}

FFDP_HD inline float resamplePoint(const ImageView& im, const double q[3], PointRule rule, float outside) {
  if (!insideNearest(im, q)) return outside;
  if (rule == PointRule::Nearest) return im.data[nearestLinear(im, q)];
  const double hi[3] = {indexToDouble(im.nx - 1), indexToDouble(im.ny - 1), indexToDouble(im.nz - 1)};
  double clamped[3];
  for (int a = 0; a < 3; ++a) clamped[a] = q[a] < 0.0 ? 0.0 : (hi[a] < q[a] ? hi[a] : q[a]);
  return rule == PointRule::Linear ? sampleLinearFloat(im, clamped) : majorityLabel(im, clamped);
}

}  // namespace ffdp::cuda
