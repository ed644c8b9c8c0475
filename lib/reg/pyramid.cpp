#include "reg/pyramid.hpp"

#include <algorithm>
#include <limits>

#include "dist/slab.hpp"

namespace ffdp {

std::array<int, 3> axisShrink(const Grid& grid, int shrink) {
  std::array<int, 3> s{};
  for (size_t d = 0; d < 3; ++d)
    s[d] = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(shrink, grid.size[d])));
  return s;
}

Vec3 sigmaInVoxels(const Grid& grid, double sigma, SigmaUnit unit) {
  if (unit == SigmaUnit::Voxels) return {sigma, sigma, sigma};
  return {sigma / grid.spacing[0], sigma / grid.spacing[1], sigma / grid.spacing[2]};
}

namespace {

// A non-owning pointer to an input that the caller keeps alive (full resolution, no smoothing).
template <class T>
std::shared_ptr<const T> borrowed(const T* p) {
  return std::shared_ptr<const T>(std::shared_ptr<const T>(), p);
}

bool isIdentityLevel(const std::array<int, 3>& shrink, const Vec3& sigma) {
  return shrink == std::array<int, 3>{1, 1, 1} && sigma[0] == 0 && sigma[1] == 0 && sigma[2] == 0;
}

}  // namespace

Pyramid::Pyramid(Backend& backend, const Comm& comm, const Image& fixed, const Image& moving, const Mask* fixedMask,
                 const Mask* movingMask, const std::vector<StageSpec>& stages)
    : backend_(backend), comm_(comm), fixed_(fixed), moving_(moving), fixedMask_(fixedMask), movingMask_(movingMask) {
  for (const StageSpec& st : stages)
    for (size_t l = 0; l < st.iterations.size() && l < st.shrinkFactors.size() && l < st.smoothingSigmas.size(); ++l)
      if (st.iterations[l] > 0) ++usesLeft_[key(st.shrinkFactors[l], st.smoothingSigmas[l], st.sigmaUnit)];
}

std::shared_ptr<const PyramidLevel> Pyramid::build(int shrink, double sigma, SigmaUnit unit) {
  auto level = std::make_shared<PyramidLevel>();
  level->fixedShrink = axisShrink(wholeGridOf(fixed_.grid), shrink);
  level->fixedSigmaVoxels = sigmaInVoxels(fixed_.grid, sigma, unit);
  // A sharded moving image is laid out like the fixed: its levels are slabs of its shrunk whole grid.
  const std::array<int, 3> movingShrink = axisShrink(wholeGridOf(moving_.grid), shrink);
  const Vec3 movingSigma = sigmaInVoxels(moving_.grid, sigma, unit);

  const Grid fixedGrid = shrunkGrid(fixed_.grid, level->fixedShrink, comm_.size(), comm_.rank());
  const Grid movingGrid = shrunkGrid(moving_.grid, movingShrink, comm_.size(), comm_.rank());
  // The moving mask stays whole (replicated, one byte a voxel) even when the image is sharded; the slab
  // decorator cuts it to each window.
  const Grid movingMaskGrid = wholeGridOf(movingGrid);
  level->fixed = isIdentityLevel(level->fixedShrink, level->fixedSigmaVoxels)
                     ? borrowed(&fixed_)
                     : std::make_shared<const Image>(backend_.smoothAndResample(fixed_, level->fixedSigmaVoxels, fixedGrid));
  level->moving = isIdentityLevel(movingShrink, movingSigma)
                      ? borrowed(&moving_)
                      : std::make_shared<const Image>(backend_.smoothAndResample(moving_, movingSigma, movingGrid));
  if (fixedMask_)
    level->fixedMask = level->fixedShrink == std::array<int, 3>{1, 1, 1}
                           ? borrowed(fixedMask_)
                           : std::make_shared<const Mask>(backend_.resampleMask(*fixedMask_, fixedGrid));
  if (movingMask_)
    level->movingMask = movingShrink == std::array<int, 3>{1, 1, 1}
                            ? borrowed(movingMask_)
                            : std::make_shared<const Mask>(backend_.resampleMask(*movingMask_, movingMaskGrid));
  return level;
}

std::shared_ptr<const PyramidLevel> Pyramid::acquire(int shrink, double sigma, SigmaUnit unit) {
  const Key k = key(shrink, sigma, unit);
  auto it = cache_.find(k);
  if (it != cache_.end()) return it->second;
  auto level = build(shrink, sigma, unit);
  cache_[k] = level;
  return level;
}

void Pyramid::release(int shrink, double sigma, SigmaUnit unit) {
  const Key k = key(shrink, sigma, unit);
  auto uses = usesLeft_.find(k);
  if (uses == usesLeft_.end() || --uses->second <= 0) cache_.erase(k);
}

LevelReport skippedLevel(int level, const Grid& fixedGrid, const StageSpec& stage, size_t l) {
  LevelReport r;
  r.level = level;
  r.shrink = axisShrink(fixedGrid, stage.shrinkFactors[l]);
  const Vec3 sigma = sigmaInVoxels(fixedGrid, stage.smoothingSigmas[l], stage.sigmaUnit);
  r.sigmaVoxels = std::max({sigma[0], sigma[1], sigma[2]});
  r.size = fixedGrid.shrunk(r.shrink).size;
  r.firstMetric = r.lastMetric = std::numeric_limits<double>::quiet_NaN();
  return r;
}

}  // namespace ffdp
