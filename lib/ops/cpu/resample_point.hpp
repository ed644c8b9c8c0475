// The value of a moving image at one continuous index, as the output resamplers (resampleAffine,
// resampleWarp) compute it for Linear, NearestNeighbor and Label interpolation. The rule follows
// ITK's resampler, so that antsApplyTransforms and ITK reproduce our files: a point is inside when
// its continuous index lies in [-0.5, n-0.5) per axis, and in the half-voxel band beyond the outer
// voxel centres the value is the edge value (the index is clamped to [0, n-1]). The metrics use the
// stricter [0, n-1] test of TrilinearSampler.
#pragma once
#include <algorithm>

#include "ops/backend.hpp"
#include "ops/cpu/trilinear.hpp"

namespace ffdp::cpu {

class PointResampler {
 public:
  PointResampler(const Image& moving, Interpolation interp, float outside)
      : sampler_(moving),
        data_(moving.data.data()),
        mx_(moving.grid.size[0]),
        my_(moving.grid.size[1]),
        mz_(moving.grid.size[2]),
        interp_(interp),
        outside_(outside) {}

  float operator()(const Vec3& q) const {
    if (!nearestInside(q, mx_, my_, mz_)) return outside_;
    if (interp_ == Interpolation::NearestNeighbor)
      return data_[floorIndex(q[0] + 0.5) + mx_ * (floorIndex(q[1] + 0.5) + my_ * floorIndex(q[2] + 0.5))];
    const Vec3 clamped{std::clamp(q[0], 0.0, double(mx_ - 1)), std::clamp(q[1], 0.0, double(my_ - 1)),
                       std::clamp(q[2], 0.0, double(mz_ - 1))};
    return interp_ == Interpolation::Linear ? static_cast<float>(sampler_.value(clamped)) : majorityLabel(clamped);
  }

 private:
  // The label with the largest summed trilinear weight among the up-to-8 neighbours; ties go to
  // the smallest label, so the choice does not depend on corner order.
  float majorityLabel(const Vec3& q) const {
    int64_t linear[8];
    double weight[8];
    sampler_.stencil(q, linear, weight);
    float labels[8];
    double sums[8];
    int count = 0;
    for (int c = 0; c < 8; ++c) {
      const float label = data_[linear[c]];
      int n = 0;
      while (n < count && labels[n] != label) ++n;
      if (n == count) {
        labels[count] = label;
        sums[count++] = 0.0;
      }
      sums[n] += weight[c];
    }
    int best = 0;
    for (int n = 1; n < count; ++n)
      if (sums[n] > sums[best] || (sums[n] == sums[best] && labels[n] < labels[best])) best = n;
    return labels[best];
  }

  TrilinearSampler sampler_;
  const float* data_;
  int64_t mx_, my_, mz_;
  Interpolation interp_;
  float outside_;
};

}  // namespace ffdp::cpu
