// The process-wide Comm of the test binary: MpiComm under mpirun, SelfComm in a plain run.
// MPI is initialised on first use and finalised at exit, after the Comm is gone.
#pragma once
#include "dist/comm.hpp"

namespace ffdp::test {

Comm& worldComm();

}  // namespace ffdp::test
