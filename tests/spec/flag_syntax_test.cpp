// The bracket splitter and strict number parsing under the ANTs flags.
#include <catch2/catch.hpp>

#include "spec/flag_syntax.hpp"
#include "spec_test_helpers.hpp"

using namespace ffdp::spec_detail;
using Strings = std::vector<std::string>;

TEST_CASE("splitFlagCall splits Name[a,b,c]", "[spec][syntax]") {
  FlagCall call = splitFlagCall("-m", "CC[F.nii.gz,M.nii.gz,1,4]");
  CHECK(call.name == "CC");
  CHECK(call.bracketed);
  CHECK(call.args == Strings{"F.nii.gz", "M.nii.gz", "1", "4"});

  call = splitFlagCall("-m", "  MI [ a , b ,, c ]  ");
  CHECK(call.name == "MI");
  CHECK(call.args == Strings{"a", "b", "", "c"});

  call = splitFlagCall("-t", "Rigid");
  CHECK(call.name == "Rigid");
  CHECK_FALSE(call.bracketed);
  CHECK(call.args.empty());

  call = splitFlagCall("-t", "Rigid[]");
  CHECK(call.bracketed);
  CHECK(call.args.empty());

  call = splitFlagCall("-o", "[P,,]");
  CHECK(call.name.empty());
  CHECK(call.args == Strings{"P", "", ""});
}

TEST_CASE("splitFlagCall refuses broken brackets, naming flag and value", "[spec][syntax]") {
  REQUIRE_USAGE_ERROR(splitFlagCall("--metric", "MI[a,b"), "--metric MI[a,b: missing closing ']'");
  REQUIRE_USAGE_ERROR(splitFlagCall("--metric", "MI[a,b]c"), "--metric MI[a,b]c: unexpected text after ']'");
  REQUIRE_USAGE_ERROR(splitFlagCall("--metric", "MI[a,[b]]"), "--metric MI[a,[b]]: unexpected '['");
  REQUIRE_USAGE_ERROR(splitFlagCall("--metric", "MIa,b]"), "--metric MIa,b]: ']' without '['");
}

TEST_CASE("bracketedList makes brackets optional", "[spec][syntax]") {
  CHECK(bracketedList("-c", "[100x50,1e-6,10]") == Strings{"100x50", "1e-6", "10"});
  CHECK(bracketedList("-c", "100x50") == Strings{"100x50"});
}

TEST_CASE("numbers must be whole and finite", "[spec][syntax]") {
  CHECK(parseDouble("-f", "v", "x", "1e-6") == 1e-6);
  CHECK(parseDouble("-f", "v", "x", " 0.25 ") == 0.25);
  CHECK(parseDouble("-f", "v", "x", "-2") == -2.0);
  for (const char* bad : {"", "abc", "1.5x", "0.1.2", "nan", "inf", "1e999"}) {
    INFO("text '" << bad << "'");
    REQUIRE_USAGE_ERROR(parseDouble("--flag", "value", "weight", bad), "--flag value: weight: '");
  }
  CHECK(parseInt("-f", "v", "x", "32") == 32);
  CHECK(parseInt("-f", "v", "x", "+3") == 3);
  CHECK(parseInt("-f", "v", "x", "-1") == -1);
  for (const char* bad : {"", "3.0", "3a", "0x10", "++3"}) {
    INFO("text '" << bad << "'");
    REQUIRE_USAGE_ERROR(parseInt("--flag", "value", "bins", bad), "is not an integer");
  }
  REQUIRE_USAGE_ERROR(parseInt("--flag", "value", "bins", "99999999999"), "'99999999999' is out of range");
}

TEST_CASE("x-separated lists", "[spec][syntax]") {
  CHECK(parseIntList("-f", "8x4x2x1", "shrink", "8x4x2x1") == std::vector<int>{8, 4, 2, 1});
  CHECK(parseIntList("-f", "1", "shrink", "1") == std::vector<int>{1});
  CHECK(parseDoubleList("-s", "v", "sigmas", "1.5X0.5x0") == std::vector<double>{1.5, 0.5, 0});
  REQUIRE_USAGE_ERROR(parseIntList("-f", "", "shrink factors", ""), "-f : shrink factors: empty list");
  REQUIRE_USAGE_ERROR(parseIntList("-f", "8xx1", "shrink factors", "8xx1"), "shrink factors: '' is not an integer");
}
