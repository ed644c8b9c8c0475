// Affine transforms in ITK's files, readable by ANTs and every ITK tool: MATLAB v4 `.mat` (as
// antsRegistration writes `0GenericAffine.mat`) or ITK text `.txt`/`.tfm`, chosen by extension.
// ITK's AffineTransform parameters are M row-major then t; its fixed parameters are the centre c;
// ITK's offset is t + c - M c, the same as ffdp::Affine::offset().
#pragma once
#include <string>

#include "core/affine.hpp"

namespace ffdp {

// Writes `a` as an AffineTransform_double_3_3, atomically (temporary sibling + rename).
// Failures: ffdp::Error(ExitCode::Resource, "<path>: cannot write: <reason>").
void writeAffine(const std::string& path, const Affine& a);

// Reads one linear transform: any MatrixOffsetTransformBase (Affine, Euler3D, VersorRigid3D,
// Similarity3D, ScaleSkewVersor3D, ...; double or float), a TranslationTransform, or a
// CompositeTransform holding exactly one of those. Anything else is ffdp::Error(ExitCode::Input,
// "<path>: ..."): missing file, not a transform file, a displacement field, several transforms.
Affine readAffine(const std::string& path);

}  // namespace ffdp
