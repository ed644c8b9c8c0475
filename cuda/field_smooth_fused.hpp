// The separable Gaussian in one pass over memory (field_smooth_fused.cu), out of place, with the
// same taps, order and roundings as the two-pass kernels (field_smooth.cu), so the same bits.
#pragma once
#include "core/grid.hpp"
#include "gaussian_window.cuh"

namespace ffdp::cuda {

// The largest radius the one-pass kernel takes (sigma 1). Beyond, the two passes in place are as fast
// or faster, since the one pass is bound by instruction issue and its halo work grows with the
// radius (718^3 field, H200: sigma 1.5 9.03 ms in one pass, 8.77 in two; sigma 2 12.4 and 11.0;
// sigma 1 5.46 and 8.43; sigma 0.5 3.99 and 7.53).
constexpr int kFusedMaxWindow = 4;

// Planes `planes` of `out` = `in` (C = `components` floats per voxel of `grid`) smoothed with
// `axes`; out's other planes are not touched. False (nothing done) where the largest radius
// exceeds kFusedMaxWindow.
bool smoothFused(const float* in, float* out, const Grid& grid, int components, const GaussianAxes& axes,
                 PlaneRange planes);

}  // namespace ffdp::cuda
