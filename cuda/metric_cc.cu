// LNCC kernels (metric_cc.hpp). The coefficient pass writes A, B, C in double: the gradient
// G = f box(A) - w box(B) - box(C) cancels heavily, and float coefficients cost digits (measured on
// the H200: up to 4.9e-6 of the largest gradient against the CPU, over the 1e-6 the tests allow).
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "box_sum_tile.cuh"
#include "core/error.hpp"
#include "deterministic_reduce.cuh"
#include "intensity_range.hpp"
#include "metric_cc.hpp"
#include "metric_chain_rule.hpp"
#include "metric_rows.cuh"
#include "owned_voxels.hpp"

namespace ffdp::cuda {
namespace {

// The CPU's constants (metric_cc.cpp): a window counts when its local variance exceeds kFlatWindow
// times the squared global range (and kRoundingFloor times its sum of squares).
constexpr double kFlatWindow = 1e-5;
constexpr double kRoundingFloor = 1e-10;

using Coefficient = double;  // storage type of A, B, C (float fails the tests' bound, see above)
struct Coefficients {
  Coefficient* A = nullptr;  // one value per centre of the held slices each; null when no gradient is wanted
  Coefficient* B = nullptr;
  Coefficient* C = nullptr;
  int64_t firstSlice = 0;  // the fixed grid's slice of the arrays' first plane (a group's, cc_coefficient_groups.hpp)
  int64_t nx = 0, ny = 0;
  __device__ int64_t at(int64_t i, int64_t j, int64_t z) const { return i + nx * (j + ny * (z - firstSlice)); }
};

struct SharedLayout {  // offsets in doubles into the dynamic shared memory
  int patch, rows, ring, flagsBytes;
  size_t bytes;
};
SharedLayout coefficientLayout(const BoxTiling& t) {
  SharedLayout s;
  s.patch = 0;                                   // F, W on the patch
  s.rows = 2 * t.px * t.py;                      // 5 row sums
  s.ring = s.rows + 5 * t.py * kTileX;           // 5 plane sums per ring slot
  const int doubles = s.ring + 5 * t.ring * kThreads;
  s.flagsBytes = t.ring * kThreads;              // valid flag of each centre, per ring slot
  s.bytes = size_t(doubles) * sizeof(double) + size_t(s.flagsBytes);
  return s;
}
SharedLayout gradientLayout(const BoxTiling& t) {
  SharedLayout s;
  s.patch = 0;                          // A, B, C on the patch
  s.rows = 3 * t.px * t.py;
  s.ring = s.rows + 3 * t.py * kTileX;
  s.flagsBytes = 0;
  s.bytes = size_t(s.ring + 3 * t.ring * kThreads) * sizeof(double);
  return s;
}

// Pass 1: per centre, the five box sums, cc (summed for the value), the coefficients (written when
// wanted) and the valid count. partials: 2 per block of the whole launch (cc sum, valid count), written
// by the blocks whose chunk starts in [countBegin, countEnd), which count only their centres there.
template <class Sampler, bool WithCoefficients, int R>
__global__ void __launch_bounds__(kThreads) coefficientPass(Sampler sampler, BoxTiling t, SharedLayout layout,
                                                            double flatF, double flatM, Coefficients coef,
                                                            int64_t countBegin, int64_t countEnd, double* partials) {
  extern __shared__ double shared[];
  const int px = patchWidth<R>(t), patchSize = px * patchHeight<R>(t), ringSlots = ringSize<R>(t);
  double* patchF = shared + layout.patch;
  double* patchW = patchF + patchSize;
  double* rows = shared + layout.rows;
  double* ring = shared + layout.ring;
  uint8_t* validRing = reinterpret_cast<uint8_t*>(shared + layout.ring + 5 * ringSlots * kThreads);
  __shared__ double scratch[kThreads];

  const TileOrigin o = tileOrigin(t);
  const int cx = threadIdx.x % kTileX, cy = threadIdx.x / kTileX;
  const int64_t i = o.x0 + cx, j = o.y0 + cy;
  const bool mine = i < t.nx && j < t.ny;
  const double countXY = mine ? windowCount(i, t.nx, t.r) * windowCount(j, t.ny, t.r) : 0.0;
  double ccSum = 0, validCount = 0;

  const int64_t zFirst = o.zc0 - t.r < 0 ? 0 : o.zc0 - t.r;
  const int64_t zLast = o.zc1 + t.r > t.nz - 1 ? t.nz - 1 : o.zc1 + t.r;
  int slot = int(zFirst % ringSlots);  // plane z's ring slot, stepped per plane
  for (int64_t z = zFirst; z <= zLast; ++z, slot = ringStep(slot, ringSlots)) {
    // The patch of plane z: F = v f, W = v w (0 where invalid or outside the image). Two points per
    // thread are sampled before either is stored, so that their loads overlap.
    for (int p0 = threadIdx.x; p0 < patchSize; p0 += 2 * blockDim.x) {
      double F[2] = {0, 0}, W[2] = {0, 0};
      bool valid[2] = {false, false};
#pragma unroll
      for (int m = 0; m < 2; ++m) {
        const int p = p0 + m * blockDim.x;
        const int64_t pi = o.x0 - t.r + p % px, pj = o.y0 - t.r + p / px;
        if (p < patchSize && pi >= 0 && pi < t.nx && pj >= 0 && pj < t.ny) {
          WarpSample s;
          valid[m] = sampler.template sample<false>(pi, pj, z, s);
          if (valid[m]) {
            F[m] = s.f;
            W[m] = s.w;
          }
        }
      }
#pragma unroll
      for (int m = 0; m < 2; ++m) {
        const int p = p0 + m * blockDim.x;
        if (p >= patchSize) continue;
        patchF[p] = F[m];
        patchW[p] = W[m];
        const int tx = p % px - t.r, ty = p / px - t.r;
        if (tx >= 0 && tx < kTileX && ty >= 0 && ty < kTileY) validRing[slot * kThreads + ty * kTileX + tx] = valid[m];
      }
    }
    __syncthreads();
    windowRowSums<5, R>(
        t, o,
        [&](int p, double v[5]) {
          const double F = patchF[p], W = patchW[p];
          v[0] = F;
          v[1] = W;
          v[2] = F * F;
          v[3] = W * W;
          v[4] = F * W;
        },
        rows);
    __syncthreads();
    double plane[5];
    windowColumnSums<5, R>(t, o, rows, plane);
    storePlaneSums<5>(slot, plane, ring);

    int64_t zcFirst, zcLast;
    centresDueAt(t, o, z, zcFirst, zcLast);
    for (int64_t zc = zcFirst; zc <= zcLast && mine; ++zc) {
      const int zcSlot = ringBack(slot, z - zc, ringSlots);  // z - zc is in [0, r]
      double s[5];
      windowDepthSum<5, R>(t, zc, zcSlot, ring, s);
      double A = 0, B = 0, C = 0;
      // A slab's halo centres get coefficients (the gradient pass reads them) but do not count, nor do
      // the slices a group recomputes for its neighbours.
      const bool counted = sampler.owns(zc) && zc >= countBegin && zc < countEnd;
      if (validRing[zcSlot * kThreads + threadIdx.x]) {
        if (counted) validCount += 1;
        const double count = countXY * windowCount(zc, t.nz, t.r);
        const double sf = s[0], sw = s[1], sff = s[2], sww = s[3], sfw = s[4];
        const double cross = sfw - sf * sw / count;
        const double vf = sff - sf * sf / count, vw = sww - sw * sw / count;
        if (vf > fmax(count * flatF, kRoundingFloor * sff) && vw > fmax(count * flatM, kRoundingFloor * sww)) {
          // The CPU's formulas (one reciprocal instead of three divisions).
          const double invDenom = 1.0 / (vf * vw);
          if (counted) ccSum += cross * cross * invDenom;
          A = 2.0 * cross * invDenom;
          B = 2.0 * cross * cross * invDenom / vw;
          C = (A * sf - B * sw) / count;
        }
      }
      if (WithCoefficients) {
        const int64_t n = coef.at(i, j, zc);
        coef.A[n] = Coefficient(A);
        coef.B[n] = Coefficient(B);
        coef.C[n] = Coefficient(C);
      }
    }
    __syncthreads();  // the patch, row sums and flag slots are rewritten by the next plane
  }
  const double blockCc = blockSum(ccSum, scratch);
  const double blockCount = blockSum(validCount, scratch);
  if (threadIdx.x == 0 && o.chunkStart >= countBegin && o.chunkStart < countEnd) {
    const int64_t b = wholeBlockIndex(t);
    partials[2 * b] = blockCc;
    partials[2 * b + 1] = blockCount;
  }
}

// Pass 2: box sums of A, B, C; at each valid centre y, G = f box(A) - w box(B) - box(C) with f, w
// and dw/dq sampled again, handed to the consumer (field writer or affine sums).
struct FieldConsumer {
  FieldGradientWriter writer;
  __device__ void valid(int64_t n, int64_t, int64_t, int64_t, double g, const double dq[3]) { writer.write(n, g, dq); }
  __device__ void invalid(int64_t n) { writer.writeZero(n); }
  __device__ void finish(double*, double*, int64_t) {}
};
struct AffineConsumer {
  AffineIndexSums sums;
  int64_t ownBegin = 0, ownEnd = 0;  // the fixed grid's owned slices (a slab's halo does not count)
  __device__ void valid(int64_t, int64_t i, int64_t j, int64_t k, double g, const double dq[3]) {
    if (k >= ownBegin && k < ownEnd) sums.add(i, j, k, g, dq);
  }
  __device__ void invalid(int64_t) {}
  __device__ void finish(double* partials, double* scratch, int64_t block) {
    for (int q = 0; q < kAffineIndexSums; ++q) {
      const double total = blockSum(sums.s[q], scratch);
      if (threadIdx.x == 0) partials[block * kAffineIndexSums + q] = total;
    }
  }
};

template <class Sampler, class Consumer, int R>
__global__ void __launch_bounds__(kThreads) gradientPass(Sampler sampler, BoxTiling t, SharedLayout layout,
                                                         Coefficients coef, Consumer consumer, double* partials) {
  extern __shared__ double shared[];
  double* patchA = shared + layout.patch;
  const int px = patchWidth<R>(t), patchSize = px * patchHeight<R>(t), ringSlots = ringSize<R>(t);
  double* patchB = patchA + patchSize;
  double* patchC = patchB + patchSize;
  double* rows = shared + layout.rows;
  double* ring = shared + layout.ring;
  __shared__ double scratch[kThreads];

  const TileOrigin o = tileOrigin(t);
  const int cx = threadIdx.x % kTileX, cy = threadIdx.x / kTileX;
  const int64_t i = o.x0 + cx, j = o.y0 + cy;
  const bool mine = i < t.nx && j < t.ny;

  const int64_t zFirst = o.zc0 - t.r < 0 ? 0 : o.zc0 - t.r;
  const int64_t zLast = o.zc1 + t.r > t.nz - 1 ? t.nz - 1 : o.zc1 + t.r;
  // The patch point p of plane z: A, B, C there (0 outside the volume).
  const auto loadPatch = [&](int p, int64_t z, double& a, double& b, double& c) {
    a = b = c = 0;
    if (p >= patchSize) return;
    const int ppx = p % px, ppy = p / px;
    const int64_t pi = o.x0 - t.r + ppx, pj = o.y0 - t.r + ppy;
    if (pi >= 0 && pi < t.nx && pj >= 0 && pj < t.ny) {
      const int64_t n = coef.at(pi, pj, z);
      a = double(coef.A[n]);
      b = double(coef.B[n]);
      c = double(coef.C[n]);
    }
  };
  int slot = int(zFirst % ringSlots);  // plane z's ring slot, stepped per plane
  for (int64_t z = zFirst; z <= zLast; ++z, slot = ringStep(slot, ringSlots)) {
    int64_t zcFirst, zcLast;
    centresDueAt(t, o, z, zcFirst, zcLast);
    // Latency: the first two patch points' loads and the centre's sample (u, then the moving image)
    // are all issued before anything waits on them, instead of one after the other.
    constexpr int kEarly = 2;
    double ea[kEarly], eb[kEarly], ec[kEarly];
#pragma unroll
    for (int m = 0; m < kEarly; ++m) loadPatch(threadIdx.x + m * blockDim.x, z, ea[m], eb[m], ec[m]);
    WarpSample first;
    const bool firstValid = mine && zcFirst <= zcLast && sampler.template sample<true>(i, j, zcFirst, first);
#pragma unroll
    for (int m = 0; m < kEarly; ++m) {
      const int p = threadIdx.x + m * blockDim.x;
      if (p < patchSize) {
        patchA[p] = ea[m];
        patchB[p] = eb[m];
        patchC[p] = ec[m];
      }
    }
    for (int p = threadIdx.x + kEarly * blockDim.x; p < patchSize; p += blockDim.x) {
      double a, b, c;
      loadPatch(p, z, a, b, c);
      patchA[p] = a;
      patchB[p] = b;
      patchC[p] = c;
    }
    __syncthreads();
    windowRowSums<3, R>(
        t, o,
        [&](int p, double v[3]) {
          v[0] = patchA[p];
          v[1] = patchB[p];
          v[2] = patchC[p];
        },
        rows);
    __syncthreads();
    double plane[3];
    windowColumnSums<3, R>(t, o, rows, plane);
    storePlaneSums<3>(slot, plane, ring);

    for (int64_t zc = zcFirst; zc <= zcLast && mine; ++zc) {
      double box[3];
      windowDepthSum<3, R>(t, zc, ringBack(slot, z - zc, ringSlots), ring, box);
      const int64_t n = i + t.nx * (j + t.ny * zc);
      WarpSample s = first;
      if (zc == zcFirst ? firstValid : sampler.template sample<true>(i, j, zc, s))
        consumer.valid(n, i, j, zc, s.f * box[0] - s.w * box[1] - box[2], s.dq);
      else
        consumer.invalid(n);
    }
    __syncthreads();
  }
  consumer.finish(partials, scratch, wholeBlockIndex(t));
}

// Opts a kernel in to `bytes` of dynamic shared memory, or explains which radius is too large.
template <class Kernel>
void allowSharedMemory(Kernel kernel, size_t bytes, int radius, const char* name) {
  int device = 0, optin = 0;
  check(cudaGetDevice(&device), "querying the current device");
  check(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device),
        "querying the shared memory per block");
  const size_t total = bytes + kThreads * sizeof(double);  // + the static reduction scratch
  if (total > size_t(optin))
    fail(ExitCode::Usage, "metric CC radius " + std::to_string(radius) + " needs " + std::to_string(total) +
                              " bytes of shared memory per block on the GPU, more than its " + std::to_string(optin) +
                              "; use a smaller radius");
  check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)),
        std::string("allowing ") + std::to_string(bytes) + " bytes of shared memory for " + name);
}

struct CcTotals {
  double value = 0, count = 0;
};

// The flat-window thresholds from the images' global intensity ranges.
struct FlatThresholds {
  double fixed = 0, moving = 0;
};
FlatThresholds flatThresholds(const MetricDeviceInputs& in, Comm& comm) {
  const DeviceIntensityRange fr = fixedIntensityRange(in, comm);
  const DeviceIntensityRange mr = movingIntensityRange(in, comm);
  return {kFlatWindow * (fr.max - fr.min) * (fr.max - fr.min), kFlatWindow * (mr.max - mr.min) * (mr.max - mr.min)};
}

// Calls launch(std::integral_constant<int, R>{}) with R = r for the radii the passes are compiled for
// (their window loops unroll), else with R = 0 (the radius read at run time).
template <class Launch>
void withCompiledRadius(int r, const Launch& launch) {
  switch (r) {
    case 1: return launch(std::integral_constant<int, 1>{});
    case 2: return launch(std::integral_constant<int, 2>{});
    case 3: return launch(std::integral_constant<int, 3>{});
    case 4: return launch(std::integral_constant<int, 4>{});
    default: return launch(std::integral_constant<int, 0>{});
  }
}

// Pass 1 on the centres of launch t, counting those in [countBegin, countEnd) into partials (2 per
// block of the whole grid). coef: null pointers for the value only.
template <class Sampler>
void launchCoefficientPass(const Sampler& sampler, const BoxTiling& t, const FlatThresholds& flat,
                           const Coefficients& coef, int64_t countBegin, int64_t countEnd, double* partials) {
  const SharedLayout layout = coefficientLayout(t);
  withCompiledRadius(t.r, [&](auto radius) {
    constexpr int R = decltype(radius)::value;
    if (coef.A) {
      allowSharedMemory(coefficientPass<Sampler, true, R>, layout.bytes, t.r, "coefficientPass");
      coefficientPass<Sampler, true, R><<<unsigned(t.blocks()), kThreads, layout.bytes, cudaStreamPerThread>>>(
          sampler, t, layout, flat.fixed, flat.moving, coef, countBegin, countEnd, partials);
    } else {
      allowSharedMemory(coefficientPass<Sampler, false, R>, layout.bytes, t.r, "coefficientPass");
      coefficientPass<Sampler, false, R><<<unsigned(t.blocks()), kThreads, layout.bytes, cudaStreamPerThread>>>(
          sampler, t, layout, flat.fixed, flat.moving, coef, countBegin, countEnd, partials);
    }
  });
  checkLaunch("coefficientPass (CC)", t.nx * t.ny * (t.zcEnd - t.zcBegin));
}

// Pass 2 on the centres of launch t.
template <class Sampler, class Consumer>
void launchGradientPass(const Sampler& sampler, const BoxTiling& t, const Coefficients& coef, const Consumer& consumer,
                        double* partials, const char* what) {
  const SharedLayout layout = gradientLayout(t);
  withCompiledRadius(t.r, [&](auto radius) {
    constexpr int R = decltype(radius)::value;
    allowSharedMemory(gradientPass<Sampler, Consumer, R>, layout.bytes, t.r, "gradientPass");
    gradientPass<Sampler, Consumer, R><<<unsigned(t.blocks()), kThreads, layout.bytes, cudaStreamPerThread>>>(
        sampler, t, layout, coef, consumer, partials);
  });
  checkLaunch(what, t.nx * t.ny * (t.zcEnd - t.zcBegin));
}

// The value and N from pass 1's partials, over every rank.
CcTotals finishTotals(const DeviceArray<double>& partials, const BoxTiling& t, const Grid& g, Comm& comm) {
  std::vector<double> totals = finishSums(partials, int(t.wholeBlocks()), 2, "CC");
  acrossRanksSum(g, comm, totals.data(), totals.size());
  CcTotals r;
  r.count = totals[1];
  if (r.count > 0) r.value = -totals[0] / r.count;
  return r;
}

// The value only: pass 1 without coefficients.
template <class Sampler>
CcTotals valueOnly(const MetricDeviceInputs& in, const Sampler& sampler, const BoxTiling& t, Comm& comm) {
  DeviceArray<double> partials(2 * t.wholeBlocks(), "CC partial sums");
  launchCoefficientPass(sampler, t, flatThresholds(in, comm), Coefficients{}, 0, t.nz, partials.data());
  return finishTotals(partials, t, in.fixedGrid, comm);
}

// N over every rank, before any coefficient (a grouped gradient's scale, needed before the first
// group's value is known). The coefficient pass counts the same centres by the same rule.
template <class Sampler>
double countValidCentres(const MetricDeviceInputs& in, const Sampler& sampler, Comm& comm) {
  double count = double(countValidVoxels(sampler, in.fixedGrid, "CC"));
  acrossRanksSum(in.fixedGrid, comm, &count, 1);
  return count;
}

// The coefficients of one group's centres and of r slices either side (cc_coefficient_groups.hpp).
class CoefficientGroups {
 public:
  // groupSlices: 0 for the rule's size, else whole chunks (a chunk split between two groups would have
  // its partial sums written by one of them only).
  CoefficientGroups(const BoxTiling& t, int64_t groupSlices)
      : t_(t),
        slices_(groupSlices > 0 ? std::min(groupSlices, t.nz) : ccGroupSlices(t.nx, t.ny, t.nz)),
        held_(t.nx * t.ny * ccHeldSlices(slices_, t.nz, t.r)),
        A_(held_, "CC coefficient A (one double per held centre)"),
        B_(held_, "CC coefficient B (one double per held centre)"),
        C_(held_, "CC coefficient C (one double per held centre)") {
    if (slices_ < t.nz && slices_ % kChunkZ != 0)
      fail(ExitCode::Internal, "CC coefficient groups of " + std::to_string(slices_) + " slices: not whole chunks of " +
                                   std::to_string(kChunkZ));
  }

  int64_t count() const { return (t_.nz + slices_ - 1) / slices_; }
  int64_t begin(int64_t group) const { return group * slices_; }
  int64_t end(int64_t group) const { return std::min(t_.nz, begin(group) + slices_); }
  // Pass 1 for the group's coefficients (the value counts only its own centres).
  template <class Sampler>
  void coefficients(int64_t group, const Sampler& sampler, const FlatThresholds& flat, double* partials) {
    const int64_t c0 = std::max<int64_t>(0, begin(group) - t_.r), c1 = std::min(t_.nz, end(group) + t_.r);
    view_ = Coefficients{A_.data(), B_.data(), C_.data(), c0, t_.nx, t_.ny};
    launchCoefficientPass(sampler, centreRange(t_, c0, c1), flat, view_, begin(group), end(group), partials);
  }
  // The group's gradient launch and the coefficients it reads.
  BoxTiling gradientTiling(int64_t group) const { return centreRange(t_, begin(group), end(group)); }
  const Coefficients& view() const { return view_; }

 private:
  BoxTiling t_;
  int64_t slices_, held_;
  DeviceArray<Coefficient> A_, B_, C_;
  Coefficients view_;
};

template <class Sampler>
FieldMetricEval fieldMetricWith(const MetricDeviceInputs& in, const Sampler& sampler, float* gradient, Comm& comm) {
  const Grid& g = in.fixedGrid;
  const BoxTiling t = makeBoxTiling(g.size[0], g.size[1], g.size[2], in.settings.radius);
  FieldMetricEval r;
  if (!gradient) {
    const CcTotals c = valueOnly(in, sampler, t, comm);
    r.value = c.value;
    r.validVoxels = int64_t(c.count);
    return r;
  }
  const FlatThresholds flat = flatThresholds(in, comm);
  CoefficientGroups groups(t, in.ccGroupSlices);
  DeviceArray<double> partials(2 * t.wholeBlocks(), "CC partial sums");
  // The gradient's scale -1/N: one group counts N in its coefficient pass; several count it first.
  const bool grouped = groups.count() > 1;
  const double count = grouped ? countValidCentres(in, sampler, comm) : 0.0;
  CcTotals c;
  for (int64_t group = 0; group < groups.count(); ++group) {
    groups.coefficients(group, sampler, flat, partials.data());
    if (!grouped) c = finishTotals(partials, t, g, comm);
    const double n = grouped ? count : c.count;
    if (n == 0) continue;
    FieldConsumer consumer{makeFieldGradientWriter(gradient, in.movingGrid, in.A, -1.0 / n)};
    launchGradientPass(sampler, groups.gradientTiling(group), groups.view(), consumer, nullptr, "gradientPass (CC field)");
  }
  if (grouped) c = finishTotals(partials, t, g, comm);
  if (grouped && c.count != count)
    fail(ExitCode::Internal, "CC field metric: " + std::to_string(c.count) + " valid centres summed, " +
                                 std::to_string(count) + " counted first");
  r.value = c.value;
  r.validVoxels = int64_t(c.count);
  if (c.count == 0)
    check(cudaMemsetAsync(gradient, 0, size_t(g.voxels()) * 3 * sizeof(float), cudaStreamPerThread),
          "clearing the CC gradient (" + std::to_string(g.voxels()) + " voxels)");
  return r;
}

}  // namespace

size_t localCorrelationSharedBytes(int radius) {
  const BoxTiling t = makeBoxTiling(1, 1, 1, radius);
  const size_t a = coefficientLayout(t).bytes, b = gradientLayout(t).bytes;
  return (a > b ? a : b) + kThreads * sizeof(double);
}

FieldMetricEval localCorrelationFieldMetric(const MetricDeviceInputs& in, const float* u, float* gradient,
                                            Comm& comm) {
  return withFieldSampler(in, u, [&](const auto& sampler) { return fieldMetricWith(in, sampler, gradient, comm); });
}

AffineMetricEval localCorrelationAffineMetric(const MetricDeviceInputs& in, bool withGradient, Comm& comm) {
  const Grid& g = in.fixedGrid;
  const BoxTiling t = makeBoxTiling(g.size[0], g.size[1], g.size[2], in.settings.radius);
  const WarpSampler sampler = makeWarpSampler(in, nullptr);
  AffineMetricEval r;
  if (!withGradient) {
    const CcTotals c = valueOnly(in, sampler, t, comm);
    r.value = c.value;
    r.validVoxels = int64_t(c.count);
    return r;
  }
  // The index sums are scaled by -1/N at the end, so the groups need no count first.
  const FlatThresholds flat = flatThresholds(in, comm);
  CoefficientGroups groups(t, in.ccGroupSlices);
  DeviceArray<double> partials(2 * t.wholeBlocks(), "CC partial sums");
  DeviceArray<double> sumPartials(t.wholeBlocks() * kAffineIndexSums, "CC affine gradient partial sums");
  AffineConsumer consumer;
  consumer.ownBegin = g.ownedBegin();
  consumer.ownEnd = g.ownedEnd();
  for (int64_t group = 0; group < groups.count(); ++group) {
    groups.coefficients(group, sampler, flat, partials.data());
    launchGradientPass(sampler, groups.gradientTiling(group), groups.view(), consumer, sumPartials.data(),
                       "gradientPass (CC affine)");
  }
  const CcTotals c = finishTotals(partials, t, g, comm);
  r.value = c.value;
  r.validVoxels = int64_t(c.count);
  if (c.count == 0) return r;
  const std::vector<double> sums =
      finishSums(sumPartials, int(t.wholeBlocks()), kAffineIndexSums, "CC affine gradient");
  // Local-k index sums: converted per rank with its own grid, then the ranks add gradients.
  r.gradient = affineGradientFromIndexSums(sums.data(), g, in.movingGrid, in.A, -1.0 / c.count);
  acrossRanksSum(g, comm, r.gradient.data(), r.gradient.size());
  return r;
}

}  // namespace ffdp::cuda
