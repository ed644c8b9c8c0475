// Acceptance for deformable outputs: ITK's readers and resampler, with the transforms composed as
// antsApplyTransforms composes `-t P1Warp.nii.gz -t P0GenericAffine.mat` (and the inverse chain
// `-t [P0GenericAffine.mat,1] -t P1InverseWarp.nii.gz` on the moving grid), reproduce PWarped and
// PInverseWarped. Relative L2 errors are printed so that they can be quoted.
#include <itkCompositeTransform.h>
#include <itkDisplacementFieldTransform.h>
#include <itkImageFileReader.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>
#include <itkTransformFileReader.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "cli_fixture.hpp"

using namespace ffdp::test;

namespace {
using ImageType = itk::Image<float, 3>;
using FieldImage = itk::Image<itk::Vector<double, 3>, 3>;
using Transform = itk::Transform<double, 3, 3>;

template <class T>
typename T::Pointer readItk(const std::string& path) {
  auto reader = itk::ImageFileReader<T>::New();
  reader->SetFileName(path);
  reader->Update();
  return reader->GetOutput();
}

Transform::Pointer readAffineItk(const std::string& path) {
  auto reader = itk::TransformFileReaderTemplate<double>::New();
  reader->SetFileName(path);
  reader->Update();
  return dynamic_cast<Transform*>(reader->GetTransformList()->front().GetPointer());
}

Transform::Pointer fieldTransform(const std::string& path) {
  auto t = itk::DisplacementFieldTransform<double, 3>::New();
  t->SetDisplacementField(readItk<FieldImage>(path));
  return t.GetPointer();
}

// antsApplyTransforms order: the first listed acts first on a point, so it is added last.
ImageType::Pointer resampleLikeAnts(ImageType* input, ImageType* reference, const std::vector<Transform::Pointer>& list) {
  auto composite = itk::CompositeTransform<double, 3>::New();
  for (auto it = list.rbegin(); it != list.rend(); ++it) composite->AddTransform(*it);
  auto resample = itk::ResampleImageFilter<ImageType, ImageType>::New();
  resample->SetInput(input);
  resample->SetReferenceImage(reference);
  resample->UseReferenceImageOn();
  resample->SetTransform(composite);
  resample->SetInterpolator(itk::LinearInterpolateImageFunction<ImageType, double>::New());
  resample->Update();
  return resample->GetOutput();
}

double relativeL2(ImageType* reference, ImageType* test) {
  const size_t n = reference->GetBufferedRegion().GetNumberOfPixels();
  double num = 0, den = 0;
  for (size_t v = 0; v < n; ++v) {
    const double a = reference->GetBufferPointer()[v], b = test->GetBufferPointer()[v];
    num += (a - b) * (a - b);
    den += a * a;
  }
  return std::sqrt(num / den);
}
}  // namespace

TEST_CASE("ITK reproduces PWarped and PInverseWarped of a greedy registration", "[cli][ants][deformable]") {
  const std::string t1 = sharedData("multimodal/stroke/T1.nii.gz"), t2 = sharedData("multimodal/stroke/T2.nii.gz");
  FFDP_REQUIRE_DATA(t1);
  CliFixture fx;
  // A short greedy MI run (T1 to T2 of one head): enough to produce a real, non-trivial field.
  const auto run = runCli("-d 3 -o " + fx.prefix + " -r [" + t1 + "," + t2 + ",1] -t Affine[0.2] -m MI[" + t1 + "," +
                          t2 + ",1,32] -c [20x10,1e-6,10] -f 4x2 -s 2x1vox -t Greedy[0.25,1,0.5] -m MI[" + t1 + "," +
                          t2 + ",1,32] -c [20x10,1e-6,10] -f 4x2 -s 1x0.5vox -q");
  INFO(run.output);
  REQUIRE(run.exitCode == 0);
  auto fixed = readItk<ImageType>(t1), moving = readItk<ImageType>(t2);
  auto affine = readAffineItk(fx.prefix + "0GenericAffine.mat");
  const double forward = relativeL2(resampleLikeAnts(moving, fixed, {fieldTransform(fx.prefix + "1Warp.nii.gz"), affine}),
                                    readItk<ImageType>(fx.prefix + "Warped.nii.gz"));
  const double inverse =
      relativeL2(resampleLikeAnts(fixed, moving, {affine->GetInverseTransform(), fieldTransform(fx.prefix + "1InverseWarp.nii.gz")}),
                 readItk<ImageType>(fx.prefix + "InverseWarped.nii.gz"));
  WARN("relative L2 error vs ITK: warped " << forward << ", inverse warped " << inverse);
  CHECK(forward < 1e-3);
  CHECK(inverse < 1e-3);
}
