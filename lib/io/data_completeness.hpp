// ITK 5.2's NIfTI and MetaImage readers do not report short reads: a truncated file (an interrupted
// copy or download) loads silently with zeros where data is missing, and a NIfTI header with a zero
// dimension is read as size 1. These checks read the header's size fields themselves and make sure
// the voxel data is all there before ITK reads it. They do not interpret geometry (ITK does that).
#pragma once
#include <string>

#include "core/error.hpp"

namespace ffdp {

// Single-file NIfTI-1/NIfTI-2 (.nii or .nii.gz; other files are left alone): Error(Input) for a zero
// dimension, and "<path>: cannot read image: file is truncated or corrupt (...)" when the file holds
// fewer voxel bytes than its header promises. Cost: a stat and the last 4 bytes for a single-member
// gzip whose trailer length matches (the usual case); otherwise one decompression pass.
void checkNiftiComplete(const std::string& path);

// MetaImage (.mha with LOCAL data, or .mhd with one data file): the data holds at least the bytes
// the header promises (CompressedDataSize when compressed). Other layouts are left to ITK.
void checkMetaImageComplete(const std::string& path);

// For a file ITK cannot recognise: when it is gzip-compressed but its stream is cut short or damaged,
// throws the "truncated or corrupt" error (a clearer reason than "not an image"); otherwise returns.
void checkGzipIntact(const std::string& path);

[[noreturn]] inline void failTruncated(const std::string& path, const std::string& detail) {
  fail(ExitCode::Input, path + ": cannot read image: file is truncated or corrupt (" + detail + ")");
}

}  // namespace ffdp
