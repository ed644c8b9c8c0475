// The greedy stage on CPU slabs (ranks as threads) equals one whole-grid run (reg/slab_greedy_check.hpp).
#include "reg/slab_greedy_check.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("greedy stage on slabs (ranks as threads) gives the whole grid's fields on every own slice",
          "[reg][slab]") {
  const MetricKind metric = GENERATE(MetricKind::MI, MetricKind::MeanSquares, MetricKind::CC);
  const int ranks = GENERATE(2, 3);
  INFO("metric kind " << int(metric));
  requireSlabGreedyMatchesWhole([](Comm& comm) { return makeCpuBackend(comm); },
                                Agreement::Bitwise, metric, ranks, "slab greedy");
}

// Slabs of unequal thickness (balanced MI work lays them out so): the middle rank's is the thinnest,
// thinner than the halo, so its halo comes from two ranks on each side.
TEST_CASE("greedy stage on slabs of unequal thickness gives the whole grid's fields on every own slice",
          "[reg][slab]") {
  const MetricKind metric = GENERATE(MetricKind::MI, MetricKind::MeanSquares, MetricKind::CC);
  INFO("metric kind " << int(metric));
  const SlabCuts cuts = std::make_shared<const std::vector<double>>(std::vector<double>{0.0, 0.4, 0.5, 1.0});
  requireSlabGreedyMatchesWhole([](Comm& comm) { return makeCpuBackend(comm); },
                                Agreement::Bitwise, metric, 3, "slab greedy", cuts);
}
