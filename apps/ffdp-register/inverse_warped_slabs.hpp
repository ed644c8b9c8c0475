// The inverse-warped image of a multi-rank run by slab of the moving grid, never gathered. It is the
// fixed image on the moving grid read through the inverse affine and then the inverse field (what
// antsApplyTransforms gives for -t [P0GenericAffine.mat,1] -t P1InverseWarp.nii.gz). Each rank
// resamples the moving slices it owns (equal cuts of the moving grid) and fetches from their owners only
// the slices of the inverse field and of the fixed image that its points read (dist/slice_fetch.hpp).
// Every position goes through the whole grids' origins with exact slice shifts (the windows are placed
// as slabs of their whole grids, Grid::slab), so the slabs hold what one process computes, bit for bit.
#pragma once
#include "core/grid.hpp"
#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "reg/registration.hpp"

namespace ffdp::cli {

// `fixed`: this rank's fixed slab buffer; `result`: its fields as slab buffers on the host. Every rank
// calls it together. Returns this rank's slab of the moving grid (no halo), on the host.
Image inverseWarpedSlab(const Image& fixed, const Grid& movingWhole, const RegistrationResult& result, Comm& comm);

}  // namespace ffdp::cli
