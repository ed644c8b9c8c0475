// Slab cuts that give every rank the same work when z-slices cost unequal work. On a GPU an MI
// iteration costs less on a background voxel (Backend::miBackgroundVoxelCost), and the top and
// bottom of a head are mostly background: with equal slice counts the middle ranks work while the
// edge ranks wait for them in every reduction. The cuts are fractions of the z extent
// (dist/slab.hpp), so every pyramid level splits the head at the same heights.
#pragma once
#include <vector>

#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "dist/slab.hpp"

namespace ffdp {

// No rank's slab grows past this multiple of the equal share: a balanced layout must still fit
// where the memory plan (which assumes equal slabs) said an equal one fits, within 20 %.
constexpr double kMaxBalancedSlabGrowth = 1.2;

// The MI work of each z-slice of the whole grid of `image` (a slab or whole): the slice's voxels,
// each counted 1, or `backgroundCost` where its intensity is at most `background` (the top of MI's
// lowest bin). On a slab every rank gets the whole profile (one reduction).
std::vector<double> miSliceWork(Comm& comm, const Image& image, double background, double backgroundCost);

// Cuts for `ranks` ranks that split the summed work evenly (interpolating within a slice, so that a
// coarse profile places the cuts of a finer grid too), then drawn towards equal slabs as far as
// needed for no slab to exceed kMaxBalancedSlabGrowth times the equal share. Null when work is
// uniform, empty or when there is one rank.
SlabCuts balancedCuts(const std::vector<double>& sliceWork, int ranks);

}  // namespace ffdp
