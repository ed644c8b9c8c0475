// Reading and writing scalar 3-D images (NIfTI .nii/.nii.gz, NRRD, MetaImage .mha/.mhd) through ITK,
// with geometry exactly as ITK interprets it (LPS physical space; NIfTI qform/sform, LIA/RAS storage and
// oblique directions handled by ITK's readers). Errors name the file and carry ExitCode::Input (reading)
// or ExitCode::Resource (writing).
#pragma once
#include <cstdint>
#include <string>

#include "core/volume.hpp"
#include "dist/comm.hpp"

namespace ffdp {

// Voxel type as stored in a file. 64-bit integers and other exotic types are reported as Other.
enum class PixelType { UInt8, Int8, UInt16, Int16, UInt32, Int32, Float32, Float64, Other };

const char* pixelTypeName(PixelType type);

struct LoadedImage {
  Image image;
  PixelType pixelType = PixelType::Float32;
};

// Reads any ITK-readable scalar 3-D image into float. A 4-D file whose extra dimensions have size 1 is
// read as 3-D. The header (dimension, components, size, spacing, direction) is checked before any
// voxel is read; every failure is ffdp::Error(ExitCode::Input, "<path>: ...").
LoadedImage readImage(const std::string& path);

// The grid of an image from its header alone (no voxels read): what --dry-run plans with.
Grid readImageGrid(const std::string& path);

// Checks that an image can drive a registration: errors (Input, naming `path`) when no voxel is finite
// or when all finite voxels have one value. Replaces isolated NaN/Inf voxels by 0 and returns how many.
int64_t requireUsableIntensities(Image& image, const std::string& path);
// The same for one rank's slab buffer of the image (Grid::slab): judged on the whole image, from every
// rank's own slices (every rank calls it; all throw the same error); returns the replaced voxels of
// the whole image. On a whole image it is the one-image version.
int64_t requireUsableIntensities(Image& image, const std::string& path, Comm& comm);

// Reads a mask: nonzero (and finite) = inside. Errors "<path>: mask has no voxels" when nothing is inside.
Mask readMask(const std::string& path);

// Writes an image, atomically (temporary sibling + rename), with the voxel type given. Integer types
// round to nearest (halves away from zero) and clamp to the type's range (NaN -> 0). The format follows
// the extension.
// Failures: ffdp::Error(ExitCode::Resource, "<path>: cannot write: <reason>"), and no file is left.
// Two-file formats (.mhd+.raw, .nhdr, .hdr/.img) are written in place, since renaming their header
// would break the reference to the data file.
// The ITK version this binary was built with (for the run report).
std::string itkVersion();

void writeImage(const std::string& path, const Image& image, PixelType type = PixelType::Float32);

}  // namespace ffdp
