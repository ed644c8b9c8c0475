// The CUDA backend (lib/ops/backend.hpp on one GPU): every operation runs on the device, and the
// volumes it returns live only there (core/volume.hpp) until Backend::toHost, so a registration
// makes no host round trips inside an iteration: only the scalars the engine decides on (metric
// value, valid count, step norms) come back.
#pragma once
#include <memory>

#include "dist/comm.hpp"
#include "ops/backend.hpp"

namespace ffdp {

// How a multi-rank run refreshes the halos of device slab buffers (refreshHalo, reslab):
//   Nccl         GPU to GPU with NCCL (cuda/nccl_halo_comm.hpp), bootstrapped through `comm`; needs one
//                GPU per rank (separate processes, as mpirun starts them);
//   HostStaging  device -> host copies, the host Comm's exchange, host -> device copies; works when
//                ranks share a GPU (the GPU slab tests run ranks as threads on one GPU);
//   Auto         Nccl when comm.size() > 1 and no two ranks share a GPU, else HostStaging.
enum class HaloTransport { Auto, Nccl, HostStaging };

// Uses GPU `device` (the rank's local GPU). Throws Error(Resource) when it cannot be used. With
// several ranks this is a collective (every rank makes its backend at the same point): it compares
// the ranks' GPUs and builds the NCCL communicator here, not at the first exchange. HaloTransport::Nccl
// on ranks that share a GPU is Error(Usage). Backend::deviceTraffic reports the NCCL exchanges.
std::unique_ptr<Backend> makeCudaBackend(Comm& comm, int device, HaloTransport halos = HaloTransport::Auto);

}  // namespace ffdp
