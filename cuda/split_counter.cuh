// 64-bit counters in shared memory kept as two 32-bit words each, so that adding to one takes the
// native 32-bit atomics. A 64-bit atomic add to shared memory is a compare-and-swap loop on the
// GPU, which retries while other lanes hit the same word: MI's histogram pass spent most of its
// time there (Nsight Compute, H200: 49 of MI's 58 ms at 370 M voxels, 22 % branch efficiency).
//
// The low word takes the vote's low 32 bits; the value it held before the add says whether the add
// wrapped, and the high word takes the vote's high bits plus that carry. Every add's carry is seen
// by the lane that caused it, so hi * 2^32 + lo is the exact sum of all votes, in any order, as long
// as the sum stays below 2^64.
#pragma once

namespace ffdp::cuda {

class SplitCounters {
 public:
  // `words`: 2 * counters words of shared memory (low words, then high words), cleared by the caller.
  __device__ SplitCounters(unsigned* words, int counters)
      : lo_(words),
        hi_(words + counters),
        loAddress_(unsigned(__cvta_generic_to_shared(words))),
        hiAddress_(unsigned(__cvta_generic_to_shared(words + counters))) {}

  __device__ void add(int c, unsigned long long vote) const {
    const unsigned low = unsigned(vote);
    const unsigned high = unsigned(vote >> 32);
    unsigned before;
    // Shared-window addresses in PTX: through a generic pointer the compiler rebuilt the window's
    // base before every atomic.
    asm volatile("atom.shared.add.u32 %0, [%1], %2;"
                 : "=r"(before)
                 : "r"(loAddress_ + 4u * unsigned(c)), "r"(low)
                 : "memory");
    const unsigned carried = high + unsigned(before + low < low);  // + 1 where the low word wrapped past 2^32
    // Predicated, not branched: only some lanes have a high part or a carry, and a branch around the
    // atomic split the warp.
    asm volatile(
        "{\n\t.reg .pred p;\n\tsetp.ne.u32 p, %1, 0;\n\t@p red.shared.add.u32 [%0], %1;\n\t}"
        :
        : "r"(hiAddress_ + 4u * unsigned(c)), "r"(carried)
        : "memory");
  }
  // After a barrier that ends the adds.
  __device__ unsigned long long value(int c) const {
    return (static_cast<unsigned long long>(hi_[c]) << 32) | static_cast<unsigned long long>(lo_[c]);
  }

 private:
  const unsigned* lo_;
  const unsigned* hi_;
  unsigned loAddress_, hiAddress_;
};

}  // namespace ffdp::cuda
