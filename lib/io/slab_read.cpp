// readImageSlab: geometry and header checks through ITK (readImageGrid), then single-file NIfTI read
// by offset (plain) or by skipping through the decompressed stream (gzip); other formats through
// ITK's ImageIO with an IORegion. The NIfTI reader decodes only the fields that place and convert the
// voxels, and cross-checks them with ITK's view of the same header: where the two disagree (a
// datatype or rescaling rule this reader does not know) ITK reads the slab instead.
#include "io/slab_read.hpp"

#include <fcntl.h>
#include <itkImageIOBase.h>
#include <itkImageIOFactory.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "io/data_completeness.hpp"
#include "io/itk_support.hpp"
#include "io/voxel_types.hpp"

namespace ffdp {
namespace {

[[noreturn]] void inputError(const std::string& path, const std::string& what) {
  fail(ExitCode::Input, path + ": " + what);
}

// Voxels converted per step: bounds the raw buffer whatever the slab size.
constexpr int64_t kChunkVoxels = int64_t(1) << 20;

// ---- voxel conversion ---------------------------------------------------------------------------

// How raw voxels become floats. ITK's NIfTI reader, when it rescales, first casts integers to float,
// then computes value * slope + intercept in double and stores float; floats and doubles are rescaled
// in double directly. Without rescaling a voxel is just cast to float.
struct Conversion {
  bool swapBytes = false;
  bool rescale = false;
  double slope = 1.0, intercept = 0.0;
};

template <class T>
T loadVoxel(const char* p, bool swap) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, p, sizeof(T));
  if (swap) std::reverse(bytes, bytes + sizeof(T));
  T v;
  std::memcpy(&v, bytes, sizeof(T));
  return v;
}

template <class T>
void convertVoxels(const char* raw, int64_t count, const Conversion& c, float* out) {
  for (int64_t n = 0; n < count; ++n) {
    const T v = loadVoxel<T>(raw + n * int64_t(sizeof(T)), c.swapBytes);
    if (!c.rescale) {
      out[n] = static_cast<float>(v);
    } else {
      const double base = std::is_integral_v<T> ? double(static_cast<float>(v)) : double(v);
      out[n] = static_cast<float>(base * c.slope + c.intercept);
    }
  }
}

// The voxel types a slab can hold, as ITK names them; int64_t counts bytes per voxel.
using Converter = void (*)(const char*, int64_t, const Conversion&, float*);

Converter converterFor(itk::IOComponentEnum component) {
  switch (component) {
    case itk::IOComponentEnum::UCHAR:
      return convertVoxels<uint8_t>;
    case itk::IOComponentEnum::CHAR:
      return convertVoxels<int8_t>;
    case itk::IOComponentEnum::USHORT:
      return convertVoxels<uint16_t>;
    case itk::IOComponentEnum::SHORT:
      return convertVoxels<int16_t>;
    case itk::IOComponentEnum::UINT:
      return convertVoxels<uint32_t>;
    case itk::IOComponentEnum::INT:
      return convertVoxels<int32_t>;
    case itk::IOComponentEnum::ULONG:
      return convertVoxels<unsigned long>;
    case itk::IOComponentEnum::LONG:
      return convertVoxels<long>;
    case itk::IOComponentEnum::ULONGLONG:
      return convertVoxels<unsigned long long>;
    case itk::IOComponentEnum::LONGLONG:
      return convertVoxels<long long>;
    case itk::IOComponentEnum::FLOAT:
      return convertVoxels<float>;
    case itk::IOComponentEnum::DOUBLE:
      return convertVoxels<double>;
    default:
      return nullptr;
  }
}

// ---- single-file NIfTI header --------------------------------------------------------------------

// Where the voxels are and how to convert them. usable = false sends the file to ITK.
struct NiftiLayout {
  bool usable = false;
  std::array<int64_t, 3> size{0, 0, 0};
  uint64_t voxOffset = 0;
  itk::IOComponentEnum onDisk = itk::IOComponentEnum::UNKNOWNCOMPONENTTYPE;
  int64_t bytesPerVoxel = 0;
  Conversion conversion;
};

template <class T>
T headerField(const unsigned char* h, size_t offset, bool swap) {
  return loadVoxel<T>(reinterpret_cast<const char*>(h) + offset, swap);
}

// NIfTI datatype codes (nifti1.h) of the scalar types, with their sizes.
bool componentOfDatatype(int datatype, itk::IOComponentEnum& component, int64_t& bytes) {
  switch (datatype) {
    case 2: component = itk::IOComponentEnum::UCHAR, bytes = 1; return true;
    case 256: component = itk::IOComponentEnum::CHAR, bytes = 1; return true;
    case 4: component = itk::IOComponentEnum::SHORT, bytes = 2; return true;
    case 512: component = itk::IOComponentEnum::USHORT, bytes = 2; return true;
    case 8: component = itk::IOComponentEnum::INT, bytes = 4; return true;
    case 768: component = itk::IOComponentEnum::UINT, bytes = 4; return true;
    case 1024: component = itk::IOComponentEnum::LONGLONG, bytes = 8; return true;
    case 1280: component = itk::IOComponentEnum::ULONGLONG, bytes = 8; return true;
    case 16: component = itk::IOComponentEnum::FLOAT, bytes = 4; return true;
    case 64: component = itk::IOComponentEnum::DOUBLE, bytes = 8; return true;
    default: return false;
  }
}

bool isIntegerComponent(itk::IOComponentEnum c) {
  return c != itk::IOComponentEnum::FLOAT && c != itk::IOComponentEnum::DOUBLE;
}

// Decodes a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) single-file header, either byte order.
NiftiLayout decodeNiftiHeader(const unsigned char* h, size_t available) {
  NiftiLayout layout;
  if (available < 348) return layout;
  const int32_t native = headerField<int32_t>(h, 0, false);
  const bool swap = native != 348 && native != 540;
  const int32_t sizeofHdr = headerField<int32_t>(h, 0, swap);
  const bool v2 = sizeofHdr == 540;
  if (sizeofHdr != 348 && !(v2 && available >= 540)) return layout;
  if (v2 ? std::memcmp(h + 4, "n+2", 4) != 0 : std::memcmp(h + 344, "n+1", 4) != 0) return layout;

  const int datatype = headerField<int16_t>(h, v2 ? 12 : 70, swap);
  if (!componentOfDatatype(datatype, layout.onDisk, layout.bytesPerVoxel)) return layout;
  if (headerField<int16_t>(h, v2 ? 14 : 72, swap) != layout.bytesPerVoxel * 8) return layout;
  int64_t dim[8];
  for (size_t i = 0; i < 8; ++i) dim[i] = v2 ? headerField<int64_t>(h, 16 + 8 * i, swap) : headerField<int16_t>(h, 40 + 2 * i, swap);
  if (dim[0] < 3 || dim[0] > 7) return layout;
  for (int64_t i = 4; i <= dim[0]; ++i)
    if (dim[i] != 1) return layout;  // a series or vector image: readImageGrid refuses it anyway
  for (int d = 0; d < 3; ++d) layout.size[size_t(d)] = dim[d + 1];

  const double voxOffset = v2 ? double(headerField<int64_t>(h, 168, swap)) : double(headerField<float>(h, 108, swap));
  if (!(voxOffset >= double(sizeofHdr)) || voxOffset != std::floor(voxOffset)) return layout;
  layout.voxOffset = uint64_t(voxOffset);

  // nifti1_io turns a non-finite slope or intercept into 0; ITK then treats slope 0 as 1.
  double slope = v2 ? headerField<double>(h, 176, swap) : double(headerField<float>(h, 112, swap));
  double intercept = v2 ? headerField<double>(h, 184, swap) : double(headerField<float>(h, 116, swap));
  if (!std::isfinite(slope)) slope = 0;
  if (!std::isfinite(intercept)) intercept = 0;
  const double eps = std::numeric_limits<double>::epsilon();
  if (std::abs(slope) < eps) slope = 1;
  layout.conversion.swapBytes = swap;
  layout.conversion.rescale = std::abs(slope - 1.0) > eps || std::abs(intercept) > eps;
  layout.conversion.slope = slope;
  layout.conversion.intercept = intercept;
  layout.usable = true;
  return layout;
}

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

bool startsWithGzipMagic(const std::string& path) {
  unsigned char magic[2] = {0, 0};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t got = ::pread(fd, magic, 2, 0);
  ::close(fd);
  return got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

NiftiLayout readNiftiLayout(const std::string& path) {
  unsigned char header[540] = {};
  GzHandle gz(gzopen(path.c_str(), "rb"));  // zlib reads plain files transparently
  if (!gz) return {};
  const int got = gzread(gz.get(), header, sizeof(header));
  if (got < 0) failTruncated(path, "the header cannot be decompressed");
  return decodeNiftiHeader(header, size_t(got));
}

// The fast path applies only where it provably reads what ITK would: same size, and ITK reports the
// on-disk type (no rescale) or float for rescaled integers.
bool layoutAgreesWithItk(const NiftiLayout& layout, const itk::ImageIOBase& io, const Grid& whole) {
  if (!layout.usable || layout.size != whole.size) return false;
  const itk::IOComponentEnum reported = io.GetComponentType();
  if (layout.conversion.rescale && isIntegerComponent(layout.onDisk)) return reported == itk::IOComponentEnum::FLOAT;
  return reported == layout.onDisk;
}

// Reads `bytes` at `offset` of a plain file, in chunks converted as they arrive.
void readPlainSlab(const std::string& path, const NiftiLayout& layout, const Grid& whole, const SliceRange& slices,
                   float* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) inputError(path, std::string("cannot open: ") + std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) inputError(path, std::string("cannot stat: ") + std::strerror(errno));
  const uint64_t expected = layout.voxOffset + uint64_t(whole.voxels()) * uint64_t(layout.bytesPerVoxel);
  if (uint64_t(st.st_size) < expected)
    failTruncated(path, std::to_string(st.st_size) + " of " + std::to_string(expected) + " bytes present");

  const Converter convert = converterFor(layout.onDisk);
  const int64_t plane = whole.size[0] * whole.size[1];
  const int64_t total = plane * slices.count();
  const uint64_t start = layout.voxOffset + uint64_t(slices.begin * plane * layout.bytesPerVoxel);
  std::vector<char> raw(size_t(std::min(total, kChunkVoxels) * layout.bytesPerVoxel));
  for (int64_t done = 0; done < total;) {
    const int64_t count = std::min(kChunkVoxels, total - done);
    const size_t want = size_t(count * layout.bytesPerVoxel);
    size_t have = 0;
    while (have < want) {
      const ssize_t n = ::pread(fd, raw.data() + have, want - have, off_t(start + uint64_t(done * layout.bytesPerVoxel) + have));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) inputError(path, std::string("cannot read image: ") + std::strerror(errno));
      if (n == 0) failTruncated(path, "the file ends inside slices " + std::to_string(slices.begin) + ".." + std::to_string(slices.end - 1));
      have += size_t(n);
    }
    convert(raw.data(), count, layout.conversion, out + done);
    done += count;
  }
}

// gzread with zlib's error text; returns the bytes read (fewer than asked only at the end of the stream).
size_t gzReadSome(gzFile_s* gz, char* into, size_t want, const std::string& path) {
  size_t have = 0;
  while (have < want) {
    const unsigned ask = unsigned(std::min<size_t>(want - have, size_t(1) << 30));
    const int n = gzread(gz, into + have, ask);
    if (n < 0) {
      int code = 0;
      const char* message = gzerror(gz, &code);
      failTruncated(path, std::string("gzip: ") + (message ? message : "read error"));
    }
    if (n == 0) break;
    have += size_t(n);
  }
  return have;
}

void readGzipSlab(const std::string& path, const NiftiLayout& layout, const Grid& whole, const SliceRange& slices,
                  float* out) {
  GzHandle gz(gzopen(path.c_str(), "rb"));
  if (!gz) inputError(path, "cannot open for decompression");
  gzbuffer(gz.get(), 1 << 18);
  const int64_t plane = whole.size[0] * whole.size[1];
  const int64_t total = plane * slices.count();
  // No random access in gzip: decompress and discard everything before the slab.
  uint64_t skip = layout.voxOffset + uint64_t(slices.begin * plane * layout.bytesPerVoxel);
  std::vector<char> raw(size_t(std::max<int64_t>(std::min(total, kChunkVoxels) * layout.bytesPerVoxel, 1 << 20)));
  while (skip > 0) {
    const size_t want = size_t(std::min<uint64_t>(skip, raw.size()));
    if (gzReadSome(gz.get(), raw.data(), want, path) < want)
      failTruncated(path, "the data ends before slice " + std::to_string(slices.begin));
    skip -= want;
  }
  const Converter convert = converterFor(layout.onDisk);
  for (int64_t done = 0; done < total;) {
    const int64_t count = std::min(kChunkVoxels, total - done);
    const size_t want = size_t(count * layout.bytesPerVoxel);
    if (gzReadSome(gz.get(), raw.data(), want, path) < want)
      failTruncated(path, "the data ends inside slices " + std::to_string(slices.begin) + ".." + std::to_string(slices.end - 1));
    convert(raw.data(), count, layout.conversion, out + done);
    done += count;
  }
}

// ---- any other format: ITK's ImageIO ---------------------------------------------------------------

// Asks the ImageIO for the slab; it answers with the region it can read (the slab when it streams,
// the whole image otherwise), which is read and cut down to the slab.
void readItkSlab(const std::string& path, itk::ImageIOBase& io, const Grid& whole, const SliceRange& slices, float* out) {
  const unsigned dims = io.GetNumberOfDimensions();
  itk::ImageIORegion requested(dims);
  for (unsigned d = 0; d < dims; ++d) {
    requested.SetIndex(d, d == 2 ? slices.begin : 0);
    requested.SetSize(d, d == 2 ? size_t(slices.count()) : (d < 2 ? size_t(whole.size[d]) : 1));
  }
  const itk::ImageIORegion region = io.GenerateStreamableReadRegionFromRequestedRegion(requested);
  for (unsigned d = 0; d < dims; ++d) {
    const bool covers = region.GetIndex(d) <= requested.GetIndex(d) &&
                        region.GetIndex(d) + int64_t(region.GetSize(d)) >= requested.GetIndex(d) + int64_t(requested.GetSize(d));
    if (!covers || (d != 2 && region.GetIndex(d) != 0))
      fail(ExitCode::Internal, path + ": ITK offers a read region that does not cover the slab");
  }
  io.SetIORegion(region);
  const Converter convert = converterFor(io.GetComponentType());
  if (!convert)
    inputError(path, "unsupported voxel type " + itk::ImageIOBase::GetComponentTypeAsString(io.GetComponentType()));
  const int64_t plane = whole.size[0] * whole.size[1];
  const int64_t regionVoxels = plane * int64_t(region.GetSize(2));
  const int64_t bytes = int64_t(io.GetComponentSize());
  try {
    std::vector<char> raw(size_t(regionVoxels * bytes));
    io.Read(raw.data());  // ITK has swapped the bytes to native order and applied any rescaling
    const int64_t first = (slices.begin - int64_t(region.GetIndex(2))) * plane;
    convert(raw.data() + first * bytes, plane * slices.count(), Conversion{}, out);
  } catch (const itk::ExceptionObject& e) {
    inputError(path, "cannot read image: file is truncated or corrupt (" + oneLine(e.GetDescription()) + ")");
  }
}

}  // namespace

LoadedImage readImageSlab(const std::string& path, const SliceRange& slices) {
  const Grid whole = readImageGrid(path);  // every header check of readImage, through ITK
  const int64_t nz = whole.size[2];
  if (slices.begin < 0 || slices.end > nz || slices.begin > slices.end)
    inputError(path, "slab of slices [" + std::to_string(slices.begin) + ", " + std::to_string(slices.end) +
                         ") is outside the image's " + std::to_string(nz) + " slices");

  itk::ImageIOBase::Pointer io = openImageHeader(path);
  LoadedImage loaded;
  loaded.pixelType = pixelTypeOf(io->GetComponentType());
  loaded.image.grid = SlabLayout(whole, 1).slabGrid(slices);
  if (slices.empty()) return loaded;

  const std::string format = io->GetNameOfClass();
  try {
    loaded.image.data.resize(size_t(loaded.image.grid.voxels()));
  } catch (const std::bad_alloc&) {
    fail(ExitCode::Resource, path + ": cannot read image slab: out of memory for " +
                                 std::to_string(loaded.image.grid.voxels()) + " voxels");
  }
  float* out = loaded.image.data.data();
  if (format == "NiftiImageIO") {
    const NiftiLayout layout = readNiftiLayout(path);
    if (layoutAgreesWithItk(layout, *io, whole)) {
      if (startsWithGzipMagic(path))
        readGzipSlab(path, layout, whole, slices, out);
      else
        readPlainSlab(path, layout, whole, slices, out);
      return loaded;
    }
    checkNiftiComplete(path);
  }
  if (format == "MetaImageIO") checkMetaImageComplete(path);
  readItkSlab(path, *io, whole, slices, out);
  return loaded;
}

}  // namespace ffdp
