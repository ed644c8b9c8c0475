// The sharded moving image as the compute backend sees it: before an operation samples a moving image
// that is a rank's slab buffer (the moving image split into z-slabs when it is too large to replicate,
// or a fixed-grid slab sampled as the "moving" side, as SyN does), the slab decorator asks this cache
// for a window: the moving slices that this rank's samples read (ops/moving_window.hpp), fetched from
// the ranks that own them (dist/slice_fetch.hpp) into a plain whole grid whose origin sits at the
// window's first slice. Sampling the window gives what sampling the whole image would: every slice a
// sample reads is in it, and the window never ends inside the image where a sample could fall.
//
// Caching: a window is fetched with kSpareSlices more on each side than needed and reused until the
// needed range leaves it, so an iteration whose transform moves a little fetches nothing. A window
// belongs to one source volume: its identity (object address and buffer), its grid and the cache's
// generation, which the decorator advances whenever it builds pyramid levels; outputs of the decorator
// that reuse a cached source's buffer drop that window, so a freed volume's successor at the same
// address is never served the old window.
//
// Collective: every rank calls prepare() for the same operation; whether to fetch is agreed by a
// reduction (any rank's miss makes a fetch round, in which ranks that still hold a good window fetch
// nothing but serve the others). A moving mask that is whole (masks are replicated, one byte a voxel)
// is cut to the window locally; one that is a slab buffer is fetched with the image.
//
// The whole image's intensity range (MI bins, CC's flat threshold) is reduced over the ranks' own
// slices at each fetch round and registered for the window (ops/whole_intensity_range.hpp).
//
// Device backends: the window is built on the host (a device-only source is copied to the host once per
// source volume) and handed to the backend, which uploads it at first use and keeps the upload with the
// window (Volume::device).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/affine.hpp"
#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "ops/backend.hpp"
#include "ops/whole_intensity_range.hpp"

namespace ffdp {

struct MovingWindowStats {
  int64_t fetchRounds = 0;    // collective fetch rounds (the same count on every rank)
  int64_t windowsFetched = 0; // windows this rank fetched
  int64_t refetches = 0;      // of those, for a source it already had a window of (its needed range moved)
  double bytesReceived = 0;   // from other ranks
};

class MovingWindowCache {
 public:
  static constexpr int64_t kSpareSlices = 8;
  static constexpr size_t kMaxWindows = 4;  // SyN samples two images per iteration; outputs one more

  // `inner` copies device-only sources to the host (toHost); both must outlive the cache.
  MovingWindowCache(Backend& inner, Comm& comm, int64_t spareSlices = kSpareSlices);
  ~MovingWindowCache();
  MovingWindowCache(const MovingWindowCache&) = delete;
  MovingWindowCache& operator=(const MovingWindowCache&) = delete;

  struct Sampled {
    const Image* image;  // the moving image itself when it is whole, else the window
    const Mask* mask;    // the moving mask on that image's grid (null when none)
  };
  // What to sample for moving(A(x + u(x))) at every voxel x of `target`, |u| <= maxDisplacementMm. A
  // whole moving image is returned as it is, without communication; a slab is windowed (collective).
  // The result stays valid until the next call.
  Sampled prepare(const Image& moving, const Mask* movingMask, const Grid& target, const Affine& A,
                  double maxDisplacementMm);

  // The decorator produced `v` (a new volume): a window of a source whose buffer `v` now occupies is dropped.
  void forgetProduced(const Image& v);
  void forgetProduced(const Mask& v);
  // Volumes may have been freed and rebuilt (pyramid levels): no earlier window is served again.
  void newGeneration() { ++generation_; }

  const MovingWindowStats& stats() const { return stats_; }

 private:
  struct Identity {
    const void* object = nullptr;
    const void* buffer = nullptr;  // host values, or the device block of a device-only volume
    bool operator==(const Identity& o) const { return object == o.object && buffer == o.buffer; }
  };
  template <class T>
  static Identity identityOf(const Volume<T>& v) {
    return {&v, v.onHost() ? static_cast<const void*>(v.data.data()) : static_cast<const void*>(v.device.get())};
  }
  struct Window;

  Window* find(const Image& moving);
  Window& fetchRound(const Image& moving, const Mask* movingMask, const SliceRange& need, bool miss, Window* held);
  Window& newWindow();
  void cutMask(Window& w, const Mask& wholeMask);

  Backend& inner_;
  Comm& comm_;
  int64_t spare_;
  uint64_t generation_ = 0;
  uint64_t clock_ = 0;
  std::vector<std::unique_ptr<Window>> windows_;
  MovingWindowStats stats_;
};

}  // namespace ffdp
