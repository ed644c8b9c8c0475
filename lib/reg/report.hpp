// The run report (Preport.json): plain data a pipeline can parse without knowing our types.
#pragma once
#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "reg/registration.hpp"

namespace ffdp {

struct ReportContext {
  std::string version;
  std::string backend;
  std::string device;  // what the backend ran on: "cpu" or "cuda (<GPU name>)"
  int threads = 0;
  int ranks = 1;
  double peakRssMB = 0;
  double devicePeakMB = 0;  // accelerator memory high-water mark (0 on the CPU backend)
  std::vector<std::string> outputs;
  std::string commandLine;
  std::map<std::string, std::string> libraries;  // name -> version of what the binary was built with
  // Per rank (index = rank): registration seconds, seconds in communication, peak resident MiB, and
  // the GPU it ran on (-1: the CPU).
  std::vector<double> rankSeconds, rankCommSeconds, rankPeakMemoryMB, rankGpu;
  // Per rank: bytes its GPU sent straight to other GPUs (NCCL halo exchanges; 0 when halos went
  // through the host) and the exchanges that moved them (Backend::deviceTraffic).
  std::vector<double> rankGpuBytesSent, rankGpuExchanges;
};

nlohmann::json reportToJson(const RegistrationResult& result, const Spec& spec, const ReportContext& context);

// Peak resident memory of this process in MiB (VmHWM of /proc/self/status); 0 when unavailable.
double peakResidentMB();

}  // namespace ffdp
