// Turning a gradient into an update of a chosen physical size. The spec's step is "the largest
// displacement of any fixed-domain point per iteration"; since an affine's displacement is largest at
// a corner of the domain, the update is scaled until the farthest corner moves by exactly that much.
#pragma once
#include <vector>

#include "reg/linear_family.hpp"

namespace ffdp {

// The multiplier a for which updating by a * direction moves the farthest corner by `distance` mm,
// computed on the real update (exact for affine, iterated to 1e-12 for rotations). 0 when the
// direction does not move the corners.
double stepMultiplier(const LinearFamily& family, const std::vector<double>& direction, const Corners& corners,
                      double distance);

}  // namespace ffdp
