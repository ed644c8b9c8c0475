// allocateField (field_ops.hpp): a zero field whose memory the kernel backs with 2 MB pages where
// it offers them on request (Linux transparent huge pages in "madvise" mode). A brain-sized field
// is 66 MB; touching it page by page costs 16 000 page faults, about 30 ms on our machines, more
// than the composition that fills it; with 2 MB pages the allocation takes about 8 ms.
#include <cstdint>

#include "ops/cpu/field_ops.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ffdp::cpu {

Field allocateField(const Grid& grid) {
  Field f;
  f.grid = grid;
  f.data.reserve(size_t(grid.voxels()));  // not touched yet
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHugePage = uintptr_t(1) << 21;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(f.data.data());
  const uintptr_t end = begin + size_t(grid.voxels()) * sizeof(Vec3f);
  const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1), last = end & ~(kHugePage - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);  // a hint; failure is harmless
#endif
  f.data.resize(size_t(grid.voxels()));
  return f;
}

}  // namespace ffdp::cpu
