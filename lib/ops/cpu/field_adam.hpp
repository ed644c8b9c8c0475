// OpenMP element-wise field arithmetic of the deformable optimiser (see ops/backend.hpp).
// Each voxel is independent and maxima go per slice then in slice order, so any thread count
// gives the same bits.
#pragma once
#include "core/field.hpp"
#include "dist/comm.hpp"

namespace ffdp::cpu {

// The greedy step's Adam update in three passes, as ops/backend.hpp defines adamMoments,
// adamDirectionMaxNorm and composeAdamStep, written for speed (field_adam.cpp):
// m <- b1 m + (1 - b1) s g, v <- b2 v + (1 - b2) (s g)^2; returns max |v(x)| (maxNorm's rules).
double updateAdamMoments(Field& m, Field& v, const Field& g, double gScale, double beta1, double beta2, Comm& comm);
// max |d(x)| of d = (m / c1) / (sqrt(v / c2) + epsilon), d not stored.
double largestAdamDirection(const Field& m, const Field& v, double c1, double c2, double epsilon, Comm& comm);
// out(x) = a d(x) + u(x + a d(x)) with d as above (a = stepScale): composeFields(u, a d) without
// storing a d. `out` is reallocated only when its grid differs and must not be u, m or v.
void composeAdamDirection(const Field& u, const Field& m, const Field& v, double c1, double c2, double epsilon,
                          double stepScale, Field& out);

}  // namespace ffdp::cpu
