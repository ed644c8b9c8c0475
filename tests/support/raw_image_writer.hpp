// Writes deliberately odd image files byte by byte (2-D, 4-D, zero-size, degenerate geometry),
// which ITK-based writers refuse to produce, so the tests can feed them to the tool.
#pragma once
#include <string>
#include <vector>

namespace ffdp::test {

// Uncompressed NIfTI-1 (.nii), float32 voxels, identity qform/sform off (ITK then uses pixdim).
// dims: 1 to 7 sizes; values are repeated/cut to the voxel count.
void writeRawNifti(const std::string& path, const std::vector<int>& dims, const std::vector<float>& values);

// MetaImage (.mha) with an explicit direction matrix (row-major, 9 values), float32 voxels.
void writeRawMetaImage(const std::string& path, const std::vector<int>& dims, const std::vector<double>& direction,
                       const std::vector<float>& values);

}  // namespace ffdp::test
