// Reading one z-slab of a scalar 3-D image: what each rank of a multi-rank run reads of the fixed
// image (its slices plus halo), instead of the whole volume.
//
// The voxels and geometry are exactly those of readImage (image_io.hpp) restricted to the slab: the
// same header checks (through ITK), the same voxel-type conversion to float, NIfTI's scl_slope /
// scl_inter applied the way ITK applies them. What is read, by format:
//   .nii     only the slab's bytes, at vox_offset + k0 * (nx * ny) * bytes-per-voxel (pread); the file's
//            size is checked against the header (a stat), so a truncated file is an error on every rank.
//   .nii.gz  gzip has no random access: the stream is decompressed from its start and the bytes before
//            the slab are thrown away (kept memory: one 1 MiB buffer). Cost: a rank reading slices
//            [k0, k1) decompresses vox_offset + k1 * plane bytes, so the last rank decompresses nearly
//            the whole file; the ranks do it in parallel, so the wall time is about one whole-file
//            decompression. A file cut short is noticed only by the ranks whose slab reaches the cut
//            (gzip's CRC is checked only at the end of the stream, which a slab read rarely reaches);
//            readImage, which reads the whole stream, notices both.
//   other    (NRRD, MetaImage, Analyze .hdr/.img, a NIfTI header this reader does not handle): ITK's
//            ImageIO with an IORegion; a format that can stream (MetaImage uncompressed) reads only the
//            slab, the others (NRRD, compressed MetaImage) read the whole image and keep the slab.
#pragma once
#include <string>

#include "dist/slab.hpp"
#include "io/image_io.hpp"

namespace ffdp {

// Global slices `slices` = [begin, end) of the image at `path`, as float. The returned grid is the
// slab's grid: the whole image's spacing and direction, size nz = slices.count(), origin moved to global
// index (0, 0, begin) (SlabLayout::slabGrid), so every voxel keeps its physical point. pixelType is the
// file's voxel type as readImage reports it. An empty range (begin == end) gives an empty image (a rank
// that owns no slice). Errors: ffdp::Error(ExitCode::Input, "<path>: ...") for everything readImage
// refuses, a slab outside [0, nz) and a file that ends before the slab does.
LoadedImage readImageSlab(const std::string& path, const SliceRange& slices);

}  // namespace ffdp
