// resampleField on GPU slab buffers equals the whole GPU field moved (ops/slab_field_resample_check.hpp).
#include "cuda_backend.hpp"
#include "gpu_test_support.hpp"
#include "ops/slab_field_resample_check.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("GPU resampleField between slab buffers gives the whole field moved, bit for bit on own slices",
          "[gpu][field][resample][slab]") {
  FFDP_REQUIRE_GPU();
  SelfComm comm;
  auto backend = makeCudaBackend(comm, 0);
  requireSlabFieldResampleIsWhole(*backend, "GPU slab field resample");
}
