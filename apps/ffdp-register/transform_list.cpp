#include "transform_list.hpp"

#include "core/error.hpp"
#include "io/transform_io.hpp"
#include "spec/flag_syntax.hpp"

namespace ffdp::cli {

TransformRef parseTransformRef(const std::string& argument) {
  using namespace spec_detail;
  const std::vector<std::string> args = bracketedList("-t", argument);
  if (args.empty() || args[0].empty()) failFlag("-t", argument, "missing the transform file");
  if (args.size() > 2) failFlag("-t", argument, "too many arguments (expected file or [file,0|1])");
  if (args.size() == 1 || args[1].empty()) return {args[0], false};
  const int useInverse = parseInt("-t", argument, "useInverse", args[1]);
  if (useInverse != 0 && useInverse != 1) failFlag("-t", argument, "useInverse must be 0 or 1");
  return {args[0], useInverse == 1};
}

Affine composeTransformList(const std::vector<std::string>& arguments, const Vec3& centre) {
  Affine total = Affine::identity(centre);
  for (const auto& argument : arguments) {
    const TransformRef ref = parseTransformRef(argument);
    Affine a = readAffine(ref.path);
    if (ref.invert) {
      if (!a.invertible()) fail(ExitCode::Input, ref.path + ": transform is not invertible");
      a = a.inverse();
    }
    total = a.compose(total);  // applied after everything listed before it
  }
  return total.withCentre(centre);
}

}  // namespace ffdp::cli
