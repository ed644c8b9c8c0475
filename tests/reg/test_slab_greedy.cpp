// The greedy stage on CPU slabs (ranks as threads) equals one whole-grid run (reg/slab_greedy_check.hpp).
#include "reg/slab_greedy_check.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("greedy stage on slabs (ranks as threads) gives the whole grid's fields on every own slice",
          "[reg][slab]") {
  const MetricKind metric = GENERATE(MetricKind::MI, MetricKind::MeanSquares, MetricKind::CC);
  const int ranks = GENERATE(2, 3);
  INFO("metric kind " << int(metric));
  requireSlabGreedyMatchesWhole([](Comm& comm) { return makeCpuBackend(comm); }, metric, ranks, "slab greedy");
}
