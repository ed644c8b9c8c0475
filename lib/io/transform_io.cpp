#include "io/transform_io.hpp"

#include <itkAffineTransform.h>
#include <itkCompositeTransform.h>
#include <itkMatrixOffsetTransformBase.h>
#include <itkTransformFileReader.h>
#include <itkTransformFileWriter.h>
#include <itkTranslationTransform.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/itk_support.hpp"

namespace ffdp {
namespace {

using TransformBase = itk::TransformBaseTemplate<double>;
using LinearTransform = itk::MatrixOffsetTransformBase<double, 3, 3>;

[[noreturn]] void inputError(const std::string& path, const std::string& what) {
  fail(ExitCode::Input, path + ": " + what);
}

bool isTransformFileName(const std::string& path) {
  const std::string ext = formatExtension(path);
  return ext == ".mat" || ext == ".txt" || ext == ".tfm";
}

bool isImageFileName(const std::string& path) {
  const std::string ext = formatExtension(path);
  for (const char* image : {".nii", ".nii.gz", ".nrrd", ".nhdr", ".mha", ".mhd", ".hdr", ".img"})
    if (ext == image) return true;
  return false;
}

// When ITK fails on a file, the transform type names it holds (ITK writes them as text in .txt and as
// MATLAB variable names in .mat) say what the user passed, e.g. a deformable transform.
std::string nonLinearKindIn(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(1 << 16, '\0');
  in.read(&head[0], static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  for (const char* kind : {"DisplacementFieldTransform", "VelocityFieldTransform", "BSplineTransform",
                           "BSplineDeformableTransform", "DiffeomorphicTransform"})
    if (head.find(kind) != std::string::npos) return kind;
  return "";
}

// A composite written by ITK/ANTs (e.g. a CompositeTransform .txt) is accepted when it wraps one transform.
const TransformBase* unwrapComposite(const TransformBase* transform, const std::string& path) {
  const auto* composite = dynamic_cast<const itk::CompositeTransform<double, 3>*>(transform);
  if (!composite) return transform;
  const auto count = composite->GetNumberOfTransforms();
  if (count != 1)
    inputError(path,
               "composite transform holds " + std::to_string(count) + " transforms; exactly one affine is needed");
  return composite->GetNthTransformConstPointer(0);
}

Affine affineOf(const TransformBase* transform, const std::string& path) {
  Affine a;
  if (const auto* linear = dynamic_cast<const LinearTransform*>(transform)) {
    const auto& M = linear->GetMatrix();
    const auto& t = linear->GetTranslation();
    const auto& c = linear->GetCenter();
    for (int r = 0; r < 3; ++r) {
      for (int k = 0; k < 3; ++k) a.M.m[r][k] = M(r, k);
      a.t[r] = t[r];
      a.c[r] = c[r];
    }
  } else if (const auto* translation = dynamic_cast<const itk::TranslationTransform<double, 3>*>(transform)) {
    const auto& offset = translation->GetOffset();
    for (int r = 0; r < 3; ++r) a.t[r] = offset[r];
  } else {
    const std::string name = transform->GetNameOfClass();
    if (name.find("DisplacementField") != std::string::npos || name.find("BSpline") != std::string::npos)
      inputError(path, "holds a " + name + ", not an affine transform (pass deformation fields separately)");
    inputError(path, "holds a " + name + "; an affine, rigid, similarity or translation transform is needed");
  }
  for (int r = 0; r < 3; ++r) {
    bool finite = std::isfinite(a.t[r]) && std::isfinite(a.c[r]);
    for (int k = 0; k < 3; ++k) finite = finite && std::isfinite(a.M.m[r][k]);
    if (!finite) inputError(path, "transform parameters are not finite");
  }
  return a;
}

}  // namespace

void writeAffine(const std::string& path, const Affine& a) {
  registerItkFactories();
  if (!isTransformFileName(path))
    fail(ExitCode::Resource, path + ": cannot write: a transform file must end in .mat, .txt or .tfm");
  requireOutputDirectory(path);

  using ItkAffine = itk::AffineTransform<double, 3>;
  auto transform = ItkAffine::New();
  ItkAffine::FixedParametersType fixed(3);
  ItkAffine::ParametersType parameters(12);
  for (unsigned r = 0; r < 3; ++r) {
    fixed[r] = a.c[r];
    for (unsigned k = 0; k < 3; ++k) parameters[3 * r + k] = a.M.m[r][k];
    parameters[9 + r] = a.t[r];
  }
  transform->SetFixedParameters(fixed);
  transform->SetParameters(parameters);

  TemporaryOutput temporary(path);
  try {
    auto writer = itk::TransformFileWriterTemplate<double>::New();
    writer->SetFileName(temporary.path());
    writer->SetInput(transform);
    writer->Update();
  } catch (const itk::ExceptionObject& e) {
    fail(ExitCode::Resource,
         path + ": cannot write: " + replaceAll(oneLine(e.GetDescription()), temporary.path(), path));
  }
  temporary.commit();
}

Affine readAffine(const std::string& path) {
  registerItkFactories();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) inputError(path, "no such file");
  if (std::filesystem::is_directory(path, ec)) inputError(path, "is a directory, not a transform file");
  if (isImageFileName(path))
    inputError(path, "is an image (a displacement field?), not an affine transform file (.mat, .txt or .tfm)");
  if (formatExtension(path) == ".h5" || formatExtension(path) == ".hdf5")
    inputError(path, "HDF5 transform files are not supported; write the affine as .mat or .txt");
  if (!isTransformFileName(path))
    inputError(path, "not a transform file (expected an ITK/ANTs .mat, .txt or .tfm affine transform)");

  auto reader = itk::TransformFileReaderTemplate<double>::New();
  reader->SetFileName(path);
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    const std::string kind = nonLinearKindIn(path);
    if (!kind.empty()) inputError(path, "holds a " + kind + ", not an affine transform");
    inputError(path, "cannot read transform: " + oneLine(e.GetDescription()));
  }
  const auto* list = reader->GetTransformList();
  if (list->empty()) inputError(path, "holds no transform");
  if (list->size() != 1)
    inputError(path, "holds " + std::to_string(list->size()) + " transforms; exactly one affine is needed");
  const TransformBase* transform = unwrapComposite(list->front().GetPointer(), path);
  return affineOf(transform, path);
}

}  // namespace ffdp
