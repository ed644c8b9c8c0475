// A failure on one rank must stop every rank: the others are waiting in a collective for it and
// would hang forever. Run each rank's work through runOrAbort so that an exception becomes
// Comm::abort with the failing rank's message and the error's exit code.
#pragma once
#include <functional>

#include "dist/comm.hpp"

namespace ffdp {

// Runs body. ffdp::Error -> abort(message, its exit code); std::bad_alloc -> abort(..., Resource);
// any other exception -> abort(..., Internal). Returns normally when body does.
void runOrAbort(Comm& comm, const std::function<void()>& body);

}  // namespace ffdp
