// Displacement-field files through ITK: written from our interleaved buffer without a copy (an
// itk::Vector<float,3> is three packed floats, like ffdp::Vec3f), read through ImageIO after checking
// the header, so that a wrong file fails with a sentence before any voxel is read.
#include "io/field_io.hpp"

#include <itkImage.h>
#include <itkImageFileWriter.h>
#include <itkImageIOBase.h>
#include <itkImageIOFactory.h>
#include <itkVector.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <vector>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/data_completeness.hpp"
#include "io/itk_support.hpp"
#include "io/itk_view.hpp"

namespace ffdp {
namespace {

using ItkVector = itk::Vector<float, 3>;
using ItkField = itk::Image<ItkVector, 3>;
static_assert(sizeof(ItkVector) == sizeof(Vec3f), "ITK's vector pixel must match ffdp::Vec3f's layout");

[[noreturn]] void inputError(const std::string& path, const std::string& what) {
  fail(ExitCode::Input, path + ": " + what);
}

bool isTwoFileFormat(const std::string& path) {
  const std::string ext = formatExtension(path);
  return ext == ".mhd" || ext == ".nhdr";
}

bool endsWithGz(const std::string& path) { return path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0; }

void writeWithItk(const std::string& file, const Field& u) {
  // ITK's vector pixel has the layout of our three interleaved floats.
  static_assert(sizeof(ItkVector) == sizeof(Vec3f));
  const ItkField::Pointer image = itkView(u.grid, reinterpret_cast<const ItkVector*>(u.data.data()));
  auto writer = itk::ImageFileWriter<ItkField>::New();
  writer->SetFileName(file);
  writer->SetInput(image);
  writer->SetUseCompression(endsWithGz(file));
  writer->Update();
}

std::string sizeText(const itk::ImageIOBase& io) {
  std::ostringstream s;
  for (unsigned d = 0; d < io.GetNumberOfDimensions(); ++d) s << (d ? "x" : "") << io.GetDimensions(d);
  return s.str();
}

// The header of a field file: 3 components, 3-D (trailing size-1 axes allowed), a sane geometry.
// Geometry follows the rules of itk::ImageFileReader<itk::Image<itk::Vector<float,3>,3>>.
Grid checkedFieldGrid(const itk::ImageIOBase& io, const std::string& path) {
  const unsigned dims = io.GetNumberOfDimensions();
  const unsigned components = io.GetNumberOfComponents();
  if (components != 3) {
    // A NIfTI with dim[5]=3 but no vector intent code reaches ITK as a 5-D scalar image.
    const bool vectorInFifthAxis = components == 1 && dims == 5 && io.GetDimensions(3) == 1 && io.GetDimensions(4) == 3;
    if (!vectorInFifthAxis)
      inputError(path, "not a displacement field: " + std::to_string(components) +
                           " component(s) per voxel; 3 (x, y, z in mm) are needed");
    inputError(path,
               "not a displacement field: 3 values per voxel in the 5th dimension but no NIfTI vector intent "
               "code (1007); ITK tools would not read it as a field");
  }
  for (unsigned d = 3; d < dims; ++d)
    if (io.GetDimensions(d) != 1)
      inputError(path, "displacement field is " + std::to_string(dims) + "-D (size " + sizeText(io) +
                           "); a 3-D field is needed");

  // ITK's NIfTI reader drops trailing size-1 axes (a 4x3x1 field arrives as 2-D); ITK's reader into a
  // 3-D image gives them size 1, spacing 1, origin 0 and a unit direction, and so do we.
  Grid g;
  for (unsigned d = 0; d < 3; ++d) {
    if (d >= dims) {
      g.size[d] = 1;
      g.spacing[d] = 1;
      g.origin[d] = 0;
      for (unsigned r = 0; r < 3; ++r) g.direction.m[r][d] = r == d ? 1.0 : 0.0;
      continue;
    }
    g.size[d] = static_cast<int64_t>(io.GetDimensions(d));
    if (g.size[d] <= 0 || g.size[d] > (int64_t(1) << 31))
      inputError(path, "displacement field size " + sizeText(io) + " is implausible");
    g.spacing[d] = io.GetSpacing(d);
    g.origin[d] = io.GetOrigin(d);
    const std::vector<double> axis = dims > 3 ? io.GetDefaultDirection(d) : io.GetDirection(d);
    for (unsigned r = 0; r < 3; ++r) g.direction.m[r][d] = r < axis.size() ? axis[r] : 0.0;
  }
  for (int d = 0; d < 3; ++d) {
    if (g.spacing[d] < 0) {  // as ITK's reader: a negative spacing is a flipped axis
      g.spacing[d] = -g.spacing[d];
      for (int r = 0; r < 3; ++r) g.direction.m[r][d] = -g.direction.m[r][d];
    }
    if (!std::isfinite(g.spacing[d]) || g.spacing[d] == 0)
      inputError(path, "spacing along axis " + std::to_string(d) + " is not a finite number > 0");
    if (!std::isfinite(g.origin[d])) inputError(path, "origin is not finite");
    for (int e = 0; e < 3; ++e)
      if (!std::isfinite(g.direction.m[d][e])) inputError(path, "direction matrix is not finite");
  }
  if (std::abs(g.direction.determinant()) < 1e-6) inputError(path, "direction matrix is not invertible");
  if (g.voxels() > (int64_t(1) << 38)) inputError(path, "displacement field size " + sizeText(io) + " is implausible");
  return g;
}

template <class T>
void copyComponents(const std::vector<char>& raw, Field& u) {
  const T* src = reinterpret_cast<const T*>(raw.data());
  for (size_t v = 0; v < u.data.size(); ++v)
    for (int c = 0; c < 3; ++c) u.data[v][c] = static_cast<float>(src[3 * v + c]);
}

}  // namespace

bool hasImageExtension(const std::string& path) {
  const std::string ext = formatExtension(path);
  return ext == ".nii" || ext == ".nii.gz" || ext == ".nrrd" || ext == ".nhdr" || ext == ".mha" || ext == ".mhd";
}

void writeDisplacementField(const std::string& path, const Field& u) {
  registerItkFactories();
  if (static_cast<int64_t>(u.data.size()) != u.voxels() || u.voxels() <= 0)
    fail(ExitCode::Internal, path + ": cannot write: field buffer does not match its grid");
  requireOutputDirectory(path);
  if (!hasImageExtension(path))
    fail(ExitCode::Resource, path + ": cannot write a displacement field as \"" + formatExtension(path) +
                                 "\" (use .nii.gz, .nii, .nrrd or .mha)");
  if (isTwoFileFormat(path)) {  // renaming the header would break its link to the data file
    try {
      writeWithItk(path, u);
    } catch (const itk::ExceptionObject& e) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
      fail(ExitCode::Resource, path + ": cannot write: " + oneLine(e.GetDescription()));
    }
    return;
  }
  TemporaryOutput temporary(path);
  try {
    writeWithItk(temporary.path(), u);
  } catch (const itk::ExceptionObject& e) {
    fail(ExitCode::Resource,
         path + ": cannot write: " + replaceAll(oneLine(e.GetDescription()), temporary.path(), path));
  }
  temporary.commit();
}

Field readDisplacementField(const std::string& path) {
  registerItkFactories();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) inputError(path, "no such file");
  if (std::filesystem::is_directory(status)) inputError(path, "is a directory, not a displacement field");

  itk::ImageIOBase::Pointer io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::ReadMode);
  if (!io) checkGzipIntact(path);
  if (!io)
    inputError(path, "not a recognised displacement field file (expected NIfTI .nii/.nii.gz, NRRD or MetaImage .mha)");
  io->SetFileName(path);
  try {
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    inputError(path, "cannot read displacement field header: " + oneLine(e.GetDescription()));
  }
  Field u;
  u.grid = checkedFieldGrid(*io, path);
  const auto component = io->GetComponentType();
  if (component != itk::IOComponentEnum::FLOAT && component != itk::IOComponentEnum::DOUBLE)
    inputError(path, "displacement field voxels are " + itk::ImageIOBase::GetComponentTypeAsString(component) +
                         "; float or double millimetres are needed");
  const std::string format = io->GetNameOfClass();
  if (format == "NiftiImageIO") checkNiftiComplete(path);
  if (format == "MetaImageIO") checkMetaImageComplete(path);

  itk::ImageIORegion region(io->GetNumberOfDimensions());
  for (unsigned d = 0; d < io->GetNumberOfDimensions(); ++d) {
    region.SetIndex(d, 0);
    region.SetSize(d, io->GetDimensions(d));
  }
  io->SetIORegion(region);
  try {
    u.data.resize(static_cast<size_t>(u.voxels()));
    if (component == itk::IOComponentEnum::FLOAT) {
      io->Read(u.data.data());
    } else {
      std::vector<char> raw(u.data.size() * 3 * sizeof(double));
      io->Read(raw.data());
      copyComponents<double>(raw, u);
    }
  } catch (const itk::ExceptionObject& e) {
    inputError(path,
               "cannot read displacement field: file is truncated or corrupt (" + oneLine(e.GetDescription()) + ")");
  } catch (const std::bad_alloc&) {
    fail(ExitCode::Resource,
         path + ": cannot read displacement field: out of memory for " + std::to_string(u.voxels()) + " voxels");
  }
  for (const Vec3f& v : u.data)
    if (!std::isfinite(v[0]) || !std::isfinite(v[1]) || !std::isfinite(v[2]))
      inputError(path, "displacement field has non-finite values (NaN or Inf)");
  return u;
}

}  // namespace ffdp
