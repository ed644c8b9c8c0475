// antsApplyTransforms' -t arguments: "file" or "[file,1]" (inverse), listed in ANTs order (the first
// listed acts first on a reference point). A file is an affine (.mat, .txt, .tfm: any ITK linear
// transform) or a displacement field (.nii, .nii.gz, .nrrd, .mha: an ITK vector image in LPS mm).
#pragma once
#include <string>
#include <vector>

#include "core/affine.hpp"
#include "eval/transform_chain.hpp"
#include "ops/backend.hpp"

namespace ffdp::cli {

struct TransformRef {
  std::string path;
  bool invert = false;
  bool isField = false;  // chosen by the file's extension
};

// Parses "file", "[file]", "[file,0]" or "[file,1]"; throws a usage error naming the argument, also
// for "[field,1]" (a displacement field has no closed-form inverse: its inverse is its own file).
TransformRef parseTransformRef(const std::string& argument);

// Reads every file of the list (inverting affines marked [file,1]) into a chain in ANTs order.
TransformChain readTransformChain(const std::vector<std::string>& arguments);

// The single affine of a chain without fields (identity for an empty chain), centred at `centre`.
Affine composeAffines(const TransformChain& chain, const Vec3& centre);

// input(chain(x)) for every voxel x of `reference`, as one Backend resampling call (what apply and
// the registration's output images both do).
Image resampleThroughChain(Backend& backend, const Image& input, const Grid& reference, const TransformChain& chain,
                           Interpolation interp, float outside);

}  // namespace ffdp::cli
