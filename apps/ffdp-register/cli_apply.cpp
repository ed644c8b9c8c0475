#include "cli_apply.hpp"

#include "core/error.hpp"
#include "eval/transform_chain.hpp"
#include "io/image_io.hpp"
#include "io/output_files.hpp"
#include "ops/backend.hpp"
#include "transform_list.hpp"

namespace ffdp::cli {

CLI::App* addApplyCommand(CLI::App& app, ApplyOptions& o) {
  CLI::App* cmd = app.add_subcommand("apply", "Resample an image through transforms (like antsApplyTransforms)");
  cmd->add_option("-d,--dimensionality", o.dimension, "Image dimension (only 3)");
  cmd->add_option("-i,--input", o.input, "Image to resample (the moving image)")->required();
  cmd->add_option("-r,--reference", o.reference, "Reference image: output grid (the fixed image)")->required();
  cmd->add_option("-o,--output", o.output, "Output image")->required();
  cmd->add_option("-t,--transform", o.transforms,
                  "Affine (.mat/.txt; [file,1] for its inverse) or displacement field (.nii.gz, .nrrd, .mha); "
                  "ANTs order: the first listed acts first on the reference point")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("-n,--interpolation", o.interpolation, "Linear, NearestNeighbor or GenericLabel")
      ->check(CLI::IsMember({"Linear", "NearestNeighbor", "GenericLabel", "Label", "MultiLabel"}));
  cmd->add_option("--default-value", o.defaultValue, "Value outside the input image");
  cmd->add_flag("--overwrite", o.overwrite, "Replace the output if it exists");
  return cmd;
}

int runApply(const ApplyOptions& o) {
  if (o.dimension != 3) fail(ExitCode::Usage, "-d " + std::to_string(o.dimension) + ": only 3-D images are supported");
  for (const auto& t : o.transforms) parseTransformRef(t);  // syntax errors before any file is read
  OutputPlan plan(o.overwrite);
  plan.add(o.output);
  LoadedImage input = readImage(o.input);
  const LoadedImage reference = readImage(o.reference);
  const TransformChain chain = readTransformChain(o.transforms);
  plan.checkWritable();

  Interpolation interp = Interpolation::Linear;
  if (o.interpolation == "NearestNeighbor") interp = Interpolation::NearestNeighbor;
  if (o.interpolation == "GenericLabel" || o.interpolation == "Label" || o.interpolation == "MultiLabel")
    interp = Interpolation::Label;
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Image out =
      resampleThroughChain(*backend, input.image, reference.image.grid, chain, interp, float(o.defaultValue));
  // Labels keep their integer type (types NIfTI cannot hold as such become float); interpolated
  // intensities are written as float, as ANTs does.
  const bool keepType = interp != Interpolation::Linear && input.pixelType != PixelType::Other;
  writeImage(o.output, out, keepType ? input.pixelType : PixelType::Float32);
  return 0;
}

}  // namespace ffdp::cli
