// Displacement fields in ITK's vector-image files, as antsRegistration writes P1Warp.nii.gz: an
// itk::Image<itk::Vector<float,3>,3> whose voxels are LPS millimetre displacements on the field's grid.
// In NIfTI that is dim[0]=5, dim[4]=1, dim[5]=3, intent code 1007 (NIFTI_INTENT_VECTOR), float32, the
// values stored as they are (ITK does not turn them into RAS). NRRD and MetaImage (.nrrd, .mha) hold
// the same image as a 3-component vector image. Errors name the file: ExitCode::Input when reading,
// ExitCode::Resource when writing.
#pragma once
#include <string>

#include "core/field.hpp"

namespace ffdp {

// Writes `u`, atomically (temporary sibling + rename); the format follows the extension.
// Failures: ffdp::Error(ExitCode::Resource, "<path>: cannot write: <reason>"), and no file is left.
void writeDisplacementField(const std::string& path, const Field& u);

// Reads a 3-D field of 3-component vectors (float or double; ANTs' and ITK's files, NIfTI with
// intent 1007 or 1006). Geometry as ITK's reader gives it. Every failure is one line,
// ffdp::Error(ExitCode::Input, "<path>: ..."): missing, not an image, not 3 components per voxel,
// not 3-D, truncated, non-finite values.
Field readDisplacementField(const std::string& path);

// True for the extensions a displacement field can have (.nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd);
// transform lists use it to tell a field from an affine file (.mat, .txt, .tfm).
bool hasImageExtension(const std::string& path);

}  // namespace ffdp
