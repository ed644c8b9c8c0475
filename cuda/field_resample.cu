// resampleField (field_resample.hpp). Blocks walk 32 x 8 voxel tiles of the target through its
// planes (row_segments.cuh), a warp one row segment per plane: the index map's j and k terms come
// once per row (rowOnGrid), and for a target at the source's resolution or finer the trilinear
// gather's rows j + 1 and plane k + 1 are the tile's own, read through L1. Before, with blocks of
// 256 consecutive voxels, those rows belonged to other blocks and L2 limited the kernel (85 % busy,
// Nsight Compute at 370 M voxels).
#include "cuda_check.cuh"
#include "field_resample.hpp"
#include "field_sampling.cuh"
#include "grid_index_map.cuh"
#include "launch.cuh"
#include "row_segments.cuh"

namespace ffdp::cuda {
namespace {

// Compiled per offset width, so that it is not a run-time branch per voxel.
template <class Offset>
__global__ void __launch_bounds__(kThreads) resampleFieldKernel(FieldView u, GridIndexMap map, PlaneTiles tiles,
                                                                float* out) {
  __shared__ float buffers[kTileRows][kSegmentFloats];  // per warp: its results
  float* buffer = buffers[threadIdx.x >> 5];
  forEachRowSegment<4>(tiles, [&](const RowSegment& seg) {
    float r[3] = {0, 0, 0};
    if (seg.lane < seg.voxels) {
      double row[3], q[3];
      rowOnGrid(map, seg.j, seg.k, row);
      indexAlongRowOnGrid(map, row, seg.i0 + seg.lane, q);
      sampleFieldClamped<Offset>(u, q, r);
    }
    storeSegment(out, seg, buffer, r);
  });
}

}  // namespace

void resampleField(const float* u, const Grid& from, const Grid& target, float* out) {
  if (from.voxels() == 0) fail(ExitCode::Internal, "resampleField: the field is empty");
  if (target.voxels() == 0) return;
  const FieldView uv{u, from.size[0], from.size[1], from.size[2]};
  const GridIndexMap map = gridIndexMap(target, from);
  const PlaneTiles tiles = planeTiles(target, 0, target.size[2]);
  const int blocks = blocksForEach(tiles.tiles, 1);
  if (smallStepField(uv))
    resampleFieldKernel<int32_t><<<blocks, kThreads, 0, cudaStreamPerThread>>>(uv, map, tiles, out);
  else
    resampleFieldKernel<int64_t><<<blocks, kThreads, 0, cudaStreamPerThread>>>(uv, map, tiles, out);
  checkLaunch("resampleField", target.voxels());
}

}  // namespace ffdp::cuda
