// writeImage: voxels converted to the requested type, handed to ITK's writer without a copy when
// they are float already, written to a temporary sibling and renamed into place.
#include <itkImage.h>
#include <itkImageFileWriter.h>
#include <itkImageIOFactory.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/image_io.hpp"
#include "io/itk_support.hpp"
#include "io/itk_view.hpp"
#include "io/voxel_types.hpp"

namespace ffdp {
namespace {

// Formats whose header names a separate data file: renaming the header would break that link.
bool isTwoFileFormat(const std::string& path) {
  const std::string ext = formatExtension(path);
  return ext == ".mhd" || ext == ".nhdr" || ext == ".hdr" || ext == ".img" || ext == ".img.gz" || ext == ".hdr.gz";
}

bool endsWithGz(const std::string& path) { return path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0; }

// Writes `voxels` (already of type T) with the image's geometry; ITK imports the buffer, no copy.
template <class T>
void writeWithItk(const std::string& file, const Grid& grid, const T* voxels) {
  using ItkImage = itk::Image<T, 3>;
  const typename ItkImage::Pointer image = itkView(grid, voxels);
  auto writer = itk::ImageFileWriter<ItkImage>::New();
  writer->SetFileName(file);
  writer->SetInput(image);
  writer->SetUseCompression(endsWithGz(file));
  writer->Update();
}

template <class T>
void convertAndWrite(const std::string& file, const Image& image) {
  if constexpr (std::is_same_v<T, float>) {
    writeWithItk<float>(file, image.grid, image.data.data());
  } else {
    std::vector<T> converted(image.data.size());
    for (size_t i = 0; i < converted.size(); ++i) converted[i] = roundAndClamp<T>(image.data[i]);
    writeWithItk<T>(file, image.grid, converted.data());
  }
}

void writeTyped(const std::string& file, const Image& image, PixelType type, const std::string& target) {
  switch (type) {
    case PixelType::UInt8:
      return convertAndWrite<uint8_t>(file, image);
    case PixelType::Int8:
      return convertAndWrite<int8_t>(file, image);
    case PixelType::UInt16:
      return convertAndWrite<uint16_t>(file, image);
    case PixelType::Int16:
      return convertAndWrite<int16_t>(file, image);
    case PixelType::UInt32:
      return convertAndWrite<uint32_t>(file, image);
    case PixelType::Int32:
      return convertAndWrite<int32_t>(file, image);
    case PixelType::Float32:
      return convertAndWrite<float>(file, image);
    case PixelType::Float64:
      return convertAndWrite<double>(file, image);
    case PixelType::Other:
      break;
  }
  fail(ExitCode::Internal, target + ": cannot write: no voxel type chosen (PixelType::Other)");
}

}  // namespace

void writeImage(const std::string& path, const Image& image, PixelType type) {
  registerItkFactories();
  if (static_cast<int64_t>(image.data.size()) != image.voxels() || image.voxels() <= 0)
    fail(ExitCode::Internal, path + ": cannot write: image buffer does not match its grid");
  requireOutputDirectory(path);
  if (!itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::WriteMode))
    fail(ExitCode::Resource, path + ": cannot write: unknown image format \"" + formatExtension(path) +
                                 "\" (use .nii.gz, .nii, .nrrd or .mha)");

  if (isTwoFileFormat(path)) {
    try {
      writeTyped(path, image, type, path);
    } catch (const itk::ExceptionObject& e) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
      fail(ExitCode::Resource, path + ": cannot write: " + oneLine(e.GetDescription()));
    }
    return;
  }

  TemporaryOutput temporary(path);
  try {
    writeTyped(temporary.path(), image, type, path);
  } catch (const itk::ExceptionObject& e) {
    fail(ExitCode::Resource,
         path + ": cannot write: " + replaceAll(oneLine(e.GetDescription()), temporary.path(), path));
  } catch (const std::bad_alloc&) {
    fail(ExitCode::Resource, path + ": cannot write: out of memory while converting voxels");
  }
  temporary.commit();
}

}  // namespace ffdp
