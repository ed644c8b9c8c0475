#include "dist/make_comm.hpp"

#include "core/error.hpp"
#include "dist/mpi_session.hpp"
#ifdef FFDP_HAVE_MPI
#include "dist/mpi_comm.hpp"
#endif

namespace ffdp {

std::unique_ptr<Comm> makeComm() {
  const bool launched = launchedByMpiLauncher();
#ifdef FFDP_HAVE_MPI
  if (MpiSession::active()) {
    int worldSize = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &worldSize);
    if (launched || worldSize > 1) return std::make_unique<MpiComm>();
  } else if (launched) {
    fail(ExitCode::Internal, "makeComm: started by mpirun/srun but MPI is not initialised (create an MpiSession first)");
  }
#else
  if (launched && launcherWorldSize() > 1) {
    fail(ExitCode::Usage, "started as one of " + std::to_string(launcherWorldSize()) +
                              " ranks by mpirun/srun, but this ffdp-register was built without MPI "
                              "(FFDP_WITH_MPI=OFF or MPI not found); run it as a single process");
  }
#endif
  return std::make_unique<SelfComm>();
}

}  // namespace ffdp
