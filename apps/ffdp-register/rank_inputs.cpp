#include "rank_inputs.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/error.hpp"
#include "dist/slab.hpp"
#include "dist/slab_volume.hpp"
#include "dist/slice_fetch.hpp"
#include "io/image_io.hpp"
#include "io/slab_read.hpp"
#include "reg/balanced_slabs.hpp"

namespace ffdp::cli {
namespace {

// Fewer voxels than this along an axis leave no room for a pyramid, a gradient or a CC window
// (a 2-D slice stored as 3-D is the usual case).
constexpr int64_t kMinimumAxisVoxels = 4;

void requireRegistrableSize(const Grid& grid, const std::string& path) {
  for (int d = 0; d < 3; ++d)
    if (grid.size[d] < kMinimumAxisVoxels)
      fail(ExitCode::Input, path + ": " + std::to_string(grid.size[d]) + " voxel(s) along axis " + std::to_string(d) +
                                "; registration needs at least " + std::to_string(kMinimumAxisVoxels) +
                                " along every axis");
}

// Rejects what cannot be registered (too thin, all-NaN, constant); NaN/Inf voxels become 0.
void requireUsable(Image& image, const std::string& path, Comm& comm) {
  const int64_t replaced = requireUsableIntensities(image, path, comm);
  if (replaced > 0 && comm.rank() == 0) spdlog::warn("{}: {} non-finite voxels set to 0", path, replaced);
}

Image readWhole(const std::string& path, Comm& comm) {
  LoadedImage loaded = readImage(path);
  requireRegistrableSize(loaded.image.grid, path);
  requireUsable(loaded.image, path, comm);
  return std::move(loaded.image);
}

// This rank's slab of `path` with `halo` slices on each side; `whole` receives the whole image's grid.
Image readSlab(const std::string& path, Comm& comm, int64_t halo, Grid& whole) {
  whole = readImageGrid(path);
  requireRegistrableSize(whole, path);
  const SlabLayout layout(whole, comm.size());
  LoadedImage slab = readImageSlab(path, layout.withHalo(comm.rank(), halo));
  slab.image.grid = layout.haloSlabGrid(comm.rank(), halo);  // the same voxels, with their placement
  requireUsable(slab.image, path, comm);
  return std::move(slab.image);
}

}  // namespace

RankInputs readRankInputs(const Spec& spec, Comm& comm, int64_t halo, MovingPlacement moving) {
  RankInputs in;
  if (comm.size() == 1) {
    in.fixed = readWhole(spec.fixed, comm);
    in.fixedWhole = in.fixed.grid;
  } else {
    in.fixed = readSlab(spec.fixed, comm, halo, in.fixedWhole);
  }
  // The moving slab keeps the fixed halo width: its pyramid smoothing widens it where it reaches further.
  in.movingPlacement = comm.size() > 1 ? moving : MovingPlacement::Replicated;
  if (in.movingPlacement == MovingPlacement::Sharded) {
    in.moving = readSlab(spec.moving, comm, halo, in.movingWhole);
  } else {
    in.moving = readWhole(spec.moving, comm);
    in.movingWhole = in.moving.grid;
  }
  if (!spec.fixedMask.empty()) {
    Mask mask = readMask(spec.fixedMask);
    // A mask on the fixed grid is cut like the image; one on another grid stays whole and is resampled.
    in.fixedMask = in.fixed.grid.isSlab() && mask.grid.sameAs(in.fixedWhole) ? cutSlab(mask, in.fixed.grid)
                                                                               : std::move(mask);
  }
  if (!spec.movingMask.empty()) in.movingMask = readMask(spec.movingMask);
  return in;
}

void balanceRankInputs(const Spec& spec, double miBackgroundVoxelCost, Comm& comm, RankInputs& in) {
  if (!in.fixed.grid.isSlab()) return;
  const SlabCuts cuts = slabCutsForRun(spec, in.fixed, miBackgroundVoxelCost, comm);
  if (!cuts) return;
  in.fixed = relaidOut(comm, in.fixed, cuts);
  if (in.fixedMask && in.fixedMask->grid.isSlab()) in.fixedMask = relaidOut(comm, *in.fixedMask, cuts);
  spdlog::info("fixed slabs balanced by MI work: {}", describeSlabs(SlabLayout::of(in.fixed.grid, comm.size())));
}

}  // namespace ffdp::cli
