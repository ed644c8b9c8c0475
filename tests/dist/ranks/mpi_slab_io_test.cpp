// Sharded image I/O across ranks: run by ctest under mpirun on 1-4 ranks (test_dist_ranks). Each rank
// writes only its slices (from a slab buffer with halo); ITK's reader (readImage) must then see exactly
// the whole image, and each rank's slab read of the file must hold exactly its slices. A displacement
// field written by slabs must be the very file writeDisplacementField writes for the whole field.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <zlib.h>

#include <csignal>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>

#include "core/error.hpp"
#include "dist/slab.hpp"
#include "io/field_io.hpp"
#include "io/image_io.hpp"
#include "io/slab_read.hpp"
#include "io/slab_write.hpp"
#include "mpi_world.hpp"
#include "support/test_support.hpp"

using namespace ffdp;

namespace {

void barrier(Comm& comm) {
  double token = 0;
  comm.allreduceSum(&token, 1);
}

// A scratch folder that every rank sees under the same name: rank 0 makes it, the others learn its
// name through a sum of characters, and it is removed only after every rank is done with it.
class SharedScratch {
 public:
  SharedScratch(Comm& comm, const std::string& tag) : comm_(comm) {
    if (comm.rank() == 0) dir_.emplace(tag);
    const std::string mine = dir_ ? dir_->path().string() : std::string();
    double length = double(mine.size());
    comm.allreduceSum(&length, 1);
    std::vector<double> chars(size_t(length), 0.0);
    for (size_t i = 0; i < mine.size(); ++i) chars[i] = double(static_cast<unsigned char>(mine[i]));
    comm.allreduceSum(chars.data(), chars.size());
    for (double c : chars) path_ += char(int(c));
  }
  ~SharedScratch() {
    barrier(comm_);
    dir_.reset();
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  Comm& comm_;
  std::optional<test::ScratchDir> dir_;
  std::string path_;
};

// Oblique, anisotropic; every voxel different, negative and fractional values.
Image wholeImage(int64_t nz) {
  Grid g;
  g.size = {13, 11, nz};
  g.spacing = {0.8, 1.1, 1.7};
  g.origin = {12.5, -40.25, 3.0};
  g.direction = rotationFromVector({0.35, 0.1, -0.25});
  Image img(g);
  for (int64_t n = 0; n < img.voxels(); ++n) img.data[size_t(n)] = 0.25f * float(n) - 300.0f + 0.125f * std::sin(float(n));
  return img;
}

// What a file of `type` holds for `v`: writeImage's documented rule (round half away, clamp).
float asStored(float v, PixelType type) {
  if (type == PixelType::Float32) return v;
  return float(std::clamp(std::round(double(v)), -32768.0, 32767.0));  // Int16, the other type used here
}

Image slabOf(const Image& whole, const SliceRange& r) {
  const int64_t plane = whole.grid.size[0] * whole.grid.size[1];
  Image slab(SlabLayout(whole.grid, 1).slabGrid(r));
  std::copy(whole.data.begin() + r.begin * plane, whole.data.begin() + r.end * plane, slab.data.begin());
  return slab;
}

int64_t differingVoxels(const std::vector<float>& got, const Image& whole, const SliceRange& r, PixelType type) {
  const int64_t plane = whole.grid.size[0] * whole.grid.size[1];
  if (int64_t(got.size()) != r.count() * plane) return -1;
  int64_t differ = 0;
  for (int64_t n = 0; n < r.count() * plane; ++n)
    differ += !(got[size_t(n)] == asStored(whole.data[size_t(r.begin * plane + n)], type));
  return differ;
}

// Lowers this process's file-size limit: writes past it fail with EFBIG (SIGXFSZ ignored), an I/O
// failure on one rank only, in the middle of a collective write.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    previous_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = old_;
    lowered.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lowered);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, previous_);
  }

 private:
  rlimit old_{};
  void (*previous_)(int) = nullptr;
};

// A field of random vectors (the same on every rank: a fixed seed) on an oblique, anisotropic grid.
Field randomField(const std::array<int64_t, 3>& size) {
  Grid g;
  g.size = size;
  g.spacing = {1.3, 0.7, 2.1};
  g.origin = {-20.5, 33.0, 7.75};
  g.direction = rotationFromVector({-0.2, 0.45, 0.15});
  Field u(g);
  std::mt19937 random(20240611u);
  std::uniform_real_distribution<float> mm(-25.0f, 25.0f);
  for (Vec3f& v : u.data) v = {mm(random), mm(random), mm(random)};
  return u;
}

Field fieldSlabOf(const Field& whole, const SliceRange& r) {
  const int64_t plane = whole.grid.size[0] * whole.grid.size[1];
  Field slab(SlabLayout(whole.grid, 1).slabGrid(r));
  std::copy(whole.data.begin() + r.begin * plane, whole.data.begin() + r.end * plane, slab.data.begin());
  return slab;
}

std::string fileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The uncompressed bytes of a (possibly multi-member) gzip file, as zlib's gzread delivers them.
std::string gunzippedBytes(const std::string& path) {
  std::string out;
  gzFile in = gzopen(path.c_str(), "rb");
  if (!in) return out;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(in, buffer, sizeof(buffer))) > 0) out.append(buffer, size_t(n));
  gzclose(in);
  return out;
}

template <class T>
T headerField(const std::string& bytes, size_t offset) {
  T value{};
  if (bytes.size() >= offset + sizeof(T)) std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

}  // namespace

TEST_CASE("an image written from every rank's slab reads back whole through ITK, and by slab", "[mpi][slab-io]") {
  Comm& comm = test::worldComm();
  const int n = comm.size(), rank = comm.rank();
  SharedScratch dir(comm, "mpi-slab-io");
  // Thick slabs, slabs of 1-2 slices and more ranks than slices (empty slabs).
  for (int64_t nz : {int64_t(n), int64_t(n + 1), int64_t(2 * n - 1), int64_t(7), std::max<int64_t>(1, n - 2)}) {
    const Image whole = wholeImage(nz);
    const SlabLayout layout(whole.grid, n);
    const SliceRange own = layout.own(rank), held = layout.withHalo(rank, 2);
    const Image slab = slabOf(whole, held);
    for (const PixelType type : {PixelType::Float32, PixelType::Int16}) {
      for (const std::string ext : {".nii", ".nii.gz"}) {
        const std::string path = dir / ("out_" + std::to_string(nz) + "_" + pixelTypeName(type) + ext);
        INFO(path << ", rank " << rank << " of " << n << " owns [" << own.begin << ", " << own.end << ")");
        writeImageSlabs(comm, path, whole.grid, slab, held, own, type);

        const LoadedImage back = readImage(path);
        CHECK(back.pixelType == type);
        CHECK(back.image.grid.sameAs(whole.grid, 1e-6));
        CHECK(differingVoxels(back.image.data, whole, {0, nz}, type) == 0);

        for (const SliceRange& r : {own, held}) {
          const LoadedImage mine = readImageSlab(path, r);
          CHECK(mine.image.grid.size[2] == r.count());
          CHECK(differingVoxels(mine.image.data, whole, r, type) == 0);
        }
        if (rank == 0 && ext == ".nii.gz")  // the concatenated members are one valid gzip file for gzip itself
          CHECK(test::runShell("gzip -t '" + path + "'").exitCode == 0);
        barrier(comm);
      }
    }
  }
}

TEST_CASE("a slab write that fails on one rank fails on every rank with that rank's message and leaves no file",
          "[mpi][slab-io]") {
  Comm& comm = test::worldComm();
  const int n = comm.size(), rank = comm.rank();
  SharedScratch dir(comm, "mpi-slab-io-fail");
  const Image whole = wholeImage(2 * int64_t(n) + 1);
  const SlabLayout layout(whole.grid, n);
  const SliceRange own = layout.own(rank);
  // The last rank hands over a buffer one slice short of its slices.
  const Image slab = rank == n - 1 ? slabOf(whole, {own.begin, own.end - 1}) : slabOf(whole, own);
  for (const std::string name : {"a.nii", "a.nii.gz"}) {
    const std::string path = dir / name;
    INFO(path << ", rank " << rank << " of " << n);
    try {
      writeImageSlabs(comm, path, whole.grid, slab, own, PixelType::Float32);
      FAIL("no error on this rank");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::Internal);
      CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains("does not match its held slices"));
      if (n > 1) CHECK_THAT(e.what(), Catch::Contains("(rank " + std::to_string(n - 1) + " of " + std::to_string(n) + ")"));
    }
    barrier(comm);
    CHECK(std::filesystem::is_empty(dir.path()));
    barrier(comm);
  }
}

TEST_CASE("a slab write whose file write fails on one rank fails on every rank and leaves no file", "[mpi][slab-io]") {
  Comm& comm = test::worldComm();
  const int n = comm.size(), rank = comm.rank();
  SharedScratch dir(comm, "mpi-slab-io-efbig");
  const Image whole = wholeImage(4 * int64_t(n));
  const SlabLayout layout(whole.grid, n);
  const SliceRange own = layout.own(rank);
  const Image slab = slabOf(whole, own);
  for (const std::string name : {"a.nii", "a.nii.gz"}) {
    const std::string path = dir / name;
    INFO(path << ", rank " << rank << " of " << n);
    {
      // The last rank cannot write past byte 1 of any file: it fails when it writes its slices (when
      // it is rank 0 too, already when it creates the file).
      std::optional<FileSizeLimit> limit;
      if (rank == n - 1) limit.emplace(1);
      try {
        writeImageSlabs(comm, path, whole.grid, slab, own, PixelType::Float32);
        FAIL("no error on this rank");
      } catch (const Error& e) {
        CHECK(e.code() == ExitCode::Resource);
        CHECK_THAT(e.what(), Catch::Contains(path + ": cannot write: "));
        if (n > 1) CHECK_THAT(e.what(), Catch::Contains("write failed") && Catch::Contains("(rank " + std::to_string(n - 1)));
      }
    }
    barrier(comm);
    CHECK(std::filesystem::is_empty(dir.path()));
    barrier(comm);
  }
}

TEST_CASE("a field written from every rank's slab is the file writeDisplacementField writes for the whole field",
          "[mpi][slab-io][field]") {
  Comm& comm = test::worldComm();
  const int n = comm.size(), rank = comm.rank();
  SharedScratch dir(comm, "mpi-slab-field");
  // 11 slices; one slice per rank; fewer slices than ranks (some rank owns none) on 3-4 ranks.
  for (const std::array<int64_t, 3> size : {std::array<int64_t, 3>{7, 5, 11}, std::array<int64_t, 3>{7, 5, int64_t(n)},
                                            std::array<int64_t, 3>{6, 4, std::max<int64_t>(1, n - 2)}}) {
    const Field whole = randomField(size);
    const int64_t nz = size[2];
    const SlabLayout layout(whole.grid, n);
    const SliceRange own = layout.own(rank), held = layout.withHalo(rank, 2);
    const Field slab = fieldSlabOf(whole, held);
    for (const std::string ext : {".nii", ".nii.gz"}) {
      const std::string path = dir / ("u_" + std::to_string(nz) + ext);
      const std::string reference = dir / ("reference_" + std::to_string(nz) + ext);
      INFO(path << ", rank " << rank << " of " << n << " owns [" << own.begin << ", " << own.end << ") of " << nz);
      writeFieldSlabs(comm, path, whole.grid, slab, held, own);
      if (rank == 0) writeDisplacementField(reference, whole);
      barrier(comm);

      // Every rank reads the whole field back: the same grid and the very values. (ITK's NIfTI reader
      // drops a trailing axis of size 1, so a one-slice field comes back with a unit z axis; it must
      // then read back as the whole-field writer's file does.)
      const Field back = readDisplacementField(path);
      CHECK(back.grid.sameAs(readDisplacementField(reference).grid, 1e-6));
      if (nz > 1) CHECK(back.grid.sameAs(whole.grid, 1e-6));
      REQUIRE(back.data.size() == whole.data.size());
      int64_t differ = 0;
      for (size_t v = 0; v < whole.data.size(); ++v) differ += !(back.data[v] == whole.data[v]);
      CHECK(differ == 0);

      if (rank == 0) {
        const bool gz = ext == ".nii.gz";
        const std::string got = gz ? gunzippedBytes(path) : fileBytes(path);
        const std::string want = gz ? gunzippedBytes(reference) : fileBytes(reference);
        CHECK(got.size() == want.size());
        CHECK((got == want));  // header and voxels, byte for byte
        // What an ITK tool needs to see a field: a 5-D NIfTI with 3 vector components, intent 1007, float32.
        CHECK(headerField<int16_t>(got, 40) == 5);
        CHECK(headerField<int16_t>(got, 46) == nz);
        CHECK(headerField<int16_t>(got, 50) == 3);
        CHECK(headerField<int16_t>(got, 68) == 1007);
        CHECK(headerField<int16_t>(got, 70) == 16);
        // Component-planar: the first value after the header is x of voxel 0, the value one volume
        // later is its y.
        const size_t voxOffset = size_t(headerField<float>(got, 108));
        CHECK(headerField<float>(got, voxOffset) == whole.data[0][0]);
        CHECK(headerField<float>(got, voxOffset + size_t(whole.voxels()) * 4) == whole.data[0][1]);
        if (gz) CHECK(test::runShell("gzip -t '" + path + "'").exitCode == 0);
      }
      barrier(comm);
    }
  }
}

TEST_CASE("a field written by slabs to a format other than NIfTI fails alike on every rank and leaves no file",
          "[mpi][slab-io][field]") {
  Comm& comm = test::worldComm();
  const int n = comm.size(), rank = comm.rank();
  SharedScratch dir(comm, "mpi-slab-field-nrrd");
  const Field whole = randomField({5, 4, 2 * int64_t(n) + 1});
  const SlabLayout layout(whole.grid, n);
  const SliceRange own = layout.own(rank);
  const std::string path = dir / "u.nrrd";
  INFO("rank " << rank << " of " << n);
  try {
    writeFieldSlabs(comm, path, whole.grid, fieldSlabOf(whole, own), own);
    FAIL("no error on this rank");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::Resource);
    CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains("gather and use writeDisplacementField"));
    // One error: every rank reports rank 0's, the lowest that failed.
    if (n > 1) CHECK_THAT(e.what(), Catch::EndsWith("(rank 0 of " + std::to_string(n) + ")"));
  }
  barrier(comm);
  CHECK(std::filesystem::is_empty(dir.path()));
  barrier(comm);
}
