// antsApplyTransforms' -t arguments: "file" or "[file,1]" (inverse), listed in ANTs order.
#pragma once
#include <string>
#include <vector>

#include "core/affine.hpp"

namespace ffdp::cli {

struct TransformRef {
  std::string path;
  bool invert = false;
};

// Parses "file", "[file]", "[file,0]" or "[file,1]"; throws a usage error naming the argument.
TransformRef parseTransformRef(const std::string& argument);

// The fixed-to-moving point map of a transform list in ANTs order: the first listed is applied to the
// point first (so "-t B -t A" gives y = A(B(x))). Affine transforms only in this version.
Affine composeTransformList(const std::vector<std::string>& arguments, const Vec3& centre);

}  // namespace ffdp::cli
