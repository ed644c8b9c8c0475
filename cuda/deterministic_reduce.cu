#include "deterministic_reduce.cuh"

namespace ffdp::cuda {
namespace {

// One block per column: thread t sums rows t, t + kThreads, ... in order, then the block tree.
__global__ void columnSums(const double* partials, int rows, int width, double* out) {
  __shared__ double scratch[kThreads];
  const int column = blockIdx.x;
  double s = 0;
  for (int r = threadIdx.x; r < rows; r += blockDim.x) s += partials[int64_t(r) * width + column];
  const double total = blockSum(s, scratch);
  if (threadIdx.x == 0) out[column] = total;
}

__global__ void maxOf(const double* values, int64_t count, double* out) {
  __shared__ double scratch[kThreads];
  double m = -1.0 / 0.0;
  for (int64_t n = threadIdx.x; n < count; n += blockDim.x) m = fmax(m, values[n]);
  const double total = blockMax(m, scratch);
  if (threadIdx.x == 0) *out = total;
}

}  // namespace

std::vector<double> finishSums(const DeviceArray<double>& partials, int blocks, int width, const char* what) {
  DeviceArray<double> out(width, std::string(what) + " sums");
  columnSums<<<width, kThreads, 0, cudaStreamPerThread>>>(partials.data(), blocks, width, out.data());
  checkLaunch("columnSums", int64_t(blocks) * width);
  return out.toHost(std::string(what) + " sums");
}

double finishMax(const DeviceArray<double>& partials, int64_t count, const char* what) {
  DeviceArray<double> out(1, std::string(what) + " maximum");
  maxOf<<<1, kThreads, 0, cudaStreamPerThread>>>(partials.data(), count, out.data());
  checkLaunch("maxOf", count);
  double r = 0;
  out.download(&r, 1, std::string(what) + " maximum");
  return r;
}

}  // namespace ffdp::cuda
