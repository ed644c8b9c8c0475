// `eval transform` for lists that hold displacement fields: the distance between the points two
// transform chains reach from each reference voxel (no single rotation exists, so none is reported).
#pragma once
#include "eval/transform_chain.hpp"
#include "eval/transform_difference.hpp"

namespace ffdp {

// Mean and max |a(x) - b(x)| over the voxel centres of `grid` inside `mask` (all when null);
// rotationDeg is NaN: a chain with a field has no one rotation.
TransformDifference chainDifference(const TransformChain& a, const TransformChain& b, const Grid& grid,
                                    const Mask* mask);

}  // namespace ffdp
