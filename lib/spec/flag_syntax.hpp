// The bracket syntax of ANTs flags, "Name[a,b,c]", and strict number parsing, kept apart from
// what each flag means (ants_flags.cpp). Errors are ExitCode::Usage naming "<flag> <value>".
#pragma once
#include <string>
#include <vector>

namespace ffdp::spec_detail {

struct FlagCall {
  std::string name;               // trimmed text before '[' (the whole value when there is none)
  std::vector<std::string> args;  // trimmed, possibly empty strings; "Name[]" has none
  bool bracketed = false;
};

// Splits "Name[a, b,,c]" into {"Name", {"a","b","","c"}}; "[a,b]" has an empty name; "a" has no
// args. A missing ']', text after ']' or a nested '[' is an error naming the flag and its value.
FlagCall splitFlagCall(const std::string& flag, const std::string& value);

// The arguments of a flag whose brackets are optional: "[a,b]" -> {a,b}; "a" -> {a}.
// A name before '[' ("x[a,b]") is an error.
std::vector<std::string> bracketedList(const std::string& flag, const std::string& value);

// Strict numbers: the whole text must be a finite number; `what` names the argument in the error.
double parseDouble(const std::string& flag, const std::string& value, const std::string& what,
                   const std::string& text);
int parseInt(const std::string& flag, const std::string& value, const std::string& what, const std::string& text);
// "1000x500x250" -> {1000, 500, 250}.
std::vector<int> parseIntList(const std::string& flag, const std::string& value, const std::string& what,
                              const std::string& text);
std::vector<double> parseDoubleList(const std::string& flag, const std::string& value, const std::string& what,
                                    const std::string& text);

[[noreturn]] void failFlag(const std::string& flag, const std::string& value, const std::string& message);

}  // namespace ffdp::spec_detail
