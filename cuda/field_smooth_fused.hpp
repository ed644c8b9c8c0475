// The separable Gaussian in one pass over memory (field_smooth_fused.cu), out of place, with the
// same taps, order and roundings as the two-pass kernels (field_smooth.cu), so the same bits.
#pragma once
#include "core/grid.hpp"
#include "gaussian_window.cuh"

namespace ffdp::cuda {

// The largest radius the one-pass kernel takes (sigma 2): beyond, it spills registers and the two
// passes are faster (718^3 field, H200: sigma 2.5 21.8 ms in one pass, 15.2 in two).
constexpr int kFusedMaxWindow = 8;

// Planes `planes` of `out` = `in` (C = `components` floats per voxel of `grid`) smoothed with
// `axes`; out's other planes are not touched. False (nothing done) where the largest radius
// exceeds kFusedMaxWindow.
bool smoothFused(const float* in, float* out, const Grid& grid, int components, const GaussianAxes& axes,
                 PlaneRange planes);

}  // namespace ffdp::cuda
