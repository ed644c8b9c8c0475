#include "ops/moving_window_cache.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "dist/slab.hpp"
#include "dist/slice_fetch.hpp"
#include "ops/moving_window.hpp"

namespace ffdp {

struct MovingWindowCache::Window {
  Identity source;
  Grid sourceGrid;
  uint64_t generation = 0;
  uint64_t lastUse = 0;
  std::unique_ptr<Image> hostSource;  // the source's values on the host, when it lives only on a device
  std::unique_ptr<Mask> hostMask;     // the same for a slab moving mask
  SliceRange slices;                  // whole-grid slices the window holds
  std::unique_ptr<Image> image;       // by pointer: the range registration is keyed on its address
  std::unique_ptr<WholeRangeRegistration> range;
  Identity maskSource;                // the moving mask `mask` was made from (none: null object)
  Grid maskGrid;
  std::unique_ptr<Mask> mask;
};

namespace {

bool holds(const SliceRange& held, const SliceRange& need) { return need.begin >= held.begin && need.end <= held.end; }

// Min and max over this rank's own slices (host values), reduced over the ranks: the whole image's
// range, exactly what cpu::intensityRange gives for the whole image (min/max do not depend on order).
KnownIntensityRange wholeRange(const Image& slab, Comm& comm) {
  const int64_t plane = slab.grid.size[0] * slab.grid.size[1];
  double extremes[2] = {-std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (int64_t n = slab.grid.ownedBegin() * plane; n < slab.grid.ownedEnd() * plane; ++n) {
    const double v = double(slab.data[size_t(n)]);
    extremes[0] = std::max(extremes[0], -v);  // -min, so one max reduction serves both
    extremes[1] = std::max(extremes[1], v);
  }
  comm.allreduceMax(extremes, 2);
  return {-extremes[0], extremes[1]};
}

// Host values of `v`: itself, or a host copy kept in `holder` (made once per source).
template <class T>
const Volume<T>& onHost(const Volume<T>& v, std::unique_ptr<Volume<T>>& holder, Backend& inner) {
  if (v.onHost()) return v;
  if (!holder) {
    auto copy = std::make_unique<Volume<T>>(v);
    if constexpr (std::is_same<T, float>::value) {
      inner.toHost(*copy);
    } else {
      fail(ExitCode::Internal, "moving window: a slab mask without host values");
    }
    holder = std::move(copy);
  }
  return *holder;
}

}  // namespace

MovingWindowCache::MovingWindowCache(Backend& inner, Comm& comm, int64_t spareSlices)
    : inner_(inner), comm_(comm), spare_(std::max<int64_t>(0, spareSlices)) {}

MovingWindowCache::~MovingWindowCache() = default;

MovingWindowCache::Window* MovingWindowCache::find(const Image& moving) {
  const Identity id = identityOf(moving);
  for (auto& w : windows_)
    if (w->generation == generation_ && w->source == id && w->sourceGrid.sameAs(moving.grid, 0.0)) return w.get();
  return nullptr;
}

MovingWindowCache::Window& MovingWindowCache::newWindow() {
  if (windows_.size() >= kMaxWindows) {
    auto oldest = std::min_element(windows_.begin(), windows_.end(),
                                   [](const auto& a, const auto& b) { return a->lastUse < b->lastUse; });
    windows_.erase(oldest);
  }
  windows_.push_back(std::make_unique<Window>());
  return *windows_.back();
}

MovingWindowCache::Sampled MovingWindowCache::prepare(const Image& moving, const Mask* movingMask, const Grid& target,
                                                      const Affine& A, double maxDisplacementMm) {
  if (!moving.grid.isSlab()) return {&moving, movingMask};
  const Grid whole = wholeGridOf(moving.grid);
  const bool maskIsSlab = movingMask && movingMask->grid.isSlab();
  if (movingMask && !(maskIsSlab ? movingMask->grid.sameAs(moving.grid) : movingMask->grid.sameAs(whole)))
    fail(ExitCode::Internal, "moving window: the moving mask lies neither on the moving slab nor on its whole grid");
  const SliceRange need = movingSlicesRead(target, whole, A, maxDisplacementMm);
  Window* held = find(moving);
  const bool maskCurrent = !maskIsSlab || (held && held->mask && held->maskSource == identityOf(*movingMask) &&
                                           held->maskGrid.sameAs(movingMask->grid, 0.0));
  const bool miss = !held || !holds(held->slices, need) || !maskCurrent;
  double anyMiss = miss ? 1.0 : 0.0;
  comm_.allreduceMax(&anyMiss, 1);
  Window& w = anyMiss > 0 ? fetchRound(moving, movingMask, need, miss, held) : *held;
  w.lastUse = ++clock_;
  if (movingMask && !maskIsSlab) cutMask(w, *movingMask);
  return {w.image.get(), movingMask ? w.mask.get() : nullptr};
}

MovingWindowCache::Window& MovingWindowCache::fetchRound(const Image& moving, const Mask* movingMask,
                                                          const SliceRange& need, bool miss, Window* held) {
  ++stats_.fetchRounds;
  Window& w = held ? *held : newWindow();
  if (!held) {
    w.source = identityOf(moving);
    w.sourceGrid = moving.grid;
    w.generation = generation_;
  }
  // Every rank serves the slices it owns, so every rank needs host values, window or not.
  const Image& source = onHost(moving, w.hostSource, inner_);
  const bool maskIsSlab = movingMask && movingMask->grid.isSlab();
  const Mask* maskSource = maskIsSlab ? &onHost(*movingMask, w.hostMask, inner_) : nullptr;
  const KnownIntensityRange range = wholeRange(source, comm_);

  const SliceRange want = miss ? widenedRange(need, spare_, wholeGridOf(moving.grid).size[2]) : SliceRange{};
  std::size_t bytes = 0, maskBytes = 0;
  Image fetched = fetchSlices(comm_, source, want, &bytes);
  Mask fetchedMask;
  if (maskSource) fetchedMask = fetchSlices(comm_, *maskSource, want, &maskBytes);
  stats_.bytesReceived += double(bytes + maskBytes);
  if (!miss) return w;

  ++stats_.windowsFetched;
  if (w.image) ++stats_.refetches;
  w.range.reset();  // unregister before the old window is freed (a new one may reuse its address)
  w.image = std::make_unique<Image>(std::move(fetched));
  w.range = std::make_unique<WholeRangeRegistration>(*w.image, range);
  w.slices = want;
  w.mask.reset();
  w.maskSource = Identity{};
  if (maskSource) {
    w.mask = std::make_unique<Mask>(std::move(fetchedMask));
    w.maskSource = identityOf(*movingMask);
    w.maskGrid = movingMask->grid;
  }
  return w;
}

// A whole (replicated) moving mask: the window's slices, cut locally and kept while mask and window last.
void MovingWindowCache::cutMask(Window& w, const Mask& wholeMask) {
  const Identity id = identityOf(wholeMask);
  if (w.mask && w.maskSource == id && w.maskGrid.sameAs(wholeMask.grid, 0.0) && w.mask->grid.sameAs(w.image->grid, 0.0))
    return;
  if (!wholeMask.onHost()) fail(ExitCode::Internal, "moving window: the moving mask has no host values");
  auto cut = std::make_unique<Mask>(w.image->grid);
  const int64_t plane = wholeMask.grid.size[0] * wholeMask.grid.size[1];
  std::copy_n(wholeMask.data.begin() + w.slices.begin * plane, cut->voxels(), cut->data.begin());
  w.mask = std::move(cut);
  w.maskSource = id;
  w.maskGrid = wholeMask.grid;
}

void MovingWindowCache::forgetProduced(const Image& v) {
  const Identity id = identityOf(v);
  if (!id.buffer) return;
  windows_.erase(std::remove_if(windows_.begin(), windows_.end(), [&](const auto& w) { return w->source.buffer == id.buffer; }),
                 windows_.end());
}

void MovingWindowCache::forgetProduced(const Mask& v) {
  const Identity id = identityOf(v);
  if (!id.buffer) return;
  // A window whose mask was fetched from that buffer is fetched again; a cut of a whole mask is redone.
  windows_.erase(std::remove_if(windows_.begin(), windows_.end(),
                                [&](const auto& w) { return w->maskSource.buffer == id.buffer && w->maskGrid.isSlab(); }),
                 windows_.end());
  for (auto& w : windows_)
    if (w->maskSource.buffer == id.buffer) {
      w->mask.reset();
      w->maskSource = Identity{};
    }
}

}  // namespace ffdp
