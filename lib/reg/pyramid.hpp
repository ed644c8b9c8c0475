// Pyramid levels of the fixed and moving images (and their masks), shared across stages: a level is
// built the first time a (shrink, sigma) pair is asked for and dropped after the last stage that uses
// it, so a rigid + affine pair with the same schedule smooths and resamples each image once.
#pragma once
#include <array>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "ops/backend.hpp"
#include "reg/registration.hpp"
#include "spec/spec.hpp"

namespace ffdp {

struct PyramidLevel {
  std::shared_ptr<const Image> fixed, moving;
  std::shared_ptr<const Mask> fixedMask, movingMask;  // null when absent
  std::array<int, 3> fixedShrink{1, 1, 1};
  Vec3 fixedSigmaVoxels{0, 0, 0};
};

// The shrink factor per axis: ANTs applies the same factor to every axis; an axis shorter than the
// factor keeps one voxel (the factor is capped at the axis length so the report says what happened).
std::array<int, 3> axisShrink(const Grid& grid, int shrink);
// Smoothing sigma in voxels of `grid` per axis (mm are divided by each axis's spacing).
Vec3 sigmaInVoxels(const Grid& grid, double sigma, SigmaUnit unit);
// The report of level l (0-based; `level` is its 1-based number) of a stage that ran no iteration there:
// its schedule, and NaN metrics (written as null).
LevelReport skippedLevel(int level, const Grid& fixedGrid, const StageSpec& stage, size_t l);

class Pyramid {
 public:
  // Inputs must outlive the pyramid; masks already lie on their images' grids. Counts which levels
  // each stage will use (levels with 0 iterations are never built).
  // In a multi-rank run the fixed image and mask are this rank's slab buffers, and so is every level
  // built from them (a slab of the shrunk whole grid with the same halo width). A sharded moving image
  // (a slab buffer too) gives slab levels the same way; the moving mask is whole on every rank.
  Pyramid(Backend& backend, const Comm& comm, const Image& fixed, const Image& moving, const Mask* fixedMask,
          const Mask* movingMask, const std::vector<StageSpec>& stages);

  // The level for (shrink, sigma): from the cache or built now.
  std::shared_ptr<const PyramidLevel> acquire(int shrink, double sigma, SigmaUnit unit);
  // One use is over; the level is dropped after its last use.
  void release(int shrink, double sigma, SigmaUnit unit);

 private:
  using Key = std::tuple<int, double, int>;
  static Key key(int shrink, double sigma, SigmaUnit unit) { return {shrink, sigma, static_cast<int>(unit)}; }
  std::shared_ptr<const PyramidLevel> build(int shrink, double sigma, SigmaUnit unit);

  Backend& backend_;
  const Comm& comm_;
  const Image& fixed_;
  const Image& moving_;
  const Mask* fixedMask_;
  const Mask* movingMask_;
  std::map<Key, int> usesLeft_;
  std::map<Key, std::shared_ptr<const PyramidLevel>> cache_;
};

}  // namespace ffdp
