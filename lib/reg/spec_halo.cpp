#include "reg/spec_halo.hpp"

#include <algorithm>

#include "ops/slab_backend.hpp"

namespace ffdp {

int64_t haloForSpec(const Spec& spec) {
  int radius = 0;
  double sigma = 0;
  for (const StageSpec& s : spec.stages) {
    if (s.metric.kind == MetricKind::CC) radius = std::max(radius, s.metric.radius);
    if (isDeformable(s.transform)) sigma = std::max({sigma, s.gradientSigma, s.warpSigma});
  }
  return haloForStencils(radius, sigma);
}

}  // namespace ffdp
