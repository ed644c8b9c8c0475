// The fixed pseudo-random subset of fixed voxels that a metric uses when samplingFraction < 1.
// Membership depends only on the voxel's linear index in the whole fixed grid (through a fixed
// integer hash), so the subset is the same at every iteration, on every machine, for any number
// of threads or ranks, and on every backend (the CUDA version must use the same hash). Callers
// pass Grid::wholeLinear, not a slab buffer's local index, so the subset does not move with the
// rank count.
#pragma once
#include <cmath>
#include <cstdint>

namespace ffdp::cpu {

// splitmix64 finaliser: a bijective mix of 64-bit integers with good avalanche.
inline uint64_t mixBits64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Voxel x is sampled when samplingFraction >= 1 or hash(x) / 2^64 < samplingFraction.
class SamplingSubset {
 public:
  explicit SamplingSubset(double fraction)
      : all_(fraction >= 1.0),
        threshold_(fraction <= 0.0 || fraction >= 1.0 ? 0 : static_cast<uint64_t>(std::ldexp(fraction, 64))) {}
  bool all() const { return all_; }
  bool contains(int64_t linear) const { return all_ || mixBits64(static_cast<uint64_t>(linear)) < threshold_; }

 private:
  bool all_;
  uint64_t threshold_;
};

}  // namespace ffdp::cpu
