#include "ops/mutual_information_table.hpp"

#include <cmath>
#include <cstddef>

namespace ffdp {

MutualInformationTable mutualInformationTable(const double* H, int B, double N) {
  const size_t BB = size_t(B) * size_t(B);
  std::vector<double> p(BB), pf(size_t(B), 0.0), pm(size_t(B), 0.0);
  for (size_t n = 0; n < BB; ++n) p[n] = H[n] / N;
  for (int a = 0; a < B; ++a)
    for (int b = 0; b < B; ++b) {
      pf[size_t(a)] += p[size_t(a) * B + b];
      pm[size_t(b)] += p[size_t(a) * B + b];
    }
  MutualInformationTable t;
  t.logRatio.assign(BB, 0.0);
  double mi = 0;
  for (int a = 0; a < B; ++a)
    for (int b = 0; b < B; ++b) {
      const double pab = p[size_t(a) * B + b];
      if (pab <= 0) continue;
      mi += pab * std::log(pab / (pf[size_t(a)] * pm[size_t(b)]));
      t.logRatio[size_t(a) * B + b] = std::log(pab / pm[size_t(b)]);
    }
  t.value = -mi;
  return t;
}

}  // namespace ffdp
