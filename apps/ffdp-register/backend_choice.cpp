#include "backend_choice.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/error.hpp"
#ifdef FFDP_HAVE_CUDA
#include "cuda_backend.hpp"
#include "device_info.cuh"
#endif

namespace ffdp::cli {
namespace {

#ifdef FFDP_HAVE_CUDA
// One rank per GPU: the launcher's local rank picks the device (0 when run without a launcher).
int localRank() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return 0;
}

// GPU ranks move halos GPU to GPU with NCCL whenever every rank has its own GPU (Auto); with more
// ranks than GPUs they share one and go through the host. FFDP_GPU_HALOS=nccl|staged forces one
// (benchmarks compare them; nccl on shared GPUs is a usage error).
HaloTransport haloTransport() {
  const char* v = std::getenv("FFDP_GPU_HALOS");
  const std::string choice = v ? v : "auto";
  if (choice == "auto" || choice.empty()) return HaloTransport::Auto;
  if (choice == "nccl") return HaloTransport::Nccl;
  if (choice == "staged") return HaloTransport::HostStaging;
  fail(ExitCode::Usage, "FFDP_GPU_HALOS=" + choice + ": expected auto, nccl or staged");
}
#endif

}  // namespace

std::vector<std::string> backendChoices() {
#ifdef FFDP_HAVE_CUDA
  return {"auto", "cpu", "cuda"};
#else
  return {"auto", "cpu"};
#endif
}

PlanBackend planBackendOf(const BackendTarget& target) { return target.gpu >= 0 ? PlanBackend::Cuda : PlanBackend::Cpu; }

BackendTarget resolveBackendTarget(const std::string& choice) {
#ifdef FFDP_HAVE_CUDA
  const auto devices = cuda::listDevices();
  if (choice == "cuda" && devices.empty())
    fail(ExitCode::Resource, "--backend cuda: no usable CUDA GPU on this machine (driver or device missing)");
  if (choice != "cpu" && !devices.empty()) {
    const auto& d = devices[size_t(localRank() % int(devices.size()))];
    return {"cuda (" + d.name + ")", double(d.totalBytes), d.index};
  }
#else
  if (choice == "cuda") fail(ExitCode::Usage, "--backend cuda: this build has no CUDA backend (built without nvcc)");
#endif
  return {"cpu", double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE)), -1};
}

std::unique_ptr<Backend> makeBackend(const BackendTarget& target, Comm& comm) {
#ifdef FFDP_HAVE_CUDA
  if (target.gpu >= 0) return makeCudaBackend(comm, target.gpu, haloTransport());
#else
  (void)target;  // a CPU-only build always resolves to the CPU
#endif
  return makeCpuBackend(comm);
}

}  // namespace ffdp::cli
