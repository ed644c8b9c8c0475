#include <cstdio>
#include <cstdlib>

#include "core/error.hpp"
#include "dist/comm.hpp"
#include "dist/exchange_all_check.hpp"

namespace ffdp {

void SelfComm::abort(const std::string& message, int exitCode) {
  std::fprintf(stderr, "ffdp-register: error: %s\n", message.c_str());
  std::exit(exitCode);
}

void SelfComm::exchangeHalo(const HaloTransfer& t) {
  // A plan that asks a lone rank for neighbour data was made for another rank count: a bug.
  if (t.sendBelowBytes || t.recvBelowBytes || t.sendAboveBytes || t.recvAboveBytes) {
    fail(ExitCode::Internal, "SelfComm::exchangeHalo: a single rank has no neighbours (asked to send " +
                                 std::to_string(t.sendBelowBytes) + "/" + std::to_string(t.sendAboveBytes) +
                                 " and receive " + std::to_string(t.recvBelowBytes) + "/" +
                                 std::to_string(t.recvAboveBytes) + " bytes below/above)");
  }
}

void SelfComm::broadcastBytes(void*, std::size_t, int root) {
  if (root != 0) fail(ExitCode::Internal, "SelfComm::broadcastBytes: root " + std::to_string(root) + " of 1 rank");
}

void SelfComm::exchangeAll(const std::vector<PeerBytes>& peers) {
  requirePeerCount(peers, 1, "SelfComm::exchangeAll");
  copyToSelf(peers[0], "SelfComm::exchangeAll");
}

}  // namespace ffdp
