// FFDP_HD marks the per-voxel maths that both the CUDA kernels and the host (CPU tests, the CPU
// reference where it shares a formula) compile, so one formula is written once and tested on the CPU.
#pragma once
#ifdef __CUDACC__
#define FFDP_HD __host__ __device__
#else
#define FFDP_HD
#endif
