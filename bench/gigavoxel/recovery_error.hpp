// How far the registration's map is from the known one, inside the brain: for fixed points x,
// |T(x + u(x)) - (x + t(x))| in mm (T the affine, u the recovered field, t the truth), on a grid
// subsampled `subsample` times per axis from the fixed grid (the field resampled onto it, slab by
// slab), over voxels whose fixed intensity exceeds a tenth of the image's maximum.
#pragma once
#include <cstdint>

#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "known_deformation.hpp"
#include "ops/backend.hpp"
#include "reg/registration.hpp"

namespace ffdp::bench {

struct RecoveryError {
  int64_t voxels = 0;       // brain voxels of the subsampled grid (all ranks)
  double meanMm = 0, rmsMm = 0, maxMm = 0;
  double truthMeanMm = 0;   // mean |t(x)|: the error of doing nothing
};

RecoveryError recoveryError(Backend& backend, Comm& comm, const Image& fixed, const RegistrationResult& result,
                            const KnownDeformation& t, int subsample);

}  // namespace ffdp::bench
