// The index map between two grids, shared by the pyramid (image_pyramid.cu), field resampling
// (field_resample.cu) and the warped images (warp_resample.cu); the metrics' sampler
// (warp_sampler.cuh) applies the same shifts.
#pragma once
#include <cstdint>

#include "core/grid.hpp"
#include "dist/slab.hpp"
#include "field_sampling.cuh"

namespace ffdp::cuda {

// The index map from `target` voxels to the input's, as the CPU's (lib/ops/cpu/resample_grid.cpp):
// slab buffers map through their whole grids with whole-grid slice indices (target slice k is
// k + kShift) and the input index is shifted back by its first slice (zShift), exact integer shifts
// that make a slab's pyramid levels the whole image's bit for bit, and a field moved to a slab of
// another level the whole field moved, and a slab's warped image the whole one. Whole grids: both
// shifts 0. `A` maps target points to input points (identity between levels).
struct GridIndexMap {
  IndexAffineView map;
  int64_t kShift;
  double zShift;
};

inline GridIndexMap gridIndexMap(const Grid& target, const Grid& in, const Affine& A = Affine::identity()) {
  return {makeIndexAffine(wholeGridOf(target), wholeGridOf(in), A), target.slab.firstSlice,
          double(in.slab.firstSlice)};
}

__device__ inline void indexOnGrid(const GridIndexMap& m, const VoxelIndex& x, double q[3]) {
  indexAtExact(m.map, x.i, x.j, x.k + m.kShift, q);
  q[2] -= m.zShift;
}

// indexOnGrid in two steps for kernels that work along rows: the row's (j, k) part once, then each
// voxel's i (indexRowExact, indexAlongRowExact: the same bits).
__device__ inline void rowOnGrid(const GridIndexMap& m, int64_t j, int64_t k, double row[3]) {
  indexRowExact(m.map, j, k + m.kShift, row);
}
__device__ inline void indexAlongRowOnGrid(const GridIndexMap& m, const double row[3], int64_t i, double q[3]) {
  indexAlongRowExact(m.map, row, i, q);
  q[2] -= m.zShift;
}

}  // namespace ffdp::cuda
