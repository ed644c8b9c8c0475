// The greedy step's Adam update in three passes over the optimiser state (ops/backend.hpp):
//   adamMomentsMax        m, v from the (scaled) gradient, and max |v(x)|;
//   adamDirectionMaxNorm  max |d(x)| of the direction d = (m/c1) / (sqrt(v/c2) + eps), not stored;
//   composeAdamStep       out(x) = s d(x) + u(x + s d(x)), d recomputed per voxel.
// Unfused, the same step wrote the gradient scale, the direction and its scaled copy as whole
// fields and read them back (about 1 KB per voxel per iteration at 12 bytes a field); fused it
// reads g, m, v, u and writes m, v and the new field (about 130 bytes per voxel).
// Each voxel is independent and maxima go per slice then in slice order, so any thread count
// gives the same bits.
#pragma once
#include "core/field.hpp"
#include "dist/comm.hpp"

namespace ffdp::cpu {

double adamMomentsMax(Field& m, Field& v, const Field& g, double gScale, double beta1, double beta2, Comm& comm);
double adamDirectionMaxNorm(const Field& m, const Field& v, double c1, double c2, double epsilon, Comm& comm);
void composeAdamStep(const Field& u, const Field& m, const Field& v, double c1, double c2, double epsilon,
                     double stepScale, Field& out);

}  // namespace ffdp::cpu
