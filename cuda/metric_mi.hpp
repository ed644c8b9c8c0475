// Mattes mutual information on the GPU with exactly the definition of lib/ops/cpu/metric_mi.cpp:
// B bins, cubic B-spline Parzen windows for both images, intensities normalised by the global
// min/max of each whole image, value = -MI, gradient through log(p / pm).
//
// Two passes, no per-voxel table: (1) the joint histogram, accumulated per block in shared memory as
// fixed-point 64-bit integers (integer addition is associative, so the sum is exact and does not
// depend on the order), then added into one global integer histogram; (2) with p known, the Parzen
// weights are recomputed per voxel for the gradient.
#pragma once
#include "dist/comm.hpp"
#include "metric_inputs.hpp"
#include "ops/backend.hpp"

namespace ffdp::cuda {

FieldMetricEval mutualInformationFieldMetric(const MetricDeviceInputs& in, const float* u, float* gradient,
                                             Comm& comm);
AffineMetricEval mutualInformationAffineMetric(const MetricDeviceInputs& in, bool withGradient, Comm& comm);

// Fixed-point scale of the histogram: each Parzen product is rounded to a multiple of 2^-bits with
// bits chosen so that `voxels` whole votes cannot overflow 64 bits (40 for small images, fewer
// for gigavoxel ones; at 3.7 G voxels the quantum is 2^-31, 5e-10 of one voxel's vote).
int histogramFractionBits(int64_t voxels);

}  // namespace ffdp::cuda
