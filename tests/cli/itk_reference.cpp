#include "itk_reference.hpp"

#include <itkCompositeTransform.h>
#include <itkDisplacementFieldTransform.h>
#include <itkImageFileReader.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>
#include <itkTransformFileReader.h>

#include <catch2/catch.hpp>
#include <cmath>

namespace ffdp::test {

namespace {
template <class T>
typename T::Pointer readWithItk(const std::string& path) {
  auto reader = itk::ImageFileReader<T>::New();
  reader->SetFileName(path);
  reader->Update();
  return reader->GetOutput();
}
}  // namespace

ItkImage::Pointer readItkImage(const std::string& path) { return readWithItk<ItkImage>(path); }
ItkFieldImage::Pointer readItkField(const std::string& path) { return readWithItk<ItkFieldImage>(path); }

ItkTransform::Pointer readItkAffine(const std::string& path) {
  auto reader = itk::TransformFileReaderTemplate<double>::New();
  reader->SetFileName(path);
  reader->Update();
  REQUIRE(reader->GetTransformList()->size() == 1);
  return dynamic_cast<ItkTransform*>(reader->GetTransformList()->front().GetPointer());
}

ItkTransform::Pointer readItkWarp(const std::string& path) {
  auto transform = itk::DisplacementFieldTransform<double, 3>::New();
  transform->SetDisplacementField(readItkField(path));
  return transform.GetPointer();
}

ItkImage::Pointer resampleLikeAnts(ItkImage* input, ItkImage* reference, const std::vector<ItkTransform::Pointer>& list) {
  auto composite = itk::CompositeTransform<double, 3>::New();
  for (auto it = list.rbegin(); it != list.rend(); ++it) composite->AddTransform(*it);
  auto resample = itk::ResampleImageFilter<ItkImage, ItkImage>::New();
  resample->SetInput(input);
  resample->SetReferenceImage(reference);
  resample->UseReferenceImageOn();
  resample->SetTransform(composite);
  resample->SetInterpolator(itk::LinearInterpolateImageFunction<ItkImage, double>::New());
  resample->SetDefaultPixelValue(0);
  resample->Update();
  return resample->GetOutput();
}

double relativeL2(ItkImage* reference, ItkImage* test) {
  const size_t n = reference->GetBufferedRegion().GetNumberOfPixels();
  REQUIRE(test->GetBufferedRegion().GetNumberOfPixels() == n);
  double num = 0, den = 0;
  for (size_t v = 0; v < n; ++v) {
    const double a = reference->GetBufferPointer()[v], b = test->GetBufferPointer()[v];
    num += (a - b) * (a - b);
    den += a * a;
  }
  return std::sqrt(num / den);
}

}  // namespace ffdp::test
