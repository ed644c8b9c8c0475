// Checks and the local copy every Comm::exchangeAll implementation shares (dist/comm.cpp).
#pragma once
#include <vector>

#include "dist/comm.hpp"

namespace ffdp {

// Error(Internal) unless there is one entry per rank: a plan made for another rank count is a bug.
void requirePeerCount(const std::vector<PeerBytes>& peers, int ranks, const char* who);
// A rank's transfer to itself: a copy (the two counts must agree).
void copyToSelf(const PeerBytes& self, const char* who);

}  // namespace ffdp
