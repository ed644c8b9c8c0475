// MPI's lifetime for one process: initialised when the program was started by an MPI launcher
// (mpirun, srun), finalised when the session object dies. Create it first thing in main() and
// destroy every Comm before it. A no-op when built without MPI or started as a plain process
// (a single-rank run then never touches the MPI runtime).
#pragma once
#include <string>

namespace ffdp {

// The environment says an MPI launcher started this process (OMPI_COMM_WORLD_SIZE from Open MPI's
// mpirun, PMI_SIZE from srun --mpi=pmi2 / MPICH, PMIX_RANK from srun --mpi=pmix).
bool launchedByMpiLauncher();
// The rank count the launcher announced, or 0 when it did not say (or no launcher).
int launcherWorldSize();

class MpiSession {
 public:
  // Calls MPI_Init_thread(MPI_THREAD_FUNNELED) when launchedByMpiLauncher() and MPI is not yet
  // initialised: only the thread that called it talks MPI; OpenMP threads only compute.
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  // MPI is initialised and not finalised (by this session or by someone else).
  static bool active();

 private:
  bool owns_ = false;  // this object initialised MPI, so it finalises it
};

}  // namespace ffdp
