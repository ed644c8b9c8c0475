// Shared helpers for the ops tests: seeded random generators (the seed is printed, and can be
// fixed with FFDP_TEST_SEED to reproduce a failure), random oblique grids, smooth random images
// defined in physical space, and perturbations of the 12 affine parameters.
#pragma once
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/affine.hpp"
#include "support/test_support.hpp"
#include "core/volume.hpp"

namespace ffdp::test {

inline std::mt19937_64 seededRng(const std::string& what) {
  const uint64_t seed = chooseTestSeed();
  std::printf("[ops] %s: seed %llu (set FFDP_TEST_SEED to repeat)\n", what.c_str(), (unsigned long long)seed);
  std::fflush(stdout);
  return std::mt19937_64(seed);
}

inline double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

// A grid of the given size with anisotropic spacing and an oblique direction (a random rotation
// of up to `maxAngle` radians), centred at `centre`.
inline Grid randomObliqueGrid(std::mt19937_64& rng, std::array<int64_t, 3> size, double spacingLo, double spacingHi,
                              double maxAngle, const Vec3& centre) {
  Grid g;
  g.size = size;
  for (int a = 0; a < 3; ++a) g.spacing[a] = uniform(rng, spacingLo, spacingHi);
  Vec3 axis{uniform(rng, -1, 1), uniform(rng, -1, 1), uniform(rng, -1, 1)};
  axis = (uniform(rng, 0.3, 1.0) * maxAngle / std::max(norm(axis), 1e-9)) * axis;
  g.direction = rotationFromVector(axis);
  g.origin = {0, 0, 0};
  g.origin = centre - (g.centre() - g.origin);
  return g;
}

// A smooth random function of physical position: a constant, a linear trend and a few wide
// Gaussian blobs of random sign, so that trilinear kinks are small against the signal.
class SmoothField {
 public:
  SmoothField(std::mt19937_64& rng, const Vec3& centre, double extent) {
    offset_ = uniform(rng, 20, 40);
    for (int a = 0; a < 3; ++a) slope_[a] = uniform(rng, -0.3, 0.3);
    centre_ = centre;
    for (int b = 0; b < 6; ++b) {
      Blob blob;
      for (int a = 0; a < 3; ++a) blob.at[a] = centre[a] + uniform(rng, -0.4, 0.4) * extent;
      blob.amplitude = uniform(rng, -15, 15);
      blob.width = uniform(rng, 0.12, 0.3) * extent;
      blobs_.push_back(blob);
    }
  }
  double operator()(const Vec3& p) const {
    double v = offset_ + dot(slope_, p - centre_);
    for (const Blob& b : blobs_) {
      const Vec3 d = p - b.at;
      v += b.amplitude * std::exp(-0.5 * dot(d, d) / (b.width * b.width));
    }
    return v;
  }

 private:
  struct Blob {
    Vec3 at;
    double amplitude, width;
  };
  double offset_;
  Vec3 slope_, centre_;
  std::vector<Blob> blobs_;
};

template <class F>
Image sampleImage(const Grid& g, const F& f) {
  Image im(g);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i)
        im.at(i, j, k) = static_cast<float>(f(g.indexToPhysical({double(i), double(j), double(k)})));
  return im;
}

// An ellipsoidal mask around the grid centre with semi-axes `fraction` of the half extents.
inline Mask ellipsoidMask(const Grid& g, double fraction) {
  Mask m(g, 0);
  const double cx = (g.size[0] - 1) / 2.0, cy = (g.size[1] - 1) / 2.0, cz = (g.size[2] - 1) / 2.0;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const double x = (i - cx) / (fraction * (cx + 0.5)), y = (j - cy) / (fraction * (cy + 0.5)),
                     z = (k - cz) / (fraction * (cz + 0.5));
        m.at(i, j, k) = x * x + y * y + z * z <= 1.0 ? 1 : 0;
      }
  return m;
}

// A random affine near the identity about `centre`: rotation up to `angle`, scales within
// 1 +- `scale`, a little shear, translation up to `shift` mm per axis.
inline Affine randomAffine(std::mt19937_64& rng, const Vec3& centre, double angle, double scale, double shift) {
  Affine A = Affine::identity(centre);
  Vec3 axis{uniform(rng, -1, 1), uniform(rng, -1, 1), uniform(rng, -1, 1)};
  axis = (uniform(rng, 0.2, 1.0) * angle / std::max(norm(axis), 1e-9)) * axis;
  Mat3 S = Mat3::identity();
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) S.m[a][b] += a == b ? uniform(rng, -scale, scale) : uniform(rng, -0.3, 0.3) * scale;
  A.M = rotationFromVector(axis) * S;
  for (int a = 0; a < 3; ++a) A.t[a] = uniform(rng, -shift, shift);
  return A;
}

// Parameter p of the ITK order (M row-major, then t) changed by h.
inline Affine perturbed(const Affine& A, int p, double h) {
  Affine r = A;
  if (p < 9)
    r.M.m[p / 3][p % 3] += h;
  else
    r.t[p - 9] += h;
  return r;
}

}  // namespace ffdp::test
