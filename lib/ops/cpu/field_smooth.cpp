// Gaussian smoothing of a displacement field, component by component, with the image smoothing's
// kernel (separable_gaussian.hpp): the greedy step smooths its gradient and its field with it.
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/separable_gaussian.hpp"

namespace ffdp::cpu {

void smoothField(Field& u, const Vec3& sigmaVoxels) { smoothSeparableInPlace(u, sigmaVoxels); }

}  // namespace ffdp::cpu
