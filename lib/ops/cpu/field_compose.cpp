// r(x) = g(x) + u(x + g(x)): the map x + r is "first x + g, then x + u". Both fields share one
// grid, so the physical point x + g(x) is the continuous index idx + (D diag s)^-1 g(x) of u,
// which needs no origin arithmetic and is exact for g = 0.
//
// Float arithmetic (field_sampling.hpp: composeSteps): the step and u's 8 corners
// are read and blended in float, relative to the voxel, so a step keeps float precision
// (about 1e-7 of its length); r = g + u(...) is one float add. compose tests bound the error
// against a double evaluation at 1e-5 mm.
#include "core/error.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/field_sampling.hpp"

namespace ffdp::cpu {
namespace {

// out(x) = a g(x) + u(x + a g(x)); `out` may be g's memory.
void composeVoxels(const Field& u, const float* g, float a, float* out) {
  const Lanes4 scale{a, a, a, a};
  composeSteps(
      u,
      [g, scale](int64_t n, bool lastInRow) {
        const float* p = g + 3 * n;
        return scale * (lastInRow ? load3(p) : load4(p));  // a*g rounded as scaleField would
      },
      out);
}

}  // namespace

Field composeFields(const Field& u, const Field& g) {
  if (!u.grid.sameAs(g.grid)) fail(ExitCode::Internal, "composeFields: the two fields are not on one grid");
  if (u.voxels() == 0) fail(ExitCode::Internal, "composeFields: the fields are empty");
  Field r = allocateField(g.grid);
  composeVoxels(u, reinterpret_cast<const float*>(g.data.data()), 1.0f, reinterpret_cast<float*>(r.data.data()));
  return r;
}

}  // namespace ffdp::cpu
