// The program the abort test (../mpi_abort_test.cpp) launches under mpirun; hidden, so the normal
// run of this binary under mpirun skips it.
#include <catch2/catch.hpp>

#include <cstdio>

#include "core/error.hpp"
#include "dist/run_or_abort.hpp"
#include "mpi_world.hpp"

using namespace ffdp;

// Rank 1 fails while the others wait for it in a reduction that it never joins.
TEST_CASE("one failing rank (run by the abort test under mpirun)", "[.][abort-demo]") {
  Comm& comm = test::worldComm();
  runOrAbort(comm, [&] {
    if (comm.rank() == 1) fail(ExitCode::Input, "cannot read slab of demo.nii.gz (failure on purpose)");
    double x = 1;
    comm.allreduceSum(&x, 1);
    std::printf("rank %d got past the reduction\n", comm.rank());
  });
}
