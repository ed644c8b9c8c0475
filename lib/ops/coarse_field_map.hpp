// A displacement field kept on a coarser grid than the images it warps (a stage's fieldShrink, spec.md):
// the images' voxel x sees U(x) = the field interpolated trilinearly at x's continuous index on the
// field's grid, clamped to the outer voxel centres (ITK's displacement-field transform does the same
// inside the field's extent, which covers every image voxel centre because Grid::shrunk keeps the edges).
// The metric's gradient w.r.t. the coarse field is the transpose of that interpolation applied to the
// gradient w.r.t. U, which `restrictAt` computes node by node (a gather, so no atomics and a fixed order).
// Plain FFDP_HD code: the CPU reference and the CUDA kernels share every weight, so the transpose is
// exact on both and they agree to rounding. On slab buffers (multi-rank runs) the weights are those of
// the whole grids, and z indices are shifted by each buffer's first slice: a slab reads and restricts
// exactly what the whole run does at its voxels.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/grid.hpp"
#include "core/host_device.hpp"
#include "core/index_conversion.hpp"

namespace ffdp {

// Continuous index on the field's grid of image voxel i along one axis: c = scale * i + offset.
struct CoarseAxis {
  int64_t fieldSize = 1;  // voxels of the field's whole grid on this axis
  int64_t imageSize = 1;  // voxels of the image's whole grid on this axis
  double scale = 1, offset = 0;

  // The two field voxels image voxel i reads and the weight of the upper one (clamped at the edges;
  // a one-voxel axis reads voxel 0 with weight 1).
  FFDP_HD void weights(int64_t i, int64_t& lower, double& upperWeight) const {
    double c = scale * indexToDouble(i) + offset;
    const double last = indexToDouble(fieldSize - 1);
    c = c < 0 ? 0 : (c > last ? last : c);
    if (fieldSize < 2) {
      lower = 0;
      upperWeight = 0;
      return;
    }
    int64_t l = floorIndex(c);  // c in [0, last]
    if (l > fieldSize - 2) l = fieldSize - 2;
    lower = l;
    upperWeight = c - indexToDouble(l);
  }
  // The weight with which image voxel i reads field voxel n (0 when it does not).
  FFDP_HD double weightOf(int64_t i, int64_t n) const {
    int64_t lower;
    double w;
    weights(i, lower, w);
    if (n == lower) return 1.0 - w;
    if (n == lower + 1) return w;
    return 0.0;
  }
  // Image voxels [first, last] contain every voxel that reads field voxel n (a few more may read it
  // with weight 0).
  FFDP_HD void readersOf(int64_t n, int64_t& first, int64_t& last) const {
    first = n == 0 ? 0 : int64_t(floor((double(n) - 1.0 - offset) / scale)) - 1;
    last = n == fieldSize - 1 ? imageSize - 1 : int64_t(ceil((double(n) + 1.0 - offset) / scale)) + 1;
    if (first < 0) first = 0;
    if (last > imageSize - 1) last = imageSize - 1;
  }
};

struct CoarseFieldMap {
  CoarseAxis axis[3];
  // Slab buffers: local slice k is whole slice k + firstSlice; the buffers hold bufferSlices slices.
  // Whole grids: 0 and the whole z size.
  int64_t imageFirstSlice = 0, fieldFirstSlice = 0;
  int64_t imageBufferSlices = 1, fieldBufferSlices = 1;

  // Memory offsets, z in whole-grid slices.
  FFDP_HD int64_t fieldLinear(int64_t i, int64_t j, int64_t kWhole) const {
    return i + axis[0].fieldSize * (j + axis[1].fieldSize * (kWhole - fieldFirstSlice));
  }
  FFDP_HD int64_t imageLinear(int64_t i, int64_t j, int64_t kWhole) const {
    return i + axis[0].imageSize * (j + axis[1].imageSize * (kWhole - imageFirstSlice));
  }

  // U(x) at image buffer voxel (i, j, k) from the field buffer u (3 floats per field voxel).
  FFDP_HD void interpolate(const float* u, int64_t i, int64_t j, int64_t k, double d[3]) const {
    int64_t l[3];
    double w[3];
    axis[0].weights(i, l[0], w[0]);
    axis[1].weights(j, l[1], w[1]);
    axis[2].weights(k + imageFirstSlice, l[2], w[2]);
    d[0] = d[1] = d[2] = 0;
    for (int c = 0; c < 2; ++c) {
      const double wz = c ? w[2] : 1.0 - w[2];
      if (wz == 0) continue;
      for (int b = 0; b < 2; ++b) {
        const double wy = b ? w[1] : 1.0 - w[1];
        if (wy == 0) continue;
        for (int a = 0; a < 2; ++a) {
          const double wx = a ? w[0] : 1.0 - w[0];
          if (wx == 0) continue;
          const float* p = u + 3 * fieldLinear(l[0] + a, l[1] + b, l[2] + c);
          const double weight = wx * wy * wz;
          d[0] += weight * double(p[0]);
          d[1] += weight * double(p[1]);
          d[2] += weight * double(p[2]);
        }
      }
    }
  }

  // The transpose at field buffer voxel (n0, n1, n2): the sum over image voxels x of weight(x, n) g(x),
  // with g 3 floats per image buffer voxel, in a fixed order (k, then j, then i). On a slab, readers
  // outside the image buffer are left out: complete for the field's own slices (coarseFieldMap checks),
  // partial in its halo, which the caller refreshes from the owners.
  FFDP_HD void restrictAt(const float* g, int64_t n0, int64_t n1, int64_t n2, double r[3]) const {
    const int64_t n2Whole = n2 + fieldFirstSlice;
    int64_t first[3], last[3];
    axis[0].readersOf(n0, first[0], last[0]);
    axis[1].readersOf(n1, first[1], last[1]);
    axis[2].readersOf(n2Whole, first[2], last[2]);
    if (first[2] < imageFirstSlice) first[2] = imageFirstSlice;
    if (last[2] > imageFirstSlice + imageBufferSlices - 1) last[2] = imageFirstSlice + imageBufferSlices - 1;
    r[0] = r[1] = r[2] = 0;
    for (int64_t k = first[2]; k <= last[2]; ++k) {
      const double wz = axis[2].weightOf(k, n2Whole);
      if (wz == 0) continue;
      for (int64_t j = first[1]; j <= last[1]; ++j) {
        const double wy = axis[1].weightOf(j, n1);
        if (wy == 0) continue;
        double row[3] = {0, 0, 0};
        for (int64_t i = first[0]; i <= last[0]; ++i) {
          const double wx = axis[0].weightOf(i, n0);
          if (wx == 0) continue;
          const float* p = g + 3 * imageLinear(i, j, k);
          row[0] += wx * double(p[0]);
          row[1] += wx * double(p[1]);
          row[2] += wx * double(p[2]);
        }
        const double w = wy * wz;
        r[0] += w * row[0];
        r[1] += w * row[1];
        r[2] += w * row[2];
      }
    }
  }
};

// The map from `image` voxels to the continuous index of `field`, grids with the same direction (a field
// grid made by Grid::shrunk), both whole or both slab buffers of one run; then the field buffer must hold
// every slice the image buffer's voxels read, and the image buffer every reader of the field's own slices.
// Throws ffdp::Error (Internal) otherwise: the engine only pairs grids it made, so a mismatch is a bug.
CoarseFieldMap coarseFieldMap(const Grid& image, const Grid& field);

// Slab buffers of one run split over `ranks`: the halo slices of the image buffer, on each side, that the
// restriction of any rank's own field slices reads (with nonzero weight). The same on every rank (it
// looks at every rank's slabs), so ranks can exchange exactly that many; 0 for whole grids.
int64_t restrictionHalo(const Grid& image, const Grid& field, int ranks);

}  // namespace ffdp
