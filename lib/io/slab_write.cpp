// writeImageSlabs and writeFieldSlabs: one collective write (writeSlabContent) in steps, each ending
// with a reduction in which the ranks agree that all succeeded (see slab_write.hpp). Comm has no barrier, broadcast or gather, so the steps use
// allreduceSum / Max / Min only: a barrier is a reduction, a broadcast is a sum in which only the
// root contributes, an exclusive prefix sum is a sum over a per-rank vector.
#include "io/slab_write.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/itk_support.hpp"
#include "io/voxel_types.hpp"

namespace ffdp {
namespace {

constexpr int kRoot = 0;
constexpr int64_t kChunkVoxels = int64_t(1) << 20;  // voxels converted per step (bounds the buffers)
constexpr size_t kMaxMessage = 2000;                 // longest error text passed between ranks
constexpr size_t kMaxPath = size_t(1) << 16;

// ---- agreement between ranks ----------------------------------------------------------------------

struct LocalOutcome {
  ExitCode code = ExitCode::Ok;
  std::string message;
};

// Runs one rank's part of a step and records, instead of throwing, how it ended: the throw must wait
// until every rank has reached the reduction that shares the outcome.
LocalOutcome attempt(const std::string& path, const std::function<void()>& step) {
  try {
    step();
    return {};
  } catch (const Error& e) {
    return {e.code(), e.what()};
  } catch (const std::bad_alloc&) {
    return {ExitCode::Resource, path + ": cannot write: out of memory"};
  } catch (const std::exception& e) {
    return {ExitCode::Internal, path + ": cannot write: " + e.what()};
  }
}

// `text` of rank `root` on every rank: a sum in which only the root's characters are nonzero.
std::string broadcastText(Comm& comm, int root, const std::string& text, size_t maxLength) {
  double length = comm.rank() == root ? double(std::min(text.size(), maxLength)) : 0.0;
  comm.allreduceSum(&length, 1);
  std::vector<double> chars(size_t(length), 0.0);
  if (comm.rank() == root)
    for (size_t i = 0; i < chars.size(); ++i) chars[i] = double(static_cast<unsigned char>(text[i]));
  comm.allreduceSum(chars.data(), chars.size());
  std::string out(chars.size(), '\0');
  for (size_t i = 0; i < chars.size(); ++i) out[i] = char(static_cast<unsigned char>(chars[i]));
  return out;
}

// Returns when every rank's step succeeded; otherwise every rank throws the lowest failing rank's error.
void agree(Comm& comm, const LocalOutcome& mine) {
  std::vector<double> codes(size_t(comm.size()), 0.0);
  codes[size_t(comm.rank())] = double(static_cast<int>(mine.code));
  comm.allreduceSum(codes.data(), codes.size());
  const auto failed = std::find_if(codes.begin(), codes.end(), [](double c) { return c != 0.0; });
  if (failed == codes.end()) return;
  const int rank = int(failed - codes.begin());
  std::string message = broadcastText(comm, rank, mine.message, kMaxMessage);
  if (comm.size() > 1) message += " (rank " + std::to_string(rank) + " of " + std::to_string(comm.size()) + ")";
  throw Error(static_cast<ExitCode>(int(*failed)), message);
}

// ---- what is written -------------------------------------------------------------------------------

// Streams encoded bytes: called once per chunk, in file order.
using ByteSink = std::function<void(const char*, size_t)>;

// The part of a collective write that differs between a scalar image and a vector field. NIfTI stores
// a vector image component by component (all x values of the whole volume, then all y, then all z: the
// 5th dimension is the slowest), so a z-slab of a field is `components` separate byte ranges of the
// file, one per component, and each is written (or compressed) on its own.
struct SlabContent {
  const char* wholeWriter = "";  // what to use instead for other formats ("writeImage")
  int components = 1;            // value planes in the file: 1 for a scalar image, 3 for a field
  int64_t bytesPerValue = 0;     // 0: no voxel type chosen
  double kind = 0;               // the ranks must agree on it (voxel type, components)
  Grid bufferGrid;               // the slab buffer's grid
  bool onHost = true;
  // Writes the file the whole-image writer would write for an image of grid `grid` (one slice of the
  // whole grid; the voxels do not matter).
  std::function<void(const std::string& file, const Grid& grid)> writeProbe;
  // Streams component `c` of this rank's owned slices, encoded as the file stores it.
  std::function<void(int c, const ByteSink& sink)> encodeOwned;
};

// ---- arguments -------------------------------------------------------------------------------------

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void checkLocalArguments(const std::string& path, const Grid& whole, const SlabContent& content,
                         const SliceRange& held, const SliceRange& own) {
  auto misuse = [&](const std::string& what) { fail(ExitCode::Internal, path + ": cannot write by slabs: " + what); };
  if (!endsWith(path, ".nii") && !endsWith(path, ".nii.gz"))
    fail(ExitCode::Resource, path + ": cannot write by slabs: only .nii and .nii.gz are written from slabs (got \"" +
                                 formatExtension(path) + "\"); gather and use " + content.wholeWriter);
  if (content.bytesPerValue <= 0) misuse("no voxel type chosen (PixelType::Other)");
  if (whole.voxels() <= 0) misuse("the image has no voxels");
  if (held.begin < 0 || held.end > whole.size[2] || held.begin > held.end) misuse("held slices outside the image");
  if (own.empty()) return;
  if (own.begin < held.begin || own.end > held.end) misuse("owned slices outside the held ones");
  const Grid& buffer = content.bufferGrid;
  if (buffer.size[0] != whole.size[0] || buffer.size[1] != whole.size[1] || buffer.size[2] != held.count())
    misuse("the slab buffer's size does not match its held slices");
  if (!content.onHost) misuse("the slab's voxels are not on the host");
}

// The same decision on every rank: the owned ranges tile [0, nz) in rank order, and every rank
// describes the same image (size, geometry, type, path).
void checkRanksAgree(Comm& comm, const std::string& path, const Grid& whole, const SliceRange& own, double kind) {
  std::vector<double> ranges(2 * size_t(comm.size()), 0.0);
  ranges[2 * size_t(comm.rank())] = double(own.empty() ? -1 : own.begin);
  ranges[2 * size_t(comm.rank()) + 1] = double(own.empty() ? -1 : own.end);
  comm.allreduceSum(ranges.data(), ranges.size());
  int64_t next = 0;
  for (int r = 0; r < comm.size(); ++r) {
    if (ranges[2 * size_t(r)] < 0) continue;  // owns nothing
    if (int64_t(ranges[2 * size_t(r)]) != next)
      fail(ExitCode::Internal, path + ": cannot write by slabs: rank " + std::to_string(r) + " starts at slice " +
                                   std::to_string(int64_t(ranges[2 * size_t(r)])) + ", expected " + std::to_string(next));
    next = int64_t(ranges[2 * size_t(r) + 1]);
  }
  if (next != whole.size[2])
    fail(ExitCode::Internal, path + ": cannot write by slabs: the ranks' slices end at " + std::to_string(next) +
                                 " of " + std::to_string(whole.size[2]));

  std::vector<double> described = {double(whole.size[0]), double(whole.size[1]), double(whole.size[2]), kind,
                                   double(std::hash<std::string>{}(path) >> 12)};
  for (int d = 0; d < 3; ++d) {
    described.push_back(whole.spacing[d]);
    described.push_back(whole.origin[d]);
    for (int e = 0; e < 3; ++e) described.push_back(whole.direction.m[d][e]);
  }
  std::vector<double> low = described, high = described;
  comm.allreduceMin(low.data(), low.size());
  comm.allreduceMax(high.data(), high.size());
  for (size_t i = 0; i < described.size(); ++i)
    if (!(low[i] == high[i]))
      fail(ExitCode::Internal, path + ": cannot write by slabs: the ranks disagree on the image's " +
                                   std::string(i < 3 ? "size" : i == 3 ? "voxel type" : i == 4 ? "path" : "geometry"));
}

// ---- voxels ----------------------------------------------------------------------------------------

int64_t bytesPerVoxel(PixelType type) {
  switch (type) {
    case PixelType::UInt8:
    case PixelType::Int8:
      return 1;
    case PixelType::UInt16:
    case PixelType::Int16:
      return 2;
    case PixelType::UInt32:
    case PixelType::Int32:
    case PixelType::Float32:
      return 4;
    case PixelType::Float64:
      return 8;
    case PixelType::Other:
      break;
  }
  return 0;
}

template <class T>
void encodeAs(const float* in, int64_t count, char* out) {
  for (int64_t n = 0; n < count; ++n) {
    const T v = roundAndClamp<T>(in[n]);
    std::memcpy(out + n * int64_t(sizeof(T)), &v, sizeof(T));
  }
}

// `count` floats as the file's voxel type, native byte order (ITK writes NIfTI in native order).
void encodeVoxels(const float* in, int64_t count, PixelType type, char* out) {
  switch (type) {
    case PixelType::UInt8: return encodeAs<uint8_t>(in, count, out);
    case PixelType::Int8: return encodeAs<int8_t>(in, count, out);
    case PixelType::UInt16: return encodeAs<uint16_t>(in, count, out);
    case PixelType::Int16: return encodeAs<int16_t>(in, count, out);
    case PixelType::UInt32: return encodeAs<uint32_t>(in, count, out);
    case PixelType::Int32: return encodeAs<int32_t>(in, count, out);
    case PixelType::Float32: return encodeAs<float>(in, count, out);
    case PixelType::Float64: return encodeAs<double>(in, count, out);
    case PixelType::Other: break;
  }
}

// Feeds `sink` the owned slices of a scalar slab, converted to `type` in chunks.
void encodeImageSlices(const Image& slab, const SliceRange& held, const SliceRange& own, PixelType type,
                       const ByteSink& sink) {
  const int64_t plane = slab.grid.size[0] * slab.grid.size[1];
  const float* first = slab.data.data() + (own.begin - held.begin) * plane;
  const int64_t total = own.count() * plane, bytes = bytesPerVoxel(type);
  std::vector<char> buffer(size_t(std::min(total, kChunkVoxels) * bytes));
  for (int64_t done = 0; done < total;) {
    const int64_t count = std::min(kChunkVoxels, total - done);
    encodeVoxels(first + done, count, type, buffer.data());
    sink(buffer.data(), size_t(count * bytes));
    done += count;
  }
}

// Feeds `sink` component `c` of the owned slices of a field slab: float32 as stored (what
// writeDisplacementField writes), native byte order.
void encodeFieldComponent(const Field& slab, const SliceRange& held, const SliceRange& own, int c,
                          const ByteSink& sink) {
  const int64_t plane = slab.grid.size[0] * slab.grid.size[1];
  const Vec3f* first = slab.data.data() + (own.begin - held.begin) * plane;
  const int64_t total = own.count() * plane;
  std::vector<float> buffer(size_t(std::min(total, kChunkVoxels)));
  for (int64_t done = 0; done < total;) {
    const int64_t count = std::min(kChunkVoxels, total - done);
    for (int64_t n = 0; n < count; ++n) buffer[size_t(n)] = first[done + n][size_t(c)];
    sink(reinterpret_cast<const char*>(buffer.data()), size_t(count) * sizeof(float));
    done += count;
  }
}

// ---- NIfTI header ------------------------------------------------------------------------------------

std::string readFileBytes(const std::string& file, const std::string& path) {
  std::string bytes;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(ExitCode::Resource, path + ": cannot write: cannot read back the header written by ITK");
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) bytes.append(buffer, size_t(n));
  ::close(fd);
  return bytes;
}

// Checks and patches the dim array of the probe's header (NIfTI-1: int16, NIfTI-2: int64) for nz slices.
template <class DimT>
void patchSliceCount(DimT (&dim)[8], const Grid& whole, int components, const std::function<void(const std::string&)>& broken) {
  if (dim[1] != whole.size[0] || dim[2] != whole.size[1]) broken("dim");
  if (components > 1 && (dim[0] != 5 || dim[3] != 1 || dim[4] != 1 || dim[5] != components))
    broken("vector dims " + std::to_string(dim[0]) + ": " + std::to_string(dim[3]) + " " + std::to_string(dim[4]) +
           " " + std::to_string(dim[5]));
  dim[0] = std::max<DimT>(dim[0], 3);  // a one-slice scalar image may have been written as 2-D
  dim[3] = DimT(whole.size[2]);
}

// The bytes before the voxels of the file the whole-image writer would write: it writes an image of
// one slice with the same geometry (so qform, sform, units, type and intent fields are ITK's own), and
// the slice count is patched to nz. Every other header field is independent of nz.
std::string niftiHeader(const std::string& path, const Grid& whole, const SlabContent& content) {
  Grid oneSlice = whole;
  oneSlice.size[2] = 1;
  const std::string probeTarget = path + ".header.nii";
  TemporaryOutput probeFile(probeTarget);  // removed when this function returns
  try {
    content.writeProbe(probeFile.path(), oneSlice);
  } catch (const Error& e) {
    fail(e.code(), replaceAll(replaceAll(e.what(), probeFile.path(), path), probeTarget, path));
  }
  std::string bytes = readFileBytes(probeFile.path(), path);

  auto broken = [&](const std::string& what) {
    fail(ExitCode::Internal, path + ": cannot write by slabs: ITK's NIfTI header is not as expected (" + what + ")");
  };
  // ITK 5.2's NIfTI writer does not report a short write (disk full, file-size limit): check the length.
  auto incomplete = [&] {
    fail(ExitCode::Resource, path + ": cannot write: the NIfTI header written through ITK is incomplete (" +
                                 std::to_string(bytes.size()) + " bytes; disk full or file-size limit?)");
  };
  if (bytes.size() < 352) incomplete();
  int32_t sizeofHdr = 0;
  std::memcpy(&sizeofHdr, bytes.data(), 4);
  const int64_t probeVoxelBytes = whole.size[0] * whole.size[1] * content.components * content.bytesPerValue;
  if (sizeofHdr == 348) {
    float voxOffset = 0;
    std::memcpy(&voxOffset, bytes.data() + 108, 4);
    if (voxOffset < 348) broken("vox_offset");
    if (int64_t(voxOffset) + probeVoxelBytes != int64_t(bytes.size())) incomplete();
    bytes.resize(size_t(voxOffset));
    int16_t dim[8];
    std::memcpy(dim, bytes.data() + 40, sizeof(dim));
    if (whole.size[2] > std::numeric_limits<int16_t>::max())
      fail(ExitCode::Resource, path + ": cannot write: " + std::to_string(whole.size[2]) +
                                   " slices do not fit a NIfTI-1 header (at most 32767)");
    patchSliceCount(dim, whole, content.components, broken);
    std::memcpy(bytes.data() + 40, dim, sizeof(dim));
  } else if (sizeofHdr == 540) {
    int64_t voxOffset = 0;
    std::memcpy(&voxOffset, bytes.data() + 168, 8);
    if (voxOffset < 540) broken("vox_offset");
    if (voxOffset + probeVoxelBytes != int64_t(bytes.size())) incomplete();
    bytes.resize(size_t(voxOffset));
    int64_t dim[8];
    std::memcpy(dim, bytes.data() + 16, sizeof(dim));
    patchSliceCount(dim, whole, content.components, broken);
    std::memcpy(bytes.data() + 16, dim, sizeof(dim));
  } else {
    broken("sizeof_hdr " + std::to_string(sizeofHdr));
  }
  return bytes;
}

// ---- files ---------------------------------------------------------------------------------------------

[[noreturn]] void ioFailure(const std::string& path, const std::string& what) {
  fail(ExitCode::Resource, path + ": cannot write: " + what + ": " + std::strerror(errno));
}

class OutputFd {
 public:
  OutputFd(const std::string& file, int flags, const std::string& path) : path_(path) {
    fd_ = ::open(file.c_str(), flags | O_WRONLY | O_CLOEXEC, 0666);
    if (fd_ < 0) ioFailure(path_, "cannot open the temporary file");
  }
  ~OutputFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  OutputFd(const OutputFd&) = delete;
  OutputFd& operator=(const OutputFd&) = delete;

  void writeAt(const char* data, size_t bytes, uint64_t offset) {
    while (bytes > 0) {
      const ssize_t n = ::pwrite(fd_, data, std::min<size_t>(bytes, size_t(1) << 30), off_t(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ioFailure(path_, "write failed");
      data += n, bytes -= size_t(n), offset += uint64_t(n);
    }
  }
  void resize(uint64_t bytes) {
    if (::ftruncate(fd_, off_t(bytes)) != 0) ioFailure(path_, "cannot size the file");
  }
  // close() reports errors that a delayed write (NFS, quota) only shows here.
  void close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) ioFailure(path_, "close failed");
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// One gzip member (RFC 1952) built in memory from pieces.
class GzipMember {
 public:
  explicit GzipMember(const std::string& path) : path_(path) {
    if (deflateInit2(&stream_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      fail(ExitCode::Resource, path + ": cannot write: zlib cannot start compressing");
  }
  ~GzipMember() { deflateEnd(&stream_); }
  GzipMember(const GzipMember&) = delete;
  GzipMember& operator=(const GzipMember&) = delete;

  void add(const char* data, size_t bytes) { run(data, bytes, Z_NO_FLUSH); }
  std::vector<char> finish() {
    run(nullptr, 0, Z_FINISH);
    bytes_.resize(used_);
    return std::move(bytes_);
  }

 private:
  void run(const char* data, size_t bytes, int flush) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    stream_.avail_in = uInt(bytes);  // callers pass chunks of at most a few MiB
    for (;;) {
      if (used_ == bytes_.size()) bytes_.resize(bytes_.size() + (size_t(1) << 20) + bytes_.size() / 4);
      stream_.next_out = reinterpret_cast<Bytef*>(bytes_.data() + used_);
      stream_.avail_out = uInt(std::min<size_t>(bytes_.size() - used_, size_t(1) << 30));
      const uInt before = stream_.avail_out;
      const int status = deflate(&stream_, flush);
      used_ += before - stream_.avail_out;
      if (status == Z_STREAM_ERROR) fail(ExitCode::Internal, path_ + ": cannot write: zlib stream error");
      if (flush == Z_FINISH ? status == Z_STREAM_END : (stream_.avail_in == 0 && stream_.avail_out > 0)) return;
    }
  }

  std::string path_;
  z_stream stream_{};
  std::vector<char> bytes_;
  size_t used_ = 0;
};

// The collective write of a scalar image or a field. Rank r's component c is one byte range of the
// file: in a .nii at vox_offset + (c * nz + k0) * plane * bytes; in a .nii.gz one gzip member, the
// members ordered component first (component 0 of ranks 0..n-1, then component 1, ...), so the
// prefix sum of their sizes runs over components * n entries. Rank 0's component-0 member starts
// with the header (and is the header alone when rank 0 owns no slice).
void writeSlabContent(Comm& comm, const std::string& path, const Grid& whole, const SliceRange& held,
                      const SliceRange& own, const SlabContent& content) {
  const bool root = comm.rank() == kRoot;
  const bool gzip = endsWith(path, ".gz");
  agree(comm, attempt(path, [&] {
          checkLocalArguments(path, whole, content, held, own);
          if (root) requireOutputDirectory(path);
        }));
  checkRanksAgree(comm, path, whole, own, content.kind);  // throws on every rank alike

  const int components = content.components;
  const int64_t bytes = content.bytesPerValue, plane = whole.size[0] * whole.size[1];
  std::optional<TemporaryOutput> temporary;  // root only: the one file every rank writes into
  std::string header;
  std::vector<std::vector<char>> members(static_cast<size_t>(components));  // .nii.gz: this rank's, one per component
  agree(comm, attempt(path, [&] {
          if (root) header = niftiHeader(path, whole, content);
          if (gzip) {
            for (int c = 0; c < components; ++c) {
              const bool withHeader = root && c == 0;
              if (!withHeader && own.empty()) continue;  // no member at all
              GzipMember compressor(path);
              if (withHeader) compressor.add(header.data(), header.size());
              if (!own.empty()) content.encodeOwned(c, [&](const char* b, size_t n) { compressor.add(b, n); });
              members[size_t(c)] = compressor.finish();
            }
          } else if (root) {
            temporary.emplace(path);
            OutputFd file(temporary->path(), O_CREAT | O_EXCL, path);
            file.resize(uint64_t(header.size()) + uint64_t(whole.voxels() * components * bytes));
            file.writeAt(header.data(), header.size(), 0);
            file.close();
          }
        }));

  // Where this rank's bytes go: one offset per component.
  std::vector<uint64_t> offsets(size_t(components), 0);
  if (gzip) {
    const size_t n = size_t(comm.size());
    std::vector<double> sizes(size_t(components) * n, 0.0);  // member (c, r) at c * n + r
    for (int c = 0; c < components; ++c) sizes[size_t(c) * n + size_t(comm.rank())] = double(members[size_t(c)].size());
    comm.allreduceSum(sizes.data(), sizes.size());
    double total = 0;
    for (size_t m = 0; m < sizes.size(); ++m) {
      if (m % n == size_t(comm.rank())) offsets[m / n] = uint64_t(total);
      total += sizes[m];
    }
    agree(comm, attempt(path, [&] {
            if (!root) return;
            temporary.emplace(path);
            OutputFd file(temporary->path(), O_CREAT | O_EXCL, path);
            file.resize(uint64_t(total));
            file.close();
          }));
  }
  const std::string temporaryPath = broadcastText(comm, kRoot, temporary ? temporary->path() : std::string(), kMaxPath);
  if (!gzip) {  // every rank needs the header's length to place its slices
    double headerBytes = root ? double(header.size()) : 0.0;
    comm.allreduceSum(&headerBytes, 1);
    for (int c = 0; c < components; ++c)
      offsets[size_t(c)] = uint64_t(headerBytes) +
                           uint64_t((c * whole.size[2] + std::max<int64_t>(own.begin, 0)) * plane * bytes);
  }

  agree(comm, attempt(path, [&] {
          const bool nothing = gzip ? std::all_of(members.begin(), members.end(), [](const auto& m) { return m.empty(); })
                                    : own.empty();
          if (nothing) return;
          OutputFd file(temporaryPath, 0, path);
          for (int c = 0; c < components; ++c) {
            if (gzip) {
              const std::vector<char>& member = members[size_t(c)];
              if (!member.empty()) file.writeAt(member.data(), member.size(), offsets[size_t(c)]);
            } else {
              uint64_t at = offsets[size_t(c)];
              content.encodeOwned(c, [&](const char* b, size_t n) {
                file.writeAt(b, n, at);
                at += n;
              });
            }
          }
          file.close();
        }));
  agree(comm, attempt(path, [&] {
          if (root) temporary->commit();
        }));
}

}  // namespace

void writeImageSlabs(Comm& comm, const std::string& path, const Grid& whole, const Image& slab,
                     const SliceRange& held, const SliceRange& own, PixelType type) {
  SlabContent content;
  content.wholeWriter = "writeImage";
  content.components = 1;
  content.bytesPerValue = bytesPerVoxel(type);
  content.kind = double(static_cast<int>(type));
  content.bufferGrid = slab.grid;
  content.onHost = slab.onHost();
  content.writeProbe = [type](const std::string& file, const Grid& grid) { writeImage(file, Image(grid, 0.0f), type); };
  content.encodeOwned = [&](int, const ByteSink& sink) { encodeImageSlices(slab, held, own, type, sink); };
  writeSlabContent(comm, path, whole, held, own, content);
}

void writeFieldSlabs(Comm& comm, const std::string& path, const Grid& whole, const Field& slab,
                     const SliceRange& held, const SliceRange& own) {
  SlabContent content;
  content.wholeWriter = "writeDisplacementField";
  content.components = 3;
  content.bytesPerValue = int64_t(sizeof(float));
  content.kind = 1000.0 + 3;  // no PixelType's code: a field and an image never agree
  content.bufferGrid = slab.grid;
  content.onHost = slab.onHost();
  content.writeProbe = [](const std::string& file, const Grid& grid) {
    writeDisplacementField(file, Field(grid, Vec3f{0.0f, 0.0f, 0.0f}));
  };
  content.encodeOwned = [&](int c, const ByteSink& sink) { encodeFieldComponent(slab, held, own, c, sink); };
  writeSlabContent(comm, path, whole, held, own, content);
}

}  // namespace ffdp
