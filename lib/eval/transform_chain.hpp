// A list of transforms in ANTs order (antsApplyTransforms -t ... -t ...): the first listed acts first
// on a reference point, so [B, A] maps x to A(B(x)). Each step is an affine or a displacement field
// (x -> x + u(x), u sampled as the Backend samples it: trilinear, edge value beyond the centres).
// Evaluated point by point on the CPU: apply and eval use it once per run, not inside an iteration.
#pragma once
#include <memory>
#include <vector>

#include "core/affine.hpp"
#include "core/field.hpp"
#include "core/volume.hpp"

namespace ffdp {

struct ChainStep {
  std::shared_ptr<const Field> field;  // set for a displacement field
  Affine affine;                       // used when field is null
  bool isField() const { return field != nullptr; }
};
using TransformChain = std::vector<ChainStep>;

bool hasFields(const TransformChain& chain);

// The point x after every step of the chain.
Vec3 mapPoint(const TransformChain& chain, const Vec3& x);

// p(x) - x at every voxel of `grid`: the whole chain as one displacement field on that grid, so that
// resampleWarp(moving, identity, field) applies it. Voxels whose mapped point is not finite get NaN.
// A slab grid's voxels are placed through the whole grid's origin (Grid::slab), as the whole grid
// places them.
Field chainDisplacement(const TransformChain& chain, const Grid& grid);

}  // namespace ffdp
