// The greedy stage on GPU slabs (ranks as threads sharing one GPU, halos staged through the host)
// equals one whole-grid GPU run (reg/slab_greedy_check.hpp).
#include "cuda_backend.hpp"
#include "gpu_test_support.hpp"
#include "reg/slab_greedy_check.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("GPU greedy stage on slabs (ranks as threads) gives the whole grid's fields on every own slice",
          "[gpu][slab][greedy]") {
  FFDP_REQUIRE_GPU();
  const MetricKind metric = GENERATE(MetricKind::MI, MetricKind::MeanSquares, MetricKind::CC);
  const int ranks = GENERATE(2, 3);
  INFO("metric kind " << int(metric));
  requireSlabGreedyMatchesWhole([](Comm& comm) { return makeCudaBackend(comm, 0); },
                                Agreement::Rounding, metric, ranks, "GPU slab greedy");
}

// Slabs of unequal thickness (balanced MI work lays them out so): the middle rank's is the thinnest,
// thinner than the halo, so its halo comes from two ranks on each side.
TEST_CASE("GPU greedy stage on slabs of unequal thickness gives the whole grid's fields on every own slice",
          "[gpu][slab][greedy]") {
  FFDP_REQUIRE_GPU();
  const MetricKind metric = GENERATE(MetricKind::MI, MetricKind::MeanSquares, MetricKind::CC);
  INFO("metric kind " << int(metric));
  const SlabCuts cuts = std::make_shared<const std::vector<double>>(std::vector<double>{0.0, 0.4, 0.5, 1.0});
  requireSlabGreedyMatchesWhole([](Comm& comm) { return makeCudaBackend(comm, 0); },
                                Agreement::Rounding, metric, 3, "GPU slab greedy", cuts);
}
