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

// TrilinearSampler::value: the stencil and weights from q in double as on the CPU, the blend in
// float with fused lerps (the CPU blends in double; converting the 8 loaded floats and blending in
// double was most of resampleWarp's instructions). Within a few float ulps of the image's scale
// (field_host_math_test.cpp). It repeats sampleFieldClamped's blend for one component on purpose:
// one template for both measured resampleWarp 9 % slower on an H200 (4.57 -> 4.98 ms).
FFDP_HD inline float sampleLinearFloat(const ImageView& im, const double q[3]) {
  const AxisStencil sx = axisStencil(q[0], im.nx), sy = axisStencil(q[1], im.ny), sz = axisStencil(q[2], im.nz);
  const float wx = float(sx.u), wy = float(sy.u), wz = float(sz.u);
  const int64_t plane = im.nx * im.ny, di = sx.hi - sx.lo;
  const float* p00 = im.data + sx.lo + im.nx * sy.lo + plane * sz.lo;
  const float* p10 = im.data + sx.lo + im.nx * sy.hi + plane * sz.lo;
  const float* p01 = im.data + sx.lo + im.nx * sy.lo + plane * sz.hi;
  const float* p11 = im.data + sx.lo + im.nx * sy.hi + plane * sz.hi;
  const float x00 = lerpFloat(p00[0], p00[di], wx), x10 = lerpFloat(p10[0], p10[di], wx);
  const float x01 = lerpFloat(p01[0], p01[di], wx), x11 = lerpFloat(p11[0], p11[di], wx);
  return lerpFloat(lerpFloat(x00, x10, wy), lerpFloat(x01, x11, wy), wz);
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
