#include "transform_list.hpp"

#include "core/error.hpp"
#include "io/transform_io.hpp"

namespace ffdp::cli {

TransformRef parseTransformRef(const std::string& argument) {
  std::string s = argument;
  if (s.empty()) fail(ExitCode::Usage, "-t: empty transform argument");
  if (s.front() != '[') return {s, false};
  if (s.back() != ']') fail(ExitCode::Usage, "-t " + argument + ": missing closing ']'");
  s = s.substr(1, s.size() - 2);
  const auto comma = s.find(',');
  if (comma == std::string::npos) return {s, false};
  const std::string flag = s.substr(comma + 1);
  if (flag != "0" && flag != "1")
    fail(ExitCode::Usage, "-t " + argument + ": the inverse flag must be 0 or 1 (got '" + flag + "')");
  return {s.substr(0, comma), flag == "1"};
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
