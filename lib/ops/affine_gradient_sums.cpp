#include "ops/affine_gradient_sums.hpp"

namespace ffdp {

AffineGradient affineGradientFromIndexSums(const double* sums, const Grid& fixed, const Grid& moving, const Affine& A,
                                           double scale) {
  // x - c = Pf idx + (of - c), so sum g dI/dq_a (x - c)_b = sum_b' Pf[b][b'] s[a][b'] + (of - c)_b T[a].
  const Mat3 Pf = fixed.indexToPhysicalMatrix();
  const Vec3 shift = fixed.origin - A.c;
  double Gq[3][3];
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      double v = shift[b] * sums[9 + a];
      for (int bb = 0; bb < 3; ++bb) v += Pf[b][bb] * sums[3 * a + bb];
      Gq[a][b] = v;
    }
  // dI/dy_a = sum_a' (Pm^-1)[a'][a] dI/dq_a'.
  const Mat3 PmInv = moving.indexToPhysicalMatrix().inverse();
  AffineGradient g{};
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      double v = 0;
      for (int aa = 0; aa < 3; ++aa) v += PmInv[aa][a] * Gq[aa][b];
      g[3 * a + b] = scale * v;
    }
    double v = 0;
    for (int aa = 0; aa < 3; ++aa) v += PmInv[aa][a] * sums[9 + aa];
    g[9 + a] = scale * v;
  }
  return g;
}

}  // namespace ffdp
