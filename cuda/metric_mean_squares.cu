// Mean-squares kernels (metric_mean_squares.hpp).
#include <string>
#include <vector>

#include "deterministic_reduce.cuh"
#include "metric_chain_rule.hpp"
#include "metric_mean_squares.hpp"
#include "owned_voxels.hpp"

namespace ffdp::cuda {
namespace {

enum class Output { ValueOnly, Field, Affine };

// partials per block: sum of squares, valid count, then (Affine) the 12 index sums.
constexpr int kValueSums = 2;

template <class Sampler, Output Out>
__global__ void __launch_bounds__(kThreads) meanSquaresPass(Sampler sampler, VoxelIndexer index, OwnedVoxels own,
                                                            FieldGradientWriter writer, double* partials) {
  __shared__ double scratch[kThreads];
  constexpr bool withGradient = Out != Output::ValueOnly;
  constexpr int width = Out == Output::Affine ? kValueSums + kAffineIndexSums : kValueSums;
  double sse = 0, count = 0;
  AffineIndexSums sums;
  // Own slices only: a slab's halo voxels are not counted, and their field gradient is refreshed from
  // the owners afterwards (ops/slab_backend.hpp).
  for (int64_t n = own.first + firstItem(); n < own.last; n += itemStride()) {
    int64_t i, j, k;
    index.split(n, i, j, k);
    WarpSample s;
    if (!sampler.template sample<withGradient>(i, j, k, s)) {
      if (Out == Output::Field) writer.writeZero(n);
      continue;
    }
    const double diff = s.f - s.w;
    if (Out == Output::Field) writer.write(n, -2.0 * diff, s.dq);
    sse += diff * diff;
    count += 1;
    if (Out == Output::Affine) sums.add(i, j, k, -2.0 * diff, s.dq);
  }
  double* row = partials + int64_t(blockIdx.x) * width;
  const double blockSse = blockSum(sse, scratch);
  const double blockCount = blockSum(count, scratch);
  if (threadIdx.x == 0) {
    row[0] = blockSse;
    row[1] = blockCount;
  }
  if (Out == Output::Affine)
    for (int q = 0; q < kAffineIndexSums; ++q) {
      const double total = blockSum(sums.s[q], scratch);
      if (threadIdx.x == 0) row[kValueSums + q] = total;
    }
}

// The field gradient is scaled by 1/N, N the valid count. Counting first (the valid rule alone reads
// u and the masks, 12 B per voxel, no image) lets the one sampling pass write the final gradient,
// instead of writing it unscaled and rescaling it (24 B per voxel more).
template <class Sampler>
__global__ void __launch_bounds__(kThreads) validCountPass(Sampler sampler, VoxelIndexer index, OwnedVoxels own,
                                                           unsigned long long* total) {
  unsigned long long count = 0;
  const int lane = int(threadIdx.x & 31);
  for (int64_t n = own.first + firstItem(); n - lane < own.last; n += itemStride()) {  // warp-uniform trip count
    if (n >= own.last) continue;
    int64_t i, j, k;
    index.split(n, i, j, k);
    double q[3];
    count += sampler.valid(n, i, j, k, q) ? 1 : 0;
  }
  for (int offset = 16; offset > 0; offset >>= 1) count += __shfl_down_sync(0xffffffffu, count, offset);
  if (lane == 0 && count) atomicAdd(total, count);  // integer: exact in any order
}

template <class Sampler>
int64_t validCount(const MetricDeviceInputs& in, const Sampler& sampler) {
  const OwnedVoxels own = ownedVoxels(in.fixedGrid);
  DeviceArray<unsigned long long> total(1, "mean squares valid count");
  check(cudaMemsetAsync(total.data(), 0, sizeof(unsigned long long), cudaStreamPerThread),
        "clearing the mean-squares valid count");
  validCountPass<Sampler><<<blocksFor(own.count()), kThreads, 0, cudaStreamPerThread>>>(
      sampler, makeVoxelIndexer(in.fixedGrid.size[0], in.fixedGrid.size[1]), own, total.data());
  checkLaunch("validCountPass (mean squares)", own.count());
  return int64_t(total.toHost("mean squares valid count")[0]);
}

template <Output Out, class Sampler>
std::vector<double> runPass(const MetricDeviceInputs& in, const Sampler& sampler, const FieldGradientWriter& writer) {
  const OwnedVoxels own = ownedVoxels(in.fixedGrid);
  const int blocks = blocksFor(own.count());
  const int width = Out == Output::Affine ? kValueSums + kAffineIndexSums : kValueSums;
  DeviceArray<double> partials(int64_t(blocks) * width, "mean squares partial sums");
  meanSquaresPass<Sampler, Out><<<blocks, kThreads, 0, cudaStreamPerThread>>>(
      sampler, makeVoxelIndexer(in.fixedGrid.size[0], in.fixedGrid.size[1]), own, writer, partials.data());
  checkLaunch("meanSquaresPass", own.count());
  return finishSums(partials, blocks, width, "mean squares");
}

template <class Sampler>
FieldMetricEval fieldMetricWith(const MetricDeviceInputs& in, const Sampler& sampler, float* gradient, Comm& comm) {
  FieldMetricEval r;
  std::vector<double> totals;
  if (gradient) {
    // N over all ranks first, so that the sampling pass writes scale K^T g dq with scale = 1/N.
    double N = double(validCount(in, sampler));
    acrossRanksSum(in.fixedGrid, comm, &N, 1);
    if (N == 0) {
      const int64_t floats = 3 * in.fixedGrid.voxels();
      check(cudaMemsetAsync(gradient, 0, size_t(floats) * sizeof(float), cudaStreamPerThread),
            "clearing the mean-squares gradient (" + std::to_string(floats / 3) + " voxels)");
      return r;
    }
    totals = runPass<Output::Field>(in, sampler, makeFieldGradientWriter(gradient, in.movingGrid, in.A, 1.0 / N));
  } else {
    totals = runPass<Output::ValueOnly>(in, sampler, FieldGradientWriter{});
  }
  acrossRanksSum(in.fixedGrid, comm, totals.data(), totals.size());
  const double N = totals[1];
  r.validVoxels = int64_t(N);
  if (N > 0) r.value = totals[0] / N;
  return r;
}

}  // namespace

FieldMetricEval meanSquaresFieldMetric(const MetricDeviceInputs& in, const float* u, float* gradient, Comm& comm) {
  return withFieldSampler(in, u, [&](const auto& sampler) { return fieldMetricWith(in, sampler, gradient, comm); });
}

AffineMetricEval meanSquaresAffineMetric(const MetricDeviceInputs& in, bool withGradient, Comm& comm) {
  const WarpSampler sampler = makeWarpSampler(in, nullptr);
  std::vector<double> totals = withGradient ? runPass<Output::Affine>(in, sampler, FieldGradientWriter{})
                                            : runPass<Output::ValueOnly>(in, sampler, FieldGradientWriter{});
  acrossRanksSum(in.fixedGrid, comm, totals.data(), kValueSums);
  AffineMetricEval r;
  const double N = totals[1];
  r.validVoxels = int64_t(N);
  if (N == 0) return r;
  r.value = totals[0] / N;
  if (withGradient) {
    // The index sums use this buffer's local k: each rank converts its own with its own grid, then
    // the ranks add gradients (owned_voxels.hpp; the CPU's AffineChainRule::finish).
    r.gradient = affineGradientFromIndexSums(totals.data() + kValueSums, in.fixedGrid, in.movingGrid, in.A, 1.0 / N);
    acrossRanksSum(in.fixedGrid, comm, r.gradient.data(), r.gradient.size());
  }
  return r;
}

}  // namespace ffdp::cuda
