// OpenMP element-wise field arithmetic of the deformable optimiser (see ops/backend.hpp):
// Adam's moments and direction, and scaling. Each voxel is independent, so any thread count gives
// the same bits.
#pragma once
#include "core/field.hpp"

namespace ffdp::cpu {

void adamMoments(Field& m, Field& v, const Field& g, double beta1, double beta2);
void adamDirection(const Field& m, const Field& v, double c1, double c2, double epsilon, Field& d);
void scaleField(Field& u, double a);

}  // namespace ffdp::cpu
