#include "transform_list.hpp"

#include <optional>

#include <memory>

#include "core/error.hpp"
#include "eval/field_sampling.hpp"
#include "io/field_io.hpp"
#include "io/transform_io.hpp"
#include "spec/flag_syntax.hpp"

namespace ffdp::cli {

TransformRef parseTransformRef(const std::string& argument) {
  using namespace spec_detail;
  const std::vector<std::string> args = bracketedList("-t", argument);
  if (args.empty() || args[0].empty()) failFlag("-t", argument, "missing the transform file");
  if (args.size() > 2) failFlag("-t", argument, "too many arguments (expected file or [file,0|1])");
  TransformRef ref{args[0], false, hasImageExtension(args[0])};
  if (args.size() == 1 || args[1].empty()) return ref;
  const int useInverse = parseInt("-t", argument, "useInverse", args[1]);
  if (useInverse != 0 && useInverse != 1) failFlag("-t", argument, "useInverse must be 0 or 1");
  ref.invert = useInverse == 1;
  if (ref.invert && ref.isField)
    failFlag("-t", argument, "inverse of a displacement field: use P1InverseWarp (the inverse field file) instead");
  return ref;
}

TransformChain readTransformChain(const std::vector<std::string>& arguments) {
  TransformChain chain;
  for (const auto& argument : arguments) {
    const TransformRef ref = parseTransformRef(argument);
    ChainStep step;
    if (ref.isField) {
      step.field = std::make_shared<const Field>(readDisplacementField(ref.path));
    } else {
      step.affine = readAffine(ref.path);
      if (ref.invert) {
        if (!step.affine.invertible()) fail(ExitCode::Input, ref.path + ": transform is not invertible");
        step.affine = step.affine.inverse();
      }
    }
    chain.push_back(std::move(step));
  }
  return chain;
}

Affine composeAffines(const TransformChain& chain, const Vec3& centre) {
  Affine total = Affine::identity(centre);
  for (const ChainStep& step : chain) {
    if (step.isField()) fail(ExitCode::Internal, "composeAffines: the chain holds a displacement field");
    total = step.affine.compose(total);  // applied after everything listed before it
  }
  return total.withCentre(centre);
}

namespace {

// A chain reduced to one Backend call, moving(A(x + u(x))) on the reference grid, so that apply runs
// on any backend. u is absent for an affine-only chain (resampleAffine needs no field in memory).
struct WarpPlan {
  Affine A;
  std::optional<Field> u;
};

// True when the chain is [one field, affines...] and the field covers every reference voxel centre:
// then x + u(x) is the field resampled onto the reference grid by a backend op (ITK's rule and the
// backend's agree inside the field's extent) and the affines fold into A. The fieldShrink outputs
// applied on the fixed grid are this case.
bool oneCoveringFieldFirst(const TransformChain& chain, const Grid& reference) {
  if (chain.empty() || !chain.front().isField()) return false;
  for (size_t s = 1; s < chain.size(); ++s)
    if (chain[s].isField()) return false;
  const FieldSampler field(*chain.front().field);
  for (int corner = 0; corner < 8; ++corner) {  // the voxel centres' hull is the box of the corner centres
    const Vec3 index{corner & 1 ? double(reference.size[0] - 1) : 0.0, corner & 2 ? double(reference.size[1] - 1) : 0.0,
                     corner & 4 ? double(reference.size[2] - 1) : 0.0};
    if (!field.covers(reference.indexToPhysical(index))) return false;
  }
  return true;
}

// A field on the reference grid: sampled there by the backend when it lives on another grid.
Field onGrid(const Field& u, const Grid& reference, Backend& backend) {
  return u.grid.sameAs(reference, 1e-6) ? u : backend.resampleField(u, reference);
}

WarpPlan planWarp(const TransformChain& chain, const Grid& reference, Backend& backend) {
  const Vec3 centre = reference.centre();
  if (!hasFields(chain)) return {composeAffines(chain, centre), std::nullopt};
  if (oneCoveringFieldFirst(chain, reference))
    return {composeAffines(TransformChain(chain.begin() + 1, chain.end()), centre),
            onGrid(*chain.front().field, reference, backend)};
  // Anything else (an affine before a field, several fields, a field that does not cover the reference
  // grid, where ITK's zero displacement applies): the whole chain as one displacement on the reference
  // grid, built point by point on the CPU (eval/transform_chain). apply resamples once, not in an
  // iteration, so one CPU pass costs about what the warp itself costs.
  return {Affine::identity(centre), chainDisplacement(chain, reference)};
}

}  // namespace

Image resampleThroughChain(Backend& backend, const Image& input, const Grid& reference, const TransformChain& chain,
                           Interpolation interp, float outside) {
  const WarpPlan warp = planWarp(chain, reference, backend);
  Image out = warp.u ? backend.resampleWarp(input, warp.A, *warp.u, interp, outside)
                     : backend.resampleAffine(input, reference, warp.A, interp, outside);
  backend.toHost(out);
  return out;
}

}  // namespace ffdp::cli
