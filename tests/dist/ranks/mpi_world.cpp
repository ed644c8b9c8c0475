#include "mpi_world.hpp"

#include <memory>

#include "dist/make_comm.hpp"
#include "dist/mpi_session.hpp"

namespace ffdp::test {

Comm& worldComm() {
  struct World {
    MpiSession session;                      // constructed first, destroyed last
    std::unique_ptr<Comm> comm = makeComm();
  };
  static World world;
  return *world.comm;
}

}  // namespace ffdp::test
