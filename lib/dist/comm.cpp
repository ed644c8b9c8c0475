#include "dist/comm.hpp"

#include <cstring>

#include "core/error.hpp"
#include "dist/exchange_all_check.hpp"

namespace ffdp {

void Comm::exchangeAll(const std::vector<PeerBytes>&) {
  fail(ExitCode::Internal, "exchangeAll: not supported by this communicator");
}

void requirePeerCount(const std::vector<PeerBytes>& peers, int ranks, const char* who) {
  if (peers.size() != static_cast<std::size_t>(ranks))
    fail(ExitCode::Internal, std::string(who) + ": " + std::to_string(peers.size()) + " peer entries for " +
                                 std::to_string(ranks) + " ranks");
}

void copyToSelf(const PeerBytes& self, const char* who) {
  if (self.sendBytes != self.recvBytes)
    fail(ExitCode::Internal, std::string(who) + ": sends itself " + std::to_string(self.sendBytes) +
                                 " bytes but expects " + std::to_string(self.recvBytes));
  if (self.sendBytes > 0) std::memmove(self.recv, self.send, self.sendBytes);
}

}  // namespace ffdp
