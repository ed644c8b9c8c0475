// Host side of the metric chain rules (metric_chain_rule.hpp).
#include "metric_chain_rule.hpp"
#include "warp_sampler.cuh"

namespace ffdp::cuda {

FieldGradientWriter makeFieldGradientWriter(float* out, const Grid& moving, const Affine& A, double scale) {
  const Mat3 Kt = displacementToMovingIndexMatrix(moving, A).transposed();
  FieldGradientWriter w;
  w.out = out;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) w.S[a][b] = scale * Kt.m[a][b];
  return w;
}

}  // namespace ffdp::cuda
