// Single-rank behaviour: what a plain (non-mpirun) run gets.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "core/error.hpp"
#include "core/field.hpp"
#include "dist/make_comm.hpp"
#include "dist/mpi_session.hpp"
#include "dist/slab_halo.hpp"

using namespace ffdp;

TEST_CASE("a plain process gets a single-rank Comm", "[dist]") {
  if (launchedByMpiLauncher()) {
    WARN("SKIPPED: this test describes a process started without mpirun/srun");
    return;
  }
  MpiSession session;
  CHECK_FALSE(MpiSession::active());  // a single-rank run never starts the MPI runtime
  const auto comm = makeComm();
  CHECK(comm->rank() == 0);
  CHECK(comm->size() == 1);
  double v[2] = {1.5, -2};
  comm->allreduceSum(v, 2);
  CHECK(v[0] == 1.5);
  CHECK(v[1] == -2);
}

TEST_CASE("SelfComm halo exchange leaves a one-rank slab alone and refuses neighbour transfers", "[dist]") {
  SelfComm comm;
  Grid g;
  g.size = {2, 2, 3};
  const SlabLayout layout(g, 1);
  Field slab(layout.slabGrid(layout.withHalo(0, 2)), Vec3f{1, 2, 3});
  exchangeHalo(comm, layout, 2, slab);
  for (const Vec3f& v : slab.data) CHECK((v == Vec3f{1, 2, 3}));

  HaloTransfer t;
  comm.exchangeHalo(t);  // nothing to move: fine
  char byte = 0;
  t.recvAbove = &byte;
  t.recvAboveBytes = 1;
  CHECK_THROWS_AS(comm.exchangeHalo(t), Error);

  const SlabLayout twoRanks(g, 2);  // a plan for another rank count is refused by name
  CHECK_THROWS_WITH(exchangeHalo(comm, twoRanks, 1, slab), Catch::Contains("2 ranks"));
}

TEST_CASE("halo exchange names a slab buffer of the wrong size", "[dist]") {
  SelfComm comm;
  Grid g;
  g.size = {2, 2, 3};
  const SlabLayout layout(g, 1);
  Image wrong(layout.slabGrid({0, 2}));
  CHECK_THROWS_WITH(exchangeHalo(comm, layout, 1, wrong), Catch::Contains("has 2 slices"));
}

TEST_CASE("started by mpirun without a usable MPI, makeComm refuses instead of running N copies", "[dist]") {
  if (launchedByMpiLauncher()) {
    WARN("SKIPPED: this test fakes the launcher's environment of a plain process");
    return;
  }
  ::setenv("OMPI_COMM_WORLD_SIZE", "4", 1);  // what mpirun -np 4 sets
  CHECK(launchedByMpiLauncher());
  CHECK(launcherWorldSize() == 4);
#ifdef FFDP_HAVE_MPI
  // No MpiSession created here, so MPI is not initialised: a programming error, named.
  CHECK_THROWS_WITH(makeComm(), Catch::Contains("create an MpiSession first"));
#else
  // Each of the 4 copies would register the whole pair and write the same files.
  try {
    makeComm();
    FAIL("makeComm accepted 4 ranks in a build without MPI");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::Usage);
    CHECK_THAT(e.what(), Catch::Contains("built without MPI"));
  }
#endif
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  CHECK_FALSE(launchedByMpiLauncher());
}
