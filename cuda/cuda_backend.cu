// The CUDA Backend: checks arguments, keeps every volume on the device (device_volume.cuh) and
// dispatches to one function per operation (cuda/<operation>.hpp). Global quantities are reduced
// over a slab's own slices and combined across ranks only for slab grids (owned_voxels.hpp, the
// CPU's rule). Halo refreshes and re-slabbing move device slices GPU to GPU through NCCL when every
// rank has its own GPU (nccl_halo_comm.hpp), else through host staging (cuda_backend.hpp).
//
// Masks are kept on the host too (resampleMask downloads its result, one byte per voxel): host code
// counts their voxels (dist/slab_volume.hpp countNonZero) and the Backend has no toHost for masks.
#include <cuda_runtime.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "centre_of_mass.hpp"
#include "core/error.hpp"
#include "cuda_backend.hpp"
#include "device_volume.cuh"
#include "dist/slab_halo.hpp"
#include "dist/slab_volume.hpp"
#include "field_adam.hpp"
#include "field_compose.hpp"
#include "field_invert.hpp"
#include "field_jacobian.hpp"
#include "field_max_norm.hpp"
#include "field_resample.hpp"
#include "field_restrict.hpp"
#include "field_smooth.hpp"
#include "image_pyramid.hpp"
#include "metric_dispatch.hpp"
#include "nccl_halo_comm.hpp"
#include "ops/coarse_field_map.hpp"
#include "ops/whole_intensity_range.hpp"
#include "owned_voxels.hpp"
#include "warp_resample.hpp"

namespace ffdp {
namespace {

using namespace cuda;

void requireSameGrid(const Grid& a, const Grid& b, const char* what) {
  if (!a.sameAs(b)) fail(ExitCode::Internal, std::string(what) + ": the volumes are not on one grid");
}

class CudaBackend final : public Backend {
 public:
  CudaBackend(Comm& comm, int device, HaloTransport halos) : comm_(comm) {
    int count = 0;
    check(cudaGetDeviceCount(&count), "counting the GPUs");
    if (device < 0 || device >= count)
      fail(ExitCode::Resource, "GPU " + std::to_string(device) + " requested, but this machine has " +
                                   std::to_string(count));
    check(cudaSetDevice(device), "selecting GPU " + std::to_string(device));
    check(cudaDeviceGetDefaultMemPool(&pool_, device), "querying the memory pool of GPU " + std::to_string(device));
    uint64_t zero = 0;  // the high-water mark counts from here
    check(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrUsedMemHigh, &zero), "resetting the memory high-water mark");
    if (comm.size() > 1 && halos != HaloTransport::HostStaging) {
      // Collective calls, in the same order on every rank: the GPU comparison, then NCCL's setup.
      const std::string shared = sharedGpuConflict(comm, device);
      if (shared.empty()) {
        nccl_ = std::make_unique<NcclHaloComm>(comm, device);
      } else if (halos == HaloTransport::Nccl) {
        fail(ExitCode::Usage, "GPU halo exchange over NCCL needs one GPU per rank, but " + shared +
                                  " (start at most as many ranks per machine as it has GPUs)");
      }
    }
  }
  DeviceTraffic deviceTraffic() const override { return nccl_ ? nccl_->traffic() : DeviceTraffic{}; }
  size_t devicePeakBytes() const override {
    uint64_t high = 0;
    check(cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrUsedMemHigh, &high), "reading the memory high-water mark");
    return size_t(high);
  }
  const char* name() const override { return "cuda"; }
  // A warp of background voxels adds its histogram votes at once (metric_mi.cu), so those voxels cost
  // less. Fitted to the per-rank compute times of a 1.2 G voxel MI run on 4 H200 with equal slabs
  // (docs/distribution.md, "Balanced slabs").
  double miBackgroundVoxelCost() const override { return 0.64; }
  // Every stream: the NCCL exchanges run on their own (the calling thread's stream waits for them).
  void finishQueuedWork() override { check(cudaDeviceSynchronize(), "waiting for the GPU's queued work"); }

  void toHost(Image& image) override { downloadToHost(image, "an image"); }
  void toHost(Field& field) override { downloadToHost(field, "a displacement field"); }
  Field zeroField(const Grid& grid) override {
    Field f;
    float* p = reinterpret_cast<float*>(deviceOut(f, grid, "a displacement field"));
    check(cudaMemsetAsync(p, 0, size_t(grid.voxels()) * sizeof(Vec3f), cudaStreamPerThread), "zeroing a field");
    return f;
  }

  Image smoothAndResample(const Image& in, const Vec3& sigmaVoxels, const Grid& target) override {
    Image out;
    float* o = deviceOut(out, target, "a pyramid level");
    cuda::smoothAndResample(deviceIn(in, "pyramid input"), in.grid, sigmaVoxels, target, o);
    return out;
  }
  Mask resampleMask(const Mask& in, const Grid& target) override {
    Mask out;
    uint8_t* o = deviceOut(out, target, "a mask level");
    cuda::resampleMask(deviceIn(in, "mask"), in.grid, target, o);
    downloadToHost(out, "a mask level");
    return out;
  }
  Image resampleAffine(const Image& moving, const Grid& grid, const Affine& A, Interpolation interp,
                       float outside) override {
    Image out;
    float* o = deviceOut(out, grid, "a resampled image");
    cuda::resampleAffine(deviceIn(moving, "moving image"), moving.grid, grid, A, interp, outside, o);
    return out;
  }
  AffineMetricEval affineMetric(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask,
                                const Affine& A, const MetricSettings& metric, bool withGradient) override {
    return cuda::affineMetric(inputs(fixed, moving, fixedMask, movingMask, A, metric), withGradient, comm_);
  }
  Vec3 centreOfMass(const Image& image) override {
    return cuda::centreOfMass(deviceIn(image, "image"), image.grid, comm_);
  }

  // On a slab, right on the own slices (the halo goes stale; ops/slab_backend.hpp refreshes it).
  // One pass into a new buffer that then replaces u's (no copy back; two fields at the peak, as the
  // two passes in place with their scratch volume, which the larger sigmas take).
  void smoothField(Field& u, const Vec3& sigmaVoxels) override {
    if (!cuda::smoothsInOnePass(u.grid, sigmaVoxels))
      return cuda::smoothField(floats(deviceInOut(u, "field to smooth")), u.grid, sigmaVoxels);
    const float* in = floats(deviceIn(u, "field to smooth"));
    auto smoothed = std::make_unique<cuda::CudaBlock>(size_t(u.voxels()) * sizeof(Vec3f), "a smoothed field");
    cuda::smoothFieldInto(in, static_cast<float*>(smoothed->data()), u.grid, sigmaVoxels);
    cuda::adoptDeviceCopy(u, std::move(smoothed));
  }
  Field composeFields(const Field& u, const Field& g) override {
    requireSameGrid(u.grid, g.grid, "composeFields");
    Field r;
    float* o = floats(deviceOut(r, g.grid, "a composed field"));
    cuda::composeFields(floats(deviceIn(u, "field")), floats(deviceIn(g, "field")), o, g.grid);
    return r;
  }
  Field invertField(const Field& u, int iterations, double tolerance) override {
    Field v;
    float* o = floats(deviceOut(v, u.grid, "an inverse field"));
    cuda::invertField(floats(deviceIn(u, "field to invert")), o, u.grid, iterations, tolerance, comm_);
    return v;
  }
  Image jacobianDeterminant(const Field& u) override {
    Image det;
    float* o = deviceOut(det, u.grid, "a Jacobian determinant");
    cuda::jacobianDeterminant(floats(deviceIn(u, "field")), u.grid, o);
    return det;
  }
  Field resampleField(const Field& u, const Grid& target) override {
    Field r;
    float* o = floats(deviceOut(r, target, "a resampled field"));
    cuda::resampleField(floats(deviceIn(u, "field")), u.grid, target, o);
    return r;
  }
  FieldMetricEval fieldMetric(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask,
                              const Affine& A, const Field& u, const MetricSettings& metric,
                              Field* gradient) override {
    MetricDeviceInputs in = inputs(fixed, moving, fixedMask, movingMask, A, metric);
    if (u.grid.sameAs(fixed.grid)) {
      float* g = gradient ? floats(deviceOut(*gradient, fixed.grid, "a metric gradient")) : nullptr;
      return cuda::fieldMetric(in, floats(deviceIn(u, "field")), g, comm_);
    }
    // A field on a coarser grid: the sampler interpolates u at each fixed voxel (coarseFieldMap throws
    // for grids it cannot pair); the gradient stays per fixed voxel, for restrictField.
    const CoarseFieldMap map = coarseFieldMap(fixed.grid, u.grid);
    in.fieldMap = &map;
    float* g = gradient ? floats(deviceOut(*gradient, fixed.grid, "a metric gradient")) : nullptr;
    return cuda::fieldMetric(in, floats(deviceIn(u, "field")), g, comm_);
  }
  Field restrictField(const Field& fine, const Grid& fieldGrid) override {
    Field out;
    float* o = floats(deviceOut(out, fieldGrid, "a gradient on a coarser field grid"));
    cuda::restrictField(floats(deviceIn(fine, "metric gradient")), coarseFieldMap(fine.grid, fieldGrid), o);
    return out;
  }
  double maxNorm(const Field& u) override {
    const OwnedVoxels own = ownedVoxels(u.grid);
    return reducedMax(u.grid, cuda::maxNorm(floats(deviceIn(u, "field") + own.first), own.count()));
  }
  Image resampleWarp(const Image& moving, const Affine& A, const Field& u, Interpolation interp,
                     float outside) override {
    Image out;
    float* o = deviceOut(out, u.grid, "a warped image");
    cuda::resampleWarp(deviceIn(moving, "moving image"), moving.grid, A, floats(deviceIn(u, "field")), u.grid, interp,
                       outside, o);
    return out;
  }
  double adamMoments(Field& m, Field& v, const Field& g, double gScale, double beta1, double beta2) override {
    requireSameGrid(m.grid, g.grid, "adamMoments");
    requireSameGrid(v.grid, g.grid, "adamMoments");
    // Own slices only: on a slab the moments' halo slices go stale (ops/slab_backend.hpp).
    const OwnedVoxels own = ownedVoxels(g.grid);
    return reducedMax(g.grid, cuda::adamMoments(floats(deviceInOut(m, "Adam moment m") + own.first),
                                                floats(deviceInOut(v, "Adam moment v") + own.first),
                                                floats(deviceIn(g, "gradient") + own.first), own.count(), gScale,
                                                beta1, beta2));
  }
  double adamDirectionMaxNorm(const Field& m, const Field& v, double c1, double c2, double epsilon) override {
    requireSameGrid(m.grid, v.grid, "adamDirectionMaxNorm");
    const OwnedVoxels own = ownedVoxels(m.grid);
    return reducedMax(m.grid, cuda::adamDirectionMaxNorm(floats(deviceIn(m, "Adam moment m") + own.first),
                                                         floats(deviceIn(v, "Adam moment v") + own.first), own.count(),
                                                         c1, c2, epsilon));
  }
  void composeAdamStep(const Field& u, const Field& m, const Field& v, double c1, double c2, double epsilon, double s,
                       Field& out) override {
    requireSameGrid(u.grid, m.grid, "composeAdamStep");
    requireSameGrid(u.grid, v.grid, "composeAdamStep");
    if (&out == &u) fail(ExitCode::Internal, "composeAdamStep: the output must not be the input field");
    float* o = floats(deviceOut(out, u.grid, "an updated field"));
    // Own slices only: reads m and v there alone; on a slab the output's halo is refreshed afterwards.
    cuda::composeAdamStep(floats(deviceIn(u, "field")), floats(deviceIn(m, "Adam moment m")),
                          floats(deviceIn(v, "Adam moment v")), c1, c2, epsilon, s, o, u.grid, ownedVoxels(u.grid));
  }

  void refreshHalo(Comm& comm, Image& v) override { refreshHaloOnDevice(comm, v, "an image"); }
  void refreshHalo(Comm& comm, Field& v) override { refreshHaloOnDevice(comm, v, "a displacement field"); }
  void refreshInnerHalo(Comm& comm, Field& v, int64_t depth) override {
    if (!v.grid.isSlab()) return;
    const SlabLayout layout = layoutOf(v.grid, comm);
    const InnerHalo inner = innerHalo(layout, comm.rank(), v.grid.slab.halo, depth);
    Grid part = v.grid;  // the exchange reads only its slice size and count
    part.size[2] = inner.slices;
    const int64_t plane = v.grid.size[0] * v.grid.size[1];
    Vec3f* device = deviceInOut(v, "a displacement field");
    exchangeHaloOnDevice(comm, layout, inner.depth, device + inner.firstSlice * plane, part,
                         "a displacement field (inner halo)");
  }
  void refreshHalo(Comm& comm, Mask& v) override {
    refreshHaloOnDevice(comm, v, "a mask");
    if (v.grid.isSlab()) downloadToHost(v, "a mask");  // masks stay on the host too (see the top)
  }
  Image reslab(Comm& comm, const Image& v, int64_t halo) override { return reslabOnDevice(comm, v, halo, "an image"); }
  Field reslab(Comm& comm, const Field& v, int64_t halo) override {
    return reslabOnDevice(comm, v, halo, "a displacement field");
  }
  Mask reslab(Comm& comm, const Mask& v, int64_t halo) override {
    Mask out = reslabOnDevice(comm, v, halo, "a mask");
    if (out.grid.isSlab()) downloadToHost(out, "a mask");
    return out;
  }

 private:
  static const float* floats(const Vec3f* p) { return reinterpret_cast<const float*>(p); }
  static float* floats(Vec3f* p) { return reinterpret_cast<float*>(p); }

  double reducedMax(const Grid& grid, double local) {
    acrossRanksMax(grid, comm_, &local, 1);
    return local;
  }

  // The halo slices of a slab buffer filled from their owners, in device memory (uploaded first when
  // the volume is on the host only; a host copy is dropped as stale). Whole grids: nothing to do.
  template <class T>
  void refreshHaloOnDevice(Comm& comm, Volume<T>& v, const char* what) {
    if (!v.grid.isSlab()) return;
    const SlabLayout layout = layoutOf(v.grid, comm);
    exchangeHaloOnDevice(comm, layout, v.grid.slab.halo, deviceInOut(v, what), v.grid, what);
  }

  // Through NCCL when the backend has it (no host copies, nothing waits), else staged through the host.
  template <class T>
  void exchangeHaloOnDevice(Comm& comm, const SlabLayout& layout, int64_t halo, T* device, const Grid& grid,
                            const char* what) {
    const size_t sliceBytes = size_t(grid.size[0] * grid.size[1]) * sizeof(T);
    if (nccl_) {
      if (comm.size() != nccl_->size() || comm.rank() != nccl_->rank())
        fail(ExitCode::Internal, std::string("halo exchange of ") + what + ": called with rank " +
                                     std::to_string(comm.rank()) + " of " + std::to_string(comm.size()) +
                                     ", but the backend's NCCL communicator is rank " + std::to_string(nccl_->rank()) +
                                     " of " + std::to_string(nccl_->size()));
      exchangeHaloBytes(*nccl_, layout, halo, device, sliceBytes, grid.size[2]);
      return;
    }
    unsigned char* base = reinterpret_cast<unsigned char*>(device);
    const auto describe = [&](const char* op, int64_t first, int64_t count) {
      return std::string("halo ") + op + " of " + what + " (slices " + std::to_string(first) + ".." +
             std::to_string(first + count) + " of " + std::to_string(grid.size[2]) + ", " +
             std::to_string(size_t(count) * sliceBytes) + " bytes)";
    };
    exchangeHaloStaged(
        comm, layout, halo, sliceBytes, grid.size[2],
        [&](int64_t first, int64_t count, void* host) {
          check(cudaMemcpyAsync(host, base + size_t(first) * sliceBytes, size_t(count) * sliceBytes,
                                cudaMemcpyDeviceToHost, cudaStreamPerThread),
                describe("download", first, count));
          check(cudaStreamSynchronize(cudaStreamPerThread), describe("download", first, count));
        },
        [&](int64_t first, int64_t count, const void* host) {
          check(cudaMemcpyAsync(base + size_t(first) * sliceBytes, host, size_t(count) * sliceBytes,
                                cudaMemcpyHostToDevice, cudaStreamPerThread),
                describe("upload", first, count));
          // The staging buffer is reused by the next round: the copy must have read it.
          check(cudaStreamSynchronize(cudaStreamPerThread), describe("upload", first, count));
        });
  }

  // The same own slices in a new device buffer with `halo` slices each side, halo filled. Whole
  // grids: a copy (device memory is cloned with the volume).
  template <class T>
  Volume<T> reslabOnDevice(Comm& comm, const Volume<T>& v, int64_t halo, const char* what) {
    if (!v.grid.isSlab()) return v;
    const SlabLayout layout = layoutOf(v.grid, comm);
    const T* in = deviceIn(v, what);
    Volume<T> out;
    T* o = deviceOut(out, layout.haloSlabGrid(comm.rank(), halo), what);
    const int64_t plane = v.grid.size[0] * v.grid.size[1];
    const int64_t owned = v.grid.ownedEnd() - v.grid.ownedBegin();
    if (owned > 0)
      check(cudaMemcpyAsync(o + out.grid.ownedBegin() * plane, in + v.grid.ownedBegin() * plane,
                            size_t(owned * plane) * sizeof(T), cudaMemcpyDeviceToDevice, cudaStreamPerThread),
            std::string("re-slabbing ") + what + " (" + std::to_string(owned) + " own slices of " +
                std::to_string(plane) + " voxels)");
    exchangeHaloOnDevice(comm, layout, halo, o, out.grid, what);
    return out;
  }

  MetricDeviceInputs inputs(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask,
                            const Affine& A, const MetricSettings& metric) {
    MetricDeviceInputs in;
    in.fixed = deviceIn(fixed, "fixed image");
    in.fixedGrid = fixed.grid;
    in.moving = deviceIn(moving, "moving image");
    in.movingGrid = moving.grid;
    in.fixedMask = fixedMask ? deviceIn(*fixedMask, "fixed mask") : nullptr;
    in.movingMask = movingMask ? deviceIn(*movingMask, "moving mask") : nullptr;
    in.A = A;
    in.settings = metric;
    fixedRange_ = intensityRangeOf(fixed, "fixed image");
    movingRange_ = intensityRangeOf(moving, "moving image");
    in.fixedRange = &fixedRange_;
    in.movingRange = &movingRange_;
    in.histogramBalance = balanceHistogram_ ? &histogramBalance_ : nullptr;
    return in;
  }

  // A window of a sharded moving image (ops/moving_window_cache.hpp) normalises by the whole image's
  // range; any other image by its own, measured once and kept with its device copy (device_volume.cuh).
  DeviceIntensityRange intensityRangeOf(const Image& image, const char* what) {
    if (const auto r = wholeIntensityRangeOf(image)) return {r->min, r->max};
    const float* values = deviceIn(image, what);
    CudaBlock* block = blockOf(image.device);
    if (!block->intensityRange) {
      const DeviceIntensityRange r = cuda::intensityRange(values, image.grid, comm_);
      block->intensityRange = CudaBlock::Range{r.min, r.max};
    }
    return {block->intensityRange->min, block->intensityRange->max};
  }

  Comm& comm_;
  cuda::DeviceIntensityRange fixedRange_, movingRange_;  // what inputs() points the metrics at
  HistogramBalance histogramBalance_;  // MI's histogram slices per rank, carried from call to call
  // FFDP_MI_HISTOGRAM_BALANCE=0 keeps every rank's histogram pass on its own slices (for comparison).
  bool balanceHistogram_ = [] {
    const char* v = std::getenv("FFDP_MI_HISTOGRAM_BALANCE");
    return !(v && std::string(v) == "0");
  }();
  cudaMemPool_t pool_ = nullptr;  // every DeviceArray allocates from it (device_array.cuh)
  std::unique_ptr<NcclHaloComm> nccl_;  // halos GPU to GPU; null: staged through the host
};

}  // namespace

std::unique_ptr<Backend> makeCudaBackend(Comm& comm, int device, HaloTransport halos) {
  return std::make_unique<CudaBackend>(comm, device, halos);
}

}  // namespace ffdp
