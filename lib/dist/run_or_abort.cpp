#include "dist/run_or_abort.hpp"

#include <new>

#include "core/error.hpp"

namespace ffdp {

void runOrAbort(Comm& comm, const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    comm.abort(e.what(), static_cast<int>(e.code()));
  } catch (const std::bad_alloc&) {
    comm.abort("out of memory", static_cast<int>(ExitCode::Resource));
  } catch (const std::exception& e) {
    comm.abort(std::string("internal error: ") + e.what(), static_cast<int>(ExitCode::Internal));
  }
}

}  // namespace ffdp
