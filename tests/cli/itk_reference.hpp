// The independent judge of the ANTs-compatibility tests: ITK's own readers and resampler, with
// transform lists composed the way antsApplyTransforms composes them.
#pragma once
#include <itkImage.h>
#include <itkTransform.h>
#include <itkVector.h>

#include <string>
#include <vector>

namespace ffdp::test {

using ItkImage = itk::Image<float, 3>;
using ItkTransform = itk::Transform<double, 3, 3>;
using ItkFieldImage = itk::Image<itk::Vector<double, 3>, 3>;

ItkImage::Pointer readItkImage(const std::string& path);
ItkFieldImage::Pointer readItkField(const std::string& path);
// A transform file holding exactly one transform (checked).
ItkTransform::Pointer readItkAffine(const std::string& path);
// As antsApplyTransforms reads a warp: a DisplacementFieldTransform over the file's field.
ItkTransform::Pointer readItkWarp(const std::string& path);
// antsApplyTransforms -r reference -i input -t T1 -t T2 ... with linear interpolation, 0 outside:
// the transform added last to ITK's CompositeTransform acts first, so the list is added back to front.
ItkImage::Pointer resampleLikeAnts(ItkImage* input, ItkImage* reference, const std::vector<ItkTransform::Pointer>& list);
// ||reference - test|| / ||reference|| over all voxels (same size checked).
double relativeL2(ItkImage* reference, ItkImage* test);

}  // namespace ffdp::test
