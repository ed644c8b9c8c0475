#include "recovery_error.hpp"

#include <algorithm>
#include <cmath>

#include "dist/slab.hpp"

namespace ffdp::bench {

RecoveryError recoveryError(Backend& backend, Comm& comm, const Image& fixed, const RegistrationResult& result,
                            const KnownDeformation& t, int subsample) {
  const Grid coarse = shrunkGrid(fixed.grid, {subsample, subsample, subsample}, comm.size(), comm.rank());
  Image intensity = backend.smoothAndResample(fixed, {0, 0, 0}, coarse);
  backend.toHost(intensity);
  Field u(coarse, Vec3f{0, 0, 0});
  if (result.warp) {
    u = backend.resampleField(*result.warp, coarse);
    backend.toHost(u);
  }
  const auto owned = [&](auto&& visit) {
    for (int64_t k = coarse.ownedBegin(); k < coarse.ownedEnd(); ++k)
      for (int64_t j = 0; j < coarse.size[1]; ++j)
        for (int64_t i = 0; i < coarse.size[0]; ++i) visit(i, j, k);
  };
  double peak = 0;
  owned([&](int64_t i, int64_t j, int64_t k) { peak = std::max(peak, double(intensity.at(i, j, k))); });
  comm.allreduceMax(&peak, 1);

  double sums[4] = {0, 0, 0, 0};  // count, sum |e|, sum |e|^2, sum |t|
  double worst = 0;
  owned([&](int64_t i, int64_t j, int64_t k) {
    if (!(intensity.at(i, j, k) > 0.1 * peak)) return;
    const Vec3 x = coarse.indexToPhysical({double(i), double(j), double(k)});
    const Vec3f& d = u.at(i, j, k);
    const Vec3 mapped = result.transform.apply(x + Vec3{d[0], d[1], d[2]});
    const Vec3 truth = t.at(x);
    const Vec3 e = mapped - (x + truth);
    const double err = std::sqrt(dot(e, e));
    sums[0] += 1, sums[1] += err, sums[2] += err * err, sums[3] += std::sqrt(dot(truth, truth));
    worst = std::max(worst, err);
  });
  comm.allreduceSum(sums, 4);
  comm.allreduceMax(&worst, 1);
  RecoveryError r;
  r.voxels = int64_t(sums[0]);
  if (sums[0] > 0) {
    r.meanMm = sums[1] / sums[0];
    r.rmsMm = std::sqrt(sums[2] / sums[0]);
    r.truthMeanMm = sums[3] / sums[0];
  }
  r.maxMm = worst;
  return r;
}

}  // namespace ffdp::bench
