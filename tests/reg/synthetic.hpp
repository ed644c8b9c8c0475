// Synthetic volumes with a known answer for the engine's tests: smooth random Gaussian blobs defined
// in physical space, so a "moved" image is sampled exactly (no resampling error) from the same field.
#pragma once
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "core/affine.hpp"
#include "core/volume.hpp"

namespace ffdp::test {

struct Blob {
  Vec3 centre;
  double sigma, amplitude;
};

// A smooth intensity field: a sum of Gaussian blobs (mm, LPS).
struct BlobField {
  std::vector<Blob> blobs;
  double operator()(const Vec3& p) const {
    double v = 0;
    for (const Blob& b : blobs) {
      const Vec3 d = p - b.centre;
      v += b.amplitude * std::exp(-dot(d, d) / (2 * b.sigma * b.sigma));
    }
    return v;
  }
};

// `count` blobs with centres within `radius` mm of `centre`, widths 4..10 mm (deterministic).
inline BlobField randomBlobs(unsigned seed, const Vec3& centre, double radius, int count) {
  std::mt19937 rng(seed);
  auto uniform = [&rng](double lo, double hi) { return lo + (hi - lo) * (double(rng()) / double(rng.max())); };
  BlobField f;
  while (static_cast<int>(f.blobs.size()) < count) {
    const Vec3 d{uniform(-1, 1), uniform(-1, 1), uniform(-1, 1)};
    if (norm(d) > 1) continue;
    f.blobs.push_back({centre + radius * d, uniform(4, 10), uniform(0.3, 1.0)});
  }
  return f;
}

// A grid of n^3 voxels of the given spacing, rotated by `degrees` about `axis`, centred on `centre`.
inline Grid obliqueGrid(int64_t n, const Vec3& spacing, const Vec3& axis, double degrees, const Vec3& centre) {
  Grid g;
  g.size = {n, n, n};
  g.spacing = spacing;
  g.direction = rotationFromVector((degrees * M_PI / 180.0 / norm(axis)) * axis);
  g.origin = {0, 0, 0};
  g.origin = centre - g.centre();
  return g;
}

// image(x) = field(map(x)) for every voxel x of the grid.
inline Image sampleField(const Grid& grid, const std::function<double(const Vec3&)>& field) {
  Image img(grid);
  for (int64_t k = 0; k < grid.size[2]; ++k)
    for (int64_t j = 0; j < grid.size[1]; ++j)
      for (int64_t i = 0; i < grid.size[0]; ++i)
        img.at(i, j, k) = static_cast<float>(field(grid.indexToPhysical({double(i), double(j), double(k)})));
  return img;
}

// A rigid map x -> R (x - c) + c + t with R = `degrees` about `axis`.
inline Affine rigidMap(const Vec3& axis, double degrees, const Vec3& translation, const Vec3& centre) {
  Affine a = Affine::identity(centre);
  a.M = rotationFromVector((degrees * M_PI / 180.0 / norm(axis)) * axis);
  a.t = translation;
  return a;
}

// Largest distance between a(x) and b(x) over the 8 corners of an axis-aligned box (or a grid's corners).
inline double maxCornerError(const Affine& a, const Affine& b, const Vec3& lo, const Vec3& hi) {
  double worst = 0;
  for (int n = 0; n < 8; ++n) {
    const Vec3 x{(n & 1) ? hi[0] : lo[0], (n & 2) ? hi[1] : lo[1], (n & 4) ? hi[2] : lo[2]};
    worst = std::max(worst, norm(a.apply(x) - b.apply(x)));
  }
  return worst;
}
inline double maxCornerError(const Affine& a, const Affine& b, const Grid& g) {
  double worst = 0;
  for (int n = 0; n < 8; ++n) {
    const Vec3 idx{(n & 1) ? double(g.size[0] - 1) : 0.0, (n & 2) ? double(g.size[1] - 1) : 0.0,
                   (n & 4) ? double(g.size[2] - 1) : 0.0};
    const Vec3 x = g.indexToPhysical(idx);
    worst = std::max(worst, norm(a.apply(x) - b.apply(x)));
  }
  return worst;
}

// Rotation angle (degrees) of the linear part of b^-1 a, made orthogonal (0 when a and b agree).
inline double rotationErrorDegrees(const Affine& a, const Affine& b) {
  const Mat3 d = nearestRotation(b.M.inverse() * a.M);
  return norm(rotationVector(d)) * 180.0 / M_PI;
}

}  // namespace ffdp::test
