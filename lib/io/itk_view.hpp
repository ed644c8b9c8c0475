// An ITK image that views one of our buffers (no copy), for handing to ITK's writers. Internal to
// lib/io (it includes ITK): the only place that maps our Grid onto ITK's geometry types.
#pragma once
#include <itkImage.h>

#include "core/grid.hpp"

namespace ffdp {

// The buffer must outlive the image; ITK only reads it while writing.
template <class Pixel>
typename itk::Image<Pixel, 3>::Pointer itkView(const Grid& grid, const Pixel* voxels) {
  using ItkImage = itk::Image<Pixel, 3>;
  typename ItkImage::Pointer image = ItkImage::New();
  typename ItkImage::RegionType region;
  typename ItkImage::SpacingType spacing;
  typename ItkImage::PointType origin;
  typename ItkImage::DirectionType direction;
  for (unsigned d = 0; d < 3; ++d) {
    region.SetSize(d, static_cast<itk::SizeValueType>(grid.size[d]));
    region.SetIndex(d, 0);
    spacing[d] = grid.spacing[d];
    origin[d] = grid.origin[d];
    for (unsigned e = 0; e < 3; ++e) direction(d, e) = grid.direction.m[d][e];
  }
  image->SetRegions(region);
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  image->GetPixelContainer()->SetImportPointer(const_cast<Pixel*>(voxels), static_cast<size_t>(grid.voxels()), false);
  return image;
}

}  // namespace ffdp
