#include "ops/cpu/affine_chain_rule.hpp"

#include "ops/cpu/slice_reduce.hpp"

namespace ffdp::cpu {

AffineGradient AffineChainRule::finish(double scale, const Grid& fixed, const Grid& moving, const Affine& A,
                                       Comm& comm) const {
  const auto total = sumOwnedSlices(fixed, partials_);
  // The sums are against this buffer's local index, which differs between ranks' slabs, so each rank
  // converts its own part with its own grid (the conversion is linear in the sums) and the ranks
  // then add gradients: the same on every rank, and on a whole grid the plain conversion.
  AffineGradient g = affineGradientFromIndexSums(total.data(), fixed, moving, A, scale);
  acrossRanksSum(fixed, comm, g.data(), g.size());
  return g;
}

}  // namespace ffdp::cpu
