#include "eval/transform_chain.hpp"

#include <optional>

#include "eval/field_sampling.hpp"

namespace ffdp {
namespace {

// One sampler per field step, built once for the whole grid.
struct PreparedChain {
  std::vector<std::optional<FieldSampler>> samplers;
  const TransformChain& chain;
  explicit PreparedChain(const TransformChain& c) : chain(c) {
    for (const ChainStep& step : c) {
      samplers.emplace_back();
      if (step.isField()) samplers.back().emplace(*step.field);
    }
  }
  Vec3 map(Vec3 p) const {
    for (size_t s = 0; s < chain.size(); ++s) p = samplers[s] ? p + samplers[s]->at(p) : chain[s].affine.apply(p);
    return p;
  }
};

}  // namespace

bool hasFields(const TransformChain& chain) {
  for (const ChainStep& step : chain)
    if (step.isField()) return true;
  return false;
}

Vec3 mapPoint(const TransformChain& chain, const Vec3& x) { return PreparedChain(chain).map(x); }

Field chainDisplacement(const TransformChain& chain, const Grid& grid) {
  const PreparedChain prepared(chain);
  Field d(grid);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < grid.size[2]; ++k)
    for (int64_t j = 0; j < grid.size[1]; ++j)
      for (int64_t i = 0; i < grid.size[0]; ++i) {
        const Vec3 x = grid.wholeIndexToPhysical({double(i), double(j), double(k)});
        const Vec3 r = prepared.map(x) - x;
        d.at(i, j, k) = {float(r[0]), float(r[1]), float(r[2])};
      }
  return d;
}

}  // namespace ffdp
