#include "cli_fixture.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <vector>

#include "support/raw_image_writer.hpp"

namespace ffdp::test {

namespace {
std::vector<float> blob(int n, double shift) {
  std::vector<float> v(size_t(n) * n * n);
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        const double x = i - n / 2.0 - shift, y = j - n / 2.0, z = k - n / 2.0;
        v[size_t(i + n * (j + n * k))] = float(100 * std::exp(-(x * x + 0.7 * y * y + 1.3 * z * z) / 20.0));
      }
  return v;
}
}  // namespace

CliFixture::CliFixture() {
  fixed = dir / "fixed.nii";
  moving = dir / "moving.nii";
  writeRawNifti(fixed, {20, 20, 20}, blob(20, 0));
  writeRawNifti(moving, {20, 20, 20}, blob(20, 1.5));
  outDir = dir / "out";
  std::filesystem::create_directories(outDir);
  prefix = outDir + "/P";
}

CommandResult CliFixture::registerPair(const std::string& f, const std::string& m, const std::string& extra) const {
  std::ostringstream cmd;
  cmd << "-d 3 -o " << prefix << " -t Rigid[0.2] -m MeanSquares[" << f << "," << m
      << ",1] -c [20x10,1e-6,5] -f 2x1 -s 1x0vox " << extra;
  return runCli(cmd.str());
}

int CliFixture::outputCount() const {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(outDir)) {
    (void)e;
    ++n;
  }
  return n;
}

void requireOneLineError(const CommandResult& r, int exitCode, const std::string& mentioned) {
  INFO("output: " << r.output);
  CHECK(r.exitCode == exitCode);
  CHECK(r.output.rfind("ffdp-register: error: ", 0) == 0);
  CHECK(r.output.find('\n') == r.output.size() - 1);  // exactly one line
  CHECK(r.output.find(mentioned) != std::string::npos);
}

}  // namespace ffdp::test
