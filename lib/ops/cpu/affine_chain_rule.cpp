#include "ops/cpu/affine_chain_rule.hpp"

#include "ops/cpu/slice_reduce.hpp"

namespace ffdp::cpu {

AffineGradient AffineChainRule::finish(double scale, const Grid& fixed, const Grid& moving, const Affine& A,
                                       Comm& comm) const {
  auto total = sumInSliceOrder(partials_);
  comm.allreduceSum(total.data(), total.size());
  return affineGradientFromIndexSums(total.data(), fixed, moving, A, scale);
}

}  // namespace ffdp::cpu
