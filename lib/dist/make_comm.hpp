// The Comm for this process: MpiComm when an MPI launcher started it (or MPI runs with more than
// one rank), SelfComm otherwise. Create an MpiSession before calling it.
#pragma once
#include <memory>

#include "dist/comm.hpp"

namespace ffdp {

// Throws Error(Usage) when launched as one of several ranks by a build without MPI (each rank
// would otherwise run the whole registration and write the same outputs), and Error(Internal)
// when launched by mpirun/srun but no MpiSession initialised MPI.
std::unique_ptr<Comm> makeComm();

}  // namespace ffdp
