// MI kernels (metric_mi.hpp).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/index_conversion.hpp"
#include "deterministic_reduce.cuh"
#include "intensity_range.hpp"
#include "metric_chain_rule.hpp"
#include "metric_mi.hpp"
#include "metric_rows.cuh"
#include "owned_voxels.hpp"
#include "ops/histogram_balance.hpp"
#include "ops/mutual_information_table.hpp"
#include "parzen_bspline.cuh"
#include "split_counter.cuh"

namespace ffdp::cuda {
namespace {

// Bins per block histogram held in shared memory (8 bytes each: two 32-bit words); larger histograms
// go straight to the global one (still integer atomics, so still exact).
constexpr int kSharedHistogramBins = 48 * 1024 / 8;

struct HistogramSetup {
  ParzenBins fixedBins, movingBins;
  double unit = 0;  // 2^bits: one vote
};

// A vote: round(x) for 0 <= x <= 2^40, ties to even (__double2ull_rn's value) without the conversion
// unit, whose pipe the sampler's float -> double conversions already keep busy (nearestIndex). Its
// rounding add also keeps the product before it from being fused into an FMA.
__device__ inline unsigned long long nearestCount(double x) { return static_cast<unsigned long long>(nearestIndex(x)); }

// Pass 1. histogram: B*B fixed-point cells (fixed bin major) followed by the valid count.
//
// Each valid voxel casts 16 integer votes, atomically. Where a whole warp's voxels fall on the same
// 4x4 cells (background, flat tissue: most of a head's volume), the 32 lanes would queue on the same
// 16 words; instead the warp sums its votes (a warp reduction, in two parts that cannot overflow 32
// bits) and one lane adds them. Reducing over the lanes that share a first cell in general
// (__match_any_sync groups) was 3.4 times slower on the benchmark's smooth images: a reduction
// runs once per group. The block's cells are split counters (split_counter.cuh). Integer sums: the
// histogram is the same bits in any order, either way.
template <class Sampler, bool SharedHistogram>
__global__ void __launch_bounds__(kThreads, kRowMetricBlocksPerSM)
    jointHistogramPass(Sampler sampler, int64_t kFirst, int64_t kLast, HistogramSetup h,
                       unsigned long long* histogram) {
  extern __shared__ unsigned blockWords[];
  const int B = h.fixedBins.bins, cells = B * B;
  const SplitCounters block(blockWords, SharedHistogram ? cells : 0);
  const auto addVote = [&](int c, unsigned long long vote) {
    if (SharedHistogram)
      block.add(c, vote);
    else if (vote)
      atomicAdd(&histogram[c], vote);
  };
  if (SharedHistogram) {
    for (int c = threadIdx.x; c < 2 * cells; c += blockDim.x) blockWords[c] = 0;
    __syncthreads();
  }
  constexpr unsigned kWarp = 0xffffffffu;
  constexpr int kLowBits = 24;  // a vote < 2^41 (histogramFractionBits): 32 lanes' low parts < 2^29, high parts < 2^22
  const int lane = int(threadIdx.x & 31);
  unsigned long long count = 0;
  // A warp-uniform trip count: every lane reaches the warp votes. The counted slices only (a slab: see
  // histogramAndValue).
  forEachRowStep(sampler, kFirst, kLast, [&](const MetricRow& row, int64_t n, int64_t i, const auto& fetched,
                                             bool active) {
    int corner = -1;  // the first of the voxel's 4x4 cells; -1: no votes
    double wf[4], wm[4];
    WarpSample s;
    if (active && sampler.template sampleAlongRow<false>(row.start, n, i, fetched, s)) {
      ++count;
      const int af = parzenValues(h.fixedBins.coordinate(s.f), B, wf);
      const int bm = parzenValues(h.movingBins.coordinate(s.w), B, wm);
      corner = af * B + bm;
    }
    const int first = __shfl_sync(kWarp, corner, 0);
    if (__all_sync(kWarp, corner == first)) {
      if (first < 0) return;
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) {
          const unsigned long long vote = nearestCount(wf[a] * wm[b] * h.unit);
          const unsigned low = __reduce_add_sync(kWarp, unsigned(vote & ((1u << kLowBits) - 1)));
          const unsigned high = __reduce_add_sync(kWarp, unsigned(vote >> kLowBits));
          if (lane == 0) addVote(first + a * B + b, (static_cast<unsigned long long>(high) << kLowBits) + low);
        }
    } else if (corner >= 0) {
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) addVote(corner + a * B + b, nearestCount(wf[a] * wm[b] * h.unit));
    }
  });
  // The valid count: one integer atomic per warp.
  for (int offset = 16; offset > 0; offset >>= 1) count += __shfl_down_sync(kWarp, count, offset);
  if (lane == 0 && count) atomicAdd(&histogram[cells], count);
  if (SharedHistogram) {
    __syncthreads();
    for (int c = threadIdx.x; c < cells; c += blockDim.x)
      if (const unsigned long long total = block.value(c)) atomicAdd(&histogram[c], total);
  }
}

struct GradientSetup {
  ParzenBins fixedBins, movingBins;
  const double* logRatio = nullptr;  // B*B: log(p / pm), 0 where p = 0
};

// g = sum_{a,b} beta_f(a) beta_m'(b) log(p(a,b) / pm(b)) at x (the scale -dxi/dw / N is the consumer's).
__device__ inline double miGradientFactor(const GradientSetup& h, const double* L, double f, double w) {
  const int B = h.fixedBins.bins;
  double wf[4], dw[4];
  const int af = parzenValues(h.fixedBins.coordinate(f), B, wf);
  const int bm = parzenDerivatives(h.movingBins.coordinate(w), B, dw);
  double sum = 0;
  for (int a = 0; a < 4; ++a) {
    const double* cell = L + (af + a) * B + bm;
    sum += wf[a] * (dw[0] * cell[0] + dw[1] * cell[1] + dw[2] * cell[2] + dw[3] * cell[3]);
  }
  return sum;
}

template <class Sampler, bool SharedTable, bool Field>
__global__ void __launch_bounds__(kThreads, Field ? kRowMetricBlocksPerSM : 1)
    miGradientPass(Sampler sampler, int64_t kFirst, int64_t kLast, GradientSetup h, FieldGradientWriter writer,
                   double* partials) {
  extern __shared__ double table[];
  __shared__ double scratch[kThreads];
  const int cells = h.fixedBins.bins * h.fixedBins.bins;
  const double* L = h.logRatio;
  if (SharedTable) {
    for (int c = threadIdx.x; c < cells; c += blockDim.x) table[c] = h.logRatio[c];
    __syncthreads();
    L = table;
  }
  AffineIndexSums sums;
  // Own slices only: a slab's halo voxels do not count in the affine sums, and their field gradient
  // is refreshed from the owners afterwards (ops/slab_backend.hpp).
  forEachVoxelByRows(sampler, kFirst, kLast, [&](const MetricRow& row, int64_t n, int64_t i, const auto& fetched) {
    WarpSample s;
    if (!sampler.template sampleAlongRow<true>(row.start, n, i, fetched, s)) {
      if (Field) writer.writeZero(n);
      return;
    }
    const double g = miGradientFactor(h, L, s.f, s.w);
    if (Field)
      writer.write(n, g, s.dq);
    else
      sums.add(i, row.j, row.k, g, s.dq);
  });
  if (!Field)
    for (int q = 0; q < kAffineIndexSums; ++q) {
      const double total = blockSum(sums.s[q], scratch);
      if (threadIdx.x == 0) partials[int64_t(blockIdx.x) * kAffineIndexSums + q] = total;
    }
}

struct MiState {
  double value = 0, count = 0;
  ParzenBins fixedBins, movingBins;
  std::vector<double> logRatio;
};

// The ranks' integer histograms added exactly (on a slab; a whole grid's is returned as it is), with
// `extra` (doubles, summed as usual) in the same reduction. Each 64-bit count travels as its two
// 32-bit halves in doubles, whose sums stay exact for up to 2^21 ranks, and the total is put together
// in 64 bits (it fits: histogramFractionBits leaves room for the whole grid's votes). So the
// histogram, and MI's value and gradient with it, is the same bits however the slices are split over
// ranks: rounding each rank's count to a double first would not be.
std::vector<unsigned long long> exactSumAcrossRanks(const Grid& grid, Comm& comm, std::vector<unsigned long long> counts,
                                                    std::vector<double>& extra) {
  if (!grid.isSlab()) return counts;
  const size_t n = counts.size();
  std::vector<double> values(2 * n + extra.size());
  for (size_t c = 0; c < n; ++c) {
    values[2 * c] = double(counts[c] >> 32);
    values[2 * c + 1] = double(counts[c] & 0xffffffffull);
  }
  std::copy(extra.begin(), extra.end(), values.begin() + 2 * n);
  comm.allreduceSum(values.data(), values.size());
  for (size_t c = 0; c < n; ++c)
    counts[c] = (static_cast<unsigned long long>(values[2 * c]) << 32) + static_cast<unsigned long long>(values[2 * c + 1]);
  std::copy(values.begin() + 2 * n, values.end(), extra.begin());
  return counts;
}

// The device time between two events recorded around the histogram pass (HistogramBalance's input).
class PassTimer {
 public:
  PassTimer() {
    check(cudaEventCreate(&start_), "creating a timing event for the MI histogram pass");
    if (cudaError_t status = cudaEventCreate(&stop_); status != cudaSuccess) {
      cudaEventDestroy(start_);
      check(status, "creating a timing event for the MI histogram pass");
    }
  }
  ~PassTimer() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  PassTimer(const PassTimer&) = delete;
  PassTimer& operator=(const PassTimer&) = delete;
  void start() { check(cudaEventRecord(start_, cudaStreamPerThread), "timing the MI histogram pass"); }
  void stop() { check(cudaEventRecord(stop_, cudaStreamPerThread), "timing the MI histogram pass"); }
  // After the stream has passed `stop` (the histogram's download waits for it).
  double seconds() const {
    float ms = 0;
    check(cudaEventElapsedTime(&ms, start_, stop_), "reading the MI histogram pass time");
    return double(ms) * 1e-3;
  }

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

// Pass 1 and the host-side statistics (the CPU's loops, in its order, on the same histogram).
template <class Sampler>
MiState histogramAndValue(const MetricDeviceInputs& in, const Sampler& sampler, Comm& comm) {
  const int B = in.settings.bins;
  const DeviceIntensityRange fr = fixedIntensityRange(in, comm);
  const DeviceIntensityRange mr = movingIntensityRange(in, comm);
  MiState st;
  st.fixedBins = makeParzenBins(fr.min, fr.max, B);
  st.movingBins = makeParzenBins(mr.min, mr.max, B);

  // On a slab, the slices this rank counts (its own, or moved into the halo to even out the ranks'
  // pass times: ops/histogram_balance.hpp); every slice of the whole grid is counted once.
  const int ranks = in.fixedGrid.isSlab() ? comm.size() : 1, rank = in.fixedGrid.isSlab() ? comm.rank() : 0;
  HistogramBalance* balance = ranks > 1 ? in.histogramBalance : nullptr;
  const int64_t plane = in.fixedGrid.size[0] * in.fixedGrid.size[1];
  const HistogramBalance::Slices counted = balance ? balance->slicesFor(in.fixedGrid, rank, ranks)
                                                   : HistogramBalance::Slices{in.fixedGrid.ownedBegin(), in.fixedGrid.ownedEnd()};
  const OwnedVoxels own{counted.begin * plane, counted.end * plane};
  // Bits from the whole grid's voxel count: every rank quantises votes alike, and the sum over
  // all ranks still fits.
  const int bits = histogramFractionBits(wholeVoxels(in.fixedGrid));
  HistogramSetup h{st.fixedBins, st.movingBins, std::ldexp(1.0, bits)};
  const size_t BB = size_t(B) * size_t(B);
  DeviceArray<unsigned long long> histogram(int64_t(BB) + 1, "MI joint histogram");
  check(cudaMemsetAsync(histogram.data(), 0, histogram.bytes(), cudaStreamPerThread),
        "clearing the MI joint histogram (" + std::to_string(BB) + " bins)");
  const int blocks = blocksForRows(in.fixedGrid.size[1], counted.begin, counted.end);
  std::optional<PassTimer> timer;
  if (balance) timer.emplace();
  if (timer) timer->start();
  if (BB <= size_t(kSharedHistogramBins))
    jointHistogramPass<Sampler, true><<<blocks, kThreads, 2 * BB * sizeof(unsigned), cudaStreamPerThread>>>(
        sampler, counted.begin, counted.end, h, histogram.data());
  else
    jointHistogramPass<Sampler, false><<<blocks, kThreads, 0, cudaStreamPerThread>>>(sampler, counted.begin,
                                                                                    counted.end, h, histogram.data());
  checkLaunch("jointHistogramPass (MI)", own.count());
  if (timer) timer->stop();
  std::vector<unsigned long long> local = histogram.toHost("MI joint histogram");
  std::vector<double> reports(balance ? size_t(ranks) * HistogramBalance::kReportWidth : 0, 0.0);
  if (balance) HistogramBalance::report(in.fixedGrid, rank, counted, timer->seconds(), reports.data());
  const std::vector<unsigned long long> counts = exactSumAcrossRanks(in.fixedGrid, comm, std::move(local), reports);
  if (balance) balance->update(ranks, reports.data());

  std::vector<double> H(BB + 1);
  for (size_t c = 0; c < BB; ++c) H[c] = double(counts[c]) / h.unit;
  H[BB] = double(counts[BB]);
  const double N = H[BB];
  st.count = N;
  if (N == 0) return st;

  MutualInformationTable table = mutualInformationTable(H.data(), B, N);
  st.logRatio = std::move(table.logRatio);
  st.value = table.value;
  return st;
}

// Pass 2 launch; writer.out == null for the affine sums (returned), else the field gradient.
template <bool Field, class Sampler>
std::vector<double> gradientPass(const MetricDeviceInputs& in, const Sampler& sampler, const MiState& st,
                                 const FieldGradientWriter& writer) {
  const int B = in.settings.bins;
  const size_t BB = size_t(B) * size_t(B);
  const DeviceArray<double> table = DeviceArray<double>::fromHost(st.logRatio, "MI log-ratio table");
  const GradientSetup h{st.fixedBins, st.movingBins, table.data()};
  const Grid& g = in.fixedGrid;
  const OwnedVoxels own = ownedVoxels(g);
  const int blocks = blocksForRows(g.size[1], g.ownedBegin(), g.ownedEnd());
  DeviceArray<double> partials(Field ? 0 : int64_t(blocks) * kAffineIndexSums, "MI affine gradient partial sums");
  if (BB * sizeof(double) <= 48 * 1024)
    miGradientPass<Sampler, true, Field><<<blocks, kThreads, BB * sizeof(double), cudaStreamPerThread>>>(
        sampler, g.ownedBegin(), g.ownedEnd(), h, writer, partials.data());
  else
    miGradientPass<Sampler, false, Field><<<blocks, kThreads, 0, cudaStreamPerThread>>>(
        sampler, g.ownedBegin(), g.ownedEnd(), h, writer, partials.data());
  checkLaunch("miGradientPass (MI)", own.count());
  if (Field) return {};
  return finishSums(partials, blocks, kAffineIndexSums, "MI affine gradient");
}

template <class Sampler>
FieldMetricEval fieldMetricWith(const MetricDeviceInputs& in, const Sampler& sampler, float* gradient, Comm& comm) {
  const MiState st = histogramAndValue(in, sampler, comm);
  FieldMetricEval r;
  r.value = st.value;
  r.validVoxels = int64_t(st.count);
  if (!gradient) return r;
  const int64_t voxels = in.fixedGrid.voxels();
  if (st.count == 0) {
    check(cudaMemsetAsync(gradient, 0, size_t(voxels) * 3 * sizeof(float), cudaStreamPerThread),
          "clearing the MI gradient (" + std::to_string(voxels) + " voxels)");
    return r;
  }
  const double scale = -st.movingBins.scale / st.count;
  gradientPass<true>(in, sampler, st, makeFieldGradientWriter(gradient, in.movingGrid, in.A, scale));
  return r;
}

}  // namespace

int histogramFractionBits(int64_t voxels) {
  int wholeBits = 0;  // bits needed for `voxels` whole votes
  while (wholeBits < 63 && (int64_t(1) << wholeBits) <= voxels) ++wholeBits;
  const int bits = 63 - wholeBits;
  return bits > 40 ? 40 : bits;
}

FieldMetricEval mutualInformationFieldMetric(const MetricDeviceInputs& in, const float* u, float* gradient,
                                             Comm& comm) {
  return withFieldSampler(in, u, [&](const auto& sampler) { return fieldMetricWith(in, sampler, gradient, comm); });
}

AffineMetricEval mutualInformationAffineMetric(const MetricDeviceInputs& in, bool withGradient, Comm& comm) {
  const WarpSampler sampler = makeWarpSampler(in, nullptr);
  const MiState st = histogramAndValue(in, sampler, comm);
  AffineMetricEval r;
  r.value = st.value;
  r.validVoxels = int64_t(st.count);
  if (!withGradient || st.count == 0) return r;
  const std::vector<double> sums = gradientPass<false>(in, sampler, st, FieldGradientWriter{});
  const double scale = -st.movingBins.scale / st.count;
  // Local-k index sums: converted per rank with its own grid, then the ranks add gradients.
  r.gradient = affineGradientFromIndexSums(sums.data(), in.fixedGrid, in.movingGrid, in.A, scale);
  acrossRanksSum(in.fixedGrid, comm, r.gradient.data(), r.gradient.size());
  return r;
}

}  // namespace ffdp::cuda
