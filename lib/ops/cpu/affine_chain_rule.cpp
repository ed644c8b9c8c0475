#include "ops/cpu/affine_chain_rule.hpp"

#include "dist/slab.hpp"
#include "ops/cpu/slice_reduce.hpp"

namespace ffdp::cpu {

AffineGradient AffineChainRule::finish(double scale, const Grid& fixed, const Grid& moving, const Affine& A,
                                       Comm& comm) const {
  const std::vector<double> total = sumSlicesInWholeOrder(fixed, comm, partials_.data(), kIndexGradientSums);
  return affineGradientFromIndexSums(total.data(), wholeGridOf(fixed), moving, A, scale);
}

}  // namespace ffdp::cpu
