// Mean-squares kernels (metric_mean_squares.hpp).
#include <string>
#include <vector>

#include "deterministic_reduce.cuh"
#include "metric_chain_rule.hpp"
#include "metric_mean_squares.hpp"
#include "metric_rows.cuh"
#include "owned_voxels.hpp"

namespace ffdp::cuda {
namespace {

enum class Output { ValueOnly, Field, Affine };

// partials per block: sum of squares, valid count, then (Affine) the 12 index sums.
constexpr int kValueSums = 2;

template <class Sampler, Output Out>
__global__ void __launch_bounds__(kThreads, Out == Output::Affine ? 1 : kRowMetricBlocksPerSM)
    meanSquaresPass(Sampler sampler, int64_t kFirst, int64_t kLast, FieldGradientWriter writer, double* partials) {
  __shared__ double scratch[kThreads];
  constexpr bool withGradient = Out != Output::ValueOnly;
  constexpr int width = Out == Output::Affine ? kValueSums + kAffineIndexSums : kValueSums;
  double sse = 0, count = 0;
  AffineIndexSums sums;
  // Own slices only: a slab's halo voxels are not counted, and their field gradient is refreshed from
  // the owners afterwards (ops/slab_backend.hpp).
  forEachVoxelByRows(sampler, kFirst, kLast, [&](const MetricRow& row, int64_t n, int64_t i, const auto& fetched) {
    WarpSample s;
    if (!sampler.template sampleAlongRow<withGradient>(row.start, n, i, fetched, s)) {
      if (Out == Output::Field) writer.writeZero(n);
      return;
    }
    const double diff = s.f - s.w;
    if (Out == Output::Field) writer.write(n, -2.0 * diff, s.dq);
    sse += diff * diff;
    count += 1;
    if (Out == Output::Affine) sums.add(i, row.j, row.k, -2.0 * diff, s.dq);
  });
  double* blockPartials = partials + int64_t(blockIdx.x) * width;
  const double blockSse = blockSum(sse, scratch);
  const double blockCount = blockSum(count, scratch);
  if (threadIdx.x == 0) {
    blockPartials[0] = blockSse;
    blockPartials[1] = blockCount;
  }
  if (Out == Output::Affine)
    for (int q = 0; q < kAffineIndexSums; ++q) {
      const double total = blockSum(sums.s[q], scratch);
      if (threadIdx.x == 0) blockPartials[kValueSums + q] = total;
    }
}

template <Output Out, class Sampler>
std::vector<double> runPass(const MetricDeviceInputs& in, const Sampler& sampler, const FieldGradientWriter& writer) {
  const Grid& g = in.fixedGrid;
  const int blocks = blocksForRows(g.size[1], g.ownedBegin(), g.ownedEnd());
  const int width = Out == Output::Affine ? kValueSums + kAffineIndexSums : kValueSums;
  DeviceArray<double> partials(int64_t(blocks) * width, "mean squares partial sums");
  meanSquaresPass<Sampler, Out><<<blocks, kThreads, 0, cudaStreamPerThread>>>(sampler, g.ownedBegin(), g.ownedEnd(),
                                                                              writer, partials.data());
  checkLaunch("meanSquaresPass", ownedVoxels(g).count());
  return finishSums(partials, blocks, width, "mean squares");
}

template <class Sampler>
FieldMetricEval fieldMetricWith(const MetricDeviceInputs& in, const Sampler& sampler, float* gradient, Comm& comm) {
  FieldMetricEval r;
  std::vector<double> totals;
  if (gradient) {
    // N over all ranks first, so that the sampling pass writes scale K^T g dq with scale = 1/N. Counting
    // first (the valid rule alone reads u and the masks, 12 B per voxel, no image) lets the one sampling
    // pass write the final gradient, instead of writing it unscaled and rescaling it (24 B per voxel more).
    double N = double(countValidVoxels(sampler, in.fixedGrid, "mean squares"));
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
