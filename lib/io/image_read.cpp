// readImage: header checks through ITK's ImageIO first, then one read straight into our buffer.
// ImageIO is used directly (not ImageFileReader) so that a float file lands in the Volume's memory
// without a second full-size copy; other voxel types go through one native buffer and are converted.
#include <itkImageIOBase.h>
#include <itkImageIOFactory.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <vector>

#include "core/error.hpp"
#include "io/data_completeness.hpp"
#include "io/image_io.hpp"
#include "io/voxel_types.hpp"
#include "io/itk_support.hpp"

namespace ffdp {
namespace {

[[noreturn]] void inputError(const std::string& path, const std::string& what) {
  fail(ExitCode::Input, path + ": " + what);
}

void requireRegularFile(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) inputError(path, "no such file");
  if (std::filesystem::is_directory(status)) inputError(path, "is a directory, not an image file");
}

std::string sizeText(const itk::ImageIOBase& io) {
  std::ostringstream s;
  for (unsigned d = 0; d < io.GetNumberOfDimensions(); ++d) s << (d ? "x" : "") << io.GetDimensions(d);
  return s.str();
}

// Limits on what a header may claim: each axis below 2^31 so that the product of three stays far from
// int64 overflow, and the total below 2^40 voxels (4 TB of float), beyond any machine this runs on.
constexpr int64_t kMaxAxisVoxels = int64_t(1) << 31;
constexpr int64_t kMaxVoxels = int64_t(1) << 40;

// Everything that can be known from the header is checked here, before any voxel is read.
Grid checkedGrid(const itk::ImageIOBase& io, const std::string& path) {
  const unsigned dims = io.GetNumberOfDimensions();
  if (dims < 3)
    inputError(path, "image is " + std::to_string(dims) + "-D (size " + sizeText(io) + "); a 3-D image is needed");
  for (unsigned d = 3; d < dims; ++d) {
    if (io.GetDimensions(d) == 1) continue;
    // NIfTI keeps per-voxel vectors in its 5th dimension; ITK calls them components only when the
    // intent code says so, so a bare dim[5] > 1 arrives here as a 5-D image.
    if (d == 4 && dims == 5 && io.GetDimensions(3) == 1)
      inputError(path, "image has " + std::to_string(io.GetDimensions(4)) +
                           " values per voxel (5th dimension); a scalar 3-D image is needed");
    inputError(path, "image is " + std::to_string(dims) + "-D (size " + sizeText(io) +
                         "); a 3-D image is needed (a time series must be split into volumes)");
  }
  if (io.GetNumberOfComponents() != 1)
    inputError(path, "image has " + std::to_string(io.GetNumberOfComponents()) + " components per voxel (" +
                         itk::ImageIOBase::GetPixelTypeAsString(io.GetPixelType()) + "); a scalar image is needed");
  if (io.GetComponentType() == itk::IOComponentEnum::UNKNOWNCOMPONENTTYPE) inputError(path, "unknown voxel type");

  // Geometry exactly as itk::ImageFileReader<itk::Image<float,3>> builds it from the same ImageIO.
  Grid g;
  for (unsigned d = 0; d < 3; ++d) {
    g.size[d] = static_cast<int64_t>(io.GetDimensions(d));
    if (g.size[d] <= 0)
      inputError(path, "image has zero size along axis " + std::to_string(d) + " (size " + sizeText(io) + ")");
    // A corrupt header can claim sizes whose product overflows; no real volume comes near these.
    if (g.size[d] > kMaxAxisVoxels)
      inputError(path, "image size " + sizeText(io) + " is implausible (more than 2^31 voxels along one axis)");
    g.spacing[d] = io.GetSpacing(d);
    g.origin[d] = io.GetOrigin(d);
    // ImageIO's direction d is the physical direction of index axis d: column d of the matrix. For a
    // file with more than 3 dimensions ITK's reader takes the default (identity) axes instead, since
    // an N-D direction matrix has no 3-D part in general; we do the same so that every ITK tool agrees.
    const std::vector<double> axis = dims > 3 ? io.GetDefaultDirection(d) : io.GetDirection(d);
    for (unsigned r = 0; r < 3; ++r) g.direction.m[r][d] = r < axis.size() ? axis[r] : 0.0;
  }
  for (int d = 0; d < 3; ++d) {
    // ITK's reader turns a negative spacing into a positive one along a flipped axis.
    if (g.spacing[d] < 0) {
      g.spacing[d] = -g.spacing[d];
      for (int r = 0; r < 3; ++r) g.direction.m[r][d] = -g.direction.m[r][d];
    }
    if (!std::isfinite(g.spacing[d]) || g.spacing[d] == 0) {
      std::ostringstream s;
      s << "spacing along axis " << d << " is " << g.spacing[d] << "; it must be a finite number > 0";
      inputError(path, s.str());
    }
    if (!std::isfinite(g.origin[d])) inputError(path, "origin is not finite");
    for (int e = 0; e < 3; ++e)
      if (!std::isfinite(g.direction.m[d][e])) inputError(path, "direction matrix is not finite");
  }
  if (std::abs(g.direction.determinant()) < 1e-6) {
    std::ostringstream s;
    s << "direction matrix is not invertible (determinant " << g.direction.determinant() << ")";
    inputError(path, s.str());
  }
  return g;
}

template <class T>
void convertToFloat(const std::vector<char>& raw, std::vector<float>& out) {
  const T* src = reinterpret_cast<const T*>(raw.data());
  const size_t n = out.size();
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(src[i]);
}

void convertBuffer(itk::IOComponentEnum component, const std::vector<char>& raw, std::vector<float>& out,
                   const std::string& path) {
  switch (component) {
    case itk::IOComponentEnum::UCHAR:
      return convertToFloat<uint8_t>(raw, out);
    case itk::IOComponentEnum::CHAR:
      return convertToFloat<int8_t>(raw, out);
    case itk::IOComponentEnum::USHORT:
      return convertToFloat<uint16_t>(raw, out);
    case itk::IOComponentEnum::SHORT:
      return convertToFloat<int16_t>(raw, out);
    case itk::IOComponentEnum::UINT:
      return convertToFloat<uint32_t>(raw, out);
    case itk::IOComponentEnum::INT:
      return convertToFloat<int32_t>(raw, out);
    case itk::IOComponentEnum::ULONG:
      return convertToFloat<unsigned long>(raw, out);
    case itk::IOComponentEnum::LONG:
      return convertToFloat<long>(raw, out);
    case itk::IOComponentEnum::ULONGLONG:
      return convertToFloat<unsigned long long>(raw, out);
    case itk::IOComponentEnum::LONGLONG:
      return convertToFloat<long long>(raw, out);
    case itk::IOComponentEnum::DOUBLE:
      return convertToFloat<double>(raw, out);
    case itk::IOComponentEnum::LDOUBLE:
      return convertToFloat<long double>(raw, out);
    default:
      inputError(path, "unsupported voxel type " + itk::ImageIOBase::GetComponentTypeAsString(component));
  }
}

}  // namespace

PixelType pixelTypeOf(itk::IOComponentEnum component) {
  switch (component) {
    case itk::IOComponentEnum::UCHAR:
      return PixelType::UInt8;
    case itk::IOComponentEnum::CHAR:
      return PixelType::Int8;
    case itk::IOComponentEnum::USHORT:
      return PixelType::UInt16;
    case itk::IOComponentEnum::SHORT:
      return PixelType::Int16;
    case itk::IOComponentEnum::UINT:
      return PixelType::UInt32;
    case itk::IOComponentEnum::INT:
      return PixelType::Int32;
    case itk::IOComponentEnum::FLOAT:
      return PixelType::Float32;
    case itk::IOComponentEnum::DOUBLE:
      return PixelType::Float64;
    default:
      return PixelType::Other;
  }
}

const char* pixelTypeName(PixelType type) {
  switch (type) {
    case PixelType::UInt8:
      return "uint8";
    case PixelType::Int8:
      return "int8";
    case PixelType::UInt16:
      return "uint16";
    case PixelType::Int16:
      return "int16";
    case PixelType::UInt32:
      return "uint32";
    case PixelType::Int32:
      return "int32";
    case PixelType::Float32:
      return "float32";
    case PixelType::Float64:
      return "float64";
    case PixelType::Other:
      break;
  }
  return "other";
}

itk::ImageIOBase::Pointer openImageHeader(const std::string& path) {
  registerItkFactories();
  requireRegularFile(path);
  itk::ImageIOBase::Pointer io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::ReadMode);
  if (!io) checkGzipIntact(path);
  if (!io) inputError(path, "not a recognised image file (expected NIfTI .nii/.nii.gz, NRRD or MetaImage .mha/.mhd)");
  io->SetFileName(path);
  try {
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    inputError(path, "cannot read image header: " + oneLine(e.GetDescription()));
  }
  return io;
}

Grid readImageGrid(const std::string& path) {
  itk::ImageIOBase::Pointer io = openImageHeader(path);
  const Grid grid = checkedGrid(*io, path);
  if (grid.voxels() > kMaxVoxels) inputError(path, "image size " + sizeText(*io) + " is implausible (more than 2^40 voxels)");
  return grid;
}

LoadedImage readImage(const std::string& path) {
  itk::ImageIOBase::Pointer io = openImageHeader(path);
  LoadedImage loaded;
  loaded.image.grid = checkedGrid(*io, path);
  loaded.pixelType = pixelTypeOf(io->GetComponentType());
  const std::string format = io->GetNameOfClass();
  if (format == "NiftiImageIO") checkNiftiComplete(path);
  if (format == "MetaImageIO") checkMetaImageComplete(path);
  const int64_t voxels = loaded.image.grid.voxels();
  if (voxels > kMaxVoxels) inputError(path, "image size " + sizeText(*io) + " is implausible (more than 2^40 voxels)");

  // The region covers the whole file, with extent 1 along any trailing size-1 dimensions.
  itk::ImageIORegion region(io->GetNumberOfDimensions());
  for (unsigned d = 0; d < io->GetNumberOfDimensions(); ++d) {
    region.SetIndex(d, 0);
    region.SetSize(d, io->GetDimensions(d));
  }
  io->SetIORegion(region);

  try {
    loaded.image.data.resize(static_cast<size_t>(voxels));
    if (io->GetComponentType() == itk::IOComponentEnum::FLOAT) {
      io->Read(loaded.image.data.data());
    } else {
      std::vector<char> raw(static_cast<size_t>(voxels) * io->GetComponentSize());
      io->Read(raw.data());
      convertBuffer(io->GetComponentType(), raw, loaded.image.data, path);
    }
  } catch (const itk::ExceptionObject& e) {
    inputError(path, "cannot read image: file is truncated or corrupt (" + oneLine(e.GetDescription()) + ")");
  } catch (const std::bad_alloc&) {
    fail(ExitCode::Resource, path + ": cannot read image: out of memory for " + std::to_string(voxels) + " voxels");
  }
  return loaded;
}

}  // namespace ffdp
