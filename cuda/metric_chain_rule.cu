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

std::array<double, 12> affineGradientFromSums(const double* sums, const Grid& fixed, const Grid& moving,
                                              const Affine& A, double scale) {
  // With x - c = Pf idx + (of - c):  sum g dw/dq_a (x - c)_b = sum_b' Pf[b][b'] s[a][b'] + (of - c)_b s[9 + a].
  const Mat3 Pf = fixed.indexToPhysicalMatrix();
  const Vec3 shift = fixed.origin - A.c;
  double Gq[3][3];
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      double v = shift[b] * sums[9 + a];
      for (int bb = 0; bb < 3; ++bb) v += Pf.m[b][bb] * sums[3 * a + bb];
      Gq[a][b] = v;
    }
  // dw/dy = Pm^-T dw/dq, with y = A(x) the moving-space point.
  const Mat3 PmInv = moving.indexToPhysicalMatrix().inverse();
  std::array<double, 12> g{};
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      double v = 0;
      for (int aa = 0; aa < 3; ++aa) v += PmInv.m[aa][a] * Gq[aa][b];
      g[size_t(3 * a + b)] = scale * v;
    }
    double v = 0;
    for (int aa = 0; aa < 3; ++aa) v += PmInv.m[aa][a] * sums[9 + aa];
    g[size_t(9 + a)] = scale * v;
  }
  return g;
}

}  // namespace ffdp::cuda
