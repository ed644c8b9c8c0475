// Output paths are checked before any work, writes are atomic, and failed writes leave nothing.
#include "io/output_files.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/image_io.hpp"
#include "io_test_files.hpp"
#include "support/test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;
namespace fs = std::filesystem;

namespace {

void requireResourceError(const std::function<void()>& action, const std::string& path, const std::string& fragment) {
  try {
    action();
    FAIL("no error for " << path);
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(e.code() == ExitCode::Resource);
    CHECK(std::string(e.what()).rfind(path + ": ", 0) == 0);
    CHECK_THAT(e.what(), Catch::Contains(fragment));
  }
}

size_t entries(const fs::path& dir) {
  return size_t(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("temporary names are hidden siblings that keep the format extension", "[io][output]") {
  const std::string t = temporarySiblingPath("/out/run/P_Warped.nii.gz");
  CHECK(fs::path(t).parent_path() == fs::path("/out/run"));
  const std::string name = fs::path(t).filename().string();
  CHECK(name.rfind(".P_Warped.nii.gz.tmp", 0) == 0);
  CHECK(name.size() > 7);
  CHECK(name.compare(name.size() - 7, 7, ".nii.gz") == 0);
  CHECK(temporarySiblingPath("/out/run/P_Warped.nii.gz") != t);
  CHECK(formatExtension("a/b.c/P0GenericAffine.mat") == ".mat");
  CHECK(formatExtension("sub-01.T1w.nii.gz") == ".nii.gz");
  CHECK(formatExtension("noext") == "");
  CHECK(fs::path(temporarySiblingPath("rel.mha")).parent_path().empty());
}

TEST_CASE("an output plan passes for fresh paths and leaves no probe files", "[io][output]") {
  ScratchDir dir("io-plan");
  OutputPlan plan(false);
  plan.add(dir / "PWarped.nii.gz");
  plan.add(dir / "P0GenericAffine.mat");
  plan.checkWritable();
  CHECK(entries(dir.path()) == 0);
}

TEST_CASE("an output plan refuses existing files without overwrite", "[io][output]") {
  ScratchDir dir("io-plan-exists");
  writeBytes(dir / "P0GenericAffine.mat", "old");
  OutputPlan keep(false);
  keep.add(dir / "PWarped.nii.gz");
  keep.add(dir / "P0GenericAffine.mat");
  requireResourceError([&] { keep.checkWritable(); }, dir / "P0GenericAffine.mat",
                       "exists; pass --overwrite to replace it");
  OutputPlan replace(true);
  replace.add(dir / "P0GenericAffine.mat");
  replace.checkWritable();
  CHECK(readBytes(dir / "P0GenericAffine.mat") == "old");  // checking never touches the file
}

TEST_CASE("an output plan refuses missing folders, files used as folders, folders as outputs, twins", "[io][output]") {
  ScratchDir dir("io-plan-bad");
  writeBytes(dir / "afile", "x");
  fs::create_directory(dir / "adir");
  const auto single = [](const std::string& path, bool overwrite) {
    OutputPlan plan(overwrite);
    plan.add(path);
    return plan;
  };
  requireResourceError([&] { single(dir / "missing/P.nii.gz", true).checkWritable(); }, dir / "missing/P.nii.gz",
                       "does not exist");
  // Tests run as root, so "not writable" is a parent that is a regular file.
  requireResourceError([&] { single(dir / "afile/P.nii.gz", true).checkWritable(); }, dir / "afile/P.nii.gz",
                       "not a directory");
  requireResourceError([&] { single(dir / "adir", true).checkWritable(); }, dir / "adir", "directory");
  OutputPlan twins(true);
  twins.add(dir / "P.nii.gz");
  twins.add(dir.path().string() + "/./P.nii.gz");
  requireResourceError([&] { twins.checkWritable(); }, dir.path().string() + "/./P.nii.gz", "twice");
}

TEST_CASE("writes into unusable places fail naming the file and leave nothing behind", "[io][output]") {
  ScratchDir dir("io-write-bad");
  writeBytes(dir / "afile", "x");
  Grid g;
  g.size = {2, 2, 2};
  const Image img(g, 1.0f);
  requireResourceError([&] { writeImage(dir / "missing/w.nii.gz", img); }, dir / "missing/w.nii.gz", "cannot write");
  requireResourceError([&] { writeImage(dir / "afile/w.nii.gz", img); }, dir / "afile/w.nii.gz", "cannot write");
  requireResourceError([&] { writeImage(dir / "w.unknownformat", img); }, dir / "w.unknownformat", "cannot write");
  requireResourceError([&] { writeTextAtomic(dir / "missing/report.json", "{}"); }, dir / "missing/report.json",
                       "cannot write");
  // ITK 5.2's NIfTI-1 writer refuses dimensions above 32767: a failure inside ITK itself.
  Grid wide;
  wide.size = {40000, 1, 1};
  requireResourceError([&] { writeImage(dir / "wide.nii", Image(wide, 1.0f)); }, dir / "wide.nii", "cannot write");
  CHECK(entries(dir.path()) == 1);  // only "afile": no temporaries, no partial outputs

  // A failed write over an existing output leaves the old file whole.
  writeImage(dir / "keep.nii", Image(g, 3.0f));
  requireResourceError([&] { writeImage(dir / "keep.nii", Image(wide, 1.0f)); }, dir / "keep.nii", "cannot write");
  CHECK(readImage(dir / "keep.nii").image.data == std::vector<float>(8, 3.0f));
  CHECK(entries(dir.path()) == 2);
}

TEST_CASE("writeTextAtomic replaces content whole; removeQuietly cleans up", "[io][output]") {
  ScratchDir dir("io-text");
  writeTextAtomic(dir / "report.json", "{\"a\": 1}\n");
  writeTextAtomic(dir / "report.json", "{\"b\": 2}\n");
  CHECK(readBytes(dir / "report.json") == "{\"b\": 2}\n");
  CHECK(entries(dir.path()) == 1);
  writeBytes(dir / "x.nii.gz", "x");
  removeQuietly({dir / "report.json", dir / "x.nii.gz", dir / "never-existed.mat"});
  CHECK(entries(dir.path()) == 0);
}
