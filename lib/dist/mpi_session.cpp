#include "dist/mpi_session.hpp"

#include <cstdlib>

#include "core/error.hpp"
#ifdef FFDP_HAVE_MPI
#include <mpi.h>
#endif

namespace ffdp {

bool launchedByMpiLauncher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(name)) return true;
  }
  return false;
}

int launcherWorldSize() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char* value = std::getenv(name)) return std::atoi(value);
  }
  return 0;
}

#ifdef FFDP_HAVE_MPI

MpiSession::MpiSession() {
  if (!launchedByMpiLauncher() || active()) return;
  int provided = 0;
  const int code = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  if (code != MPI_SUCCESS) fail(ExitCode::Resource, "MPI_Init_thread(MPI_THREAD_FUNNELED) failed (code " + std::to_string(code) + ")");
  owns_ = true;
  if (provided < MPI_THREAD_FUNNELED) {
    // OpenMP regions around MPI calls need at least FUNNELED; say so instead of racing silently.
    MPI_Finalize();  // every rank gets the same level, so all stop here together
    owns_ = false;
    fail(ExitCode::Resource, "MPI_Init_thread: the MPI library gives thread level " + std::to_string(provided) +
                                 ", below MPI_THREAD_FUNNELED");
  }
}

MpiSession::~MpiSession() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (owns_ && !finalised) MPI_Finalize();
}

bool MpiSession::active() {
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  return initialised && !finalised;
}

#else  // built without MPI: nothing to start

MpiSession::MpiSession() = default;
MpiSession::~MpiSession() = default;
bool MpiSession::active() { return false; }

#endif

}  // namespace ffdp
