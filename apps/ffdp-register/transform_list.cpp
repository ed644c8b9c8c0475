#include "transform_list.hpp"

#include <optional>

#include <memory>

#include "core/error.hpp"
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

// True when the chain is [fields..., affines...]: then the fields compose with backend ops on the
// reference grid and the affines fold into A.
bool fieldsFirst(const TransformChain& chain) {
  bool seenAffine = false;
  for (const ChainStep& step : chain) {
    if (!step.isField())
      seenAffine = true;
    else if (seenAffine)
      return false;
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
  if (fieldsFirst(chain)) {
    TransformChain affines;
    std::optional<Field> u;
    for (const ChainStep& step : chain) {
      if (!step.isField())
        affines.push_back(step);
      else if (!u)
        u = onGrid(*step.field, reference, backend);
      else  // the earlier fields act first
        u = backend.composeFields(onGrid(*step.field, reference, backend), *u);
    }
    return {composeAffines(affines, centre), std::move(u)};
  }
  // An affine before a field (e.g. [P0GenericAffine.mat,1] then P1InverseWarp): the whole chain as one
  // displacement on the reference grid, built point by point on the CPU (eval/transform_chain). apply
  // resamples once, not in an iteration, so one CPU pass costs about what the warp itself costs.
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
