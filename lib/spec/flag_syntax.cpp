#include "spec/flag_syntax.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/error.hpp"
#include "spec/text_util.hpp"

namespace ffdp::spec_detail {

void failFlag(const std::string& flag, const std::string& value, const std::string& message) {
  fail(ExitCode::Usage, flag + " " + value + ": " + message);
}

FlagCall splitFlagCall(const std::string& flag, const std::string& value) {
  FlagCall call;
  const auto open = value.find('[');
  if (open == std::string::npos) {
    if (value.find(']') != std::string::npos) failFlag(flag, value, "']' without '['");
    call.name = trim(value);
    return call;
  }
  call.bracketed = true;
  call.name = trim(value.substr(0, open));
  const auto close = value.find(']', open);
  if (close == std::string::npos) failFlag(flag, value, "missing closing ']'");
  const std::string inside = value.substr(open + 1, close - open - 1);
  if (inside.find('[') != std::string::npos) failFlag(flag, value, "unexpected '[' inside the brackets");
  if (!trim(value.substr(close + 1)).empty()) failFlag(flag, value, "unexpected text after ']'");
  if (trim(inside).empty()) return call;
  size_t start = 0;
  while (true) {
    const auto comma = inside.find(',', start);
    call.args.push_back(trim(inside.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return call;
}

std::vector<std::string> bracketedList(const std::string& flag, const std::string& value) {
  FlagCall call = splitFlagCall(flag, value);
  if (!call.bracketed) return {call.name};
  if (!call.name.empty()) failFlag(flag, value, "unexpected text '" + call.name + "' before '['");
  return call.args;
}

double parseDouble(const std::string& flag, const std::string& value, const std::string& what,
                   const std::string& text) {
  // strtod with an end check: "1e-6" and "0.25" pass, "abc", "1.5x" and "" do not.
  const std::string trimmed = trim(text);
  char* end = nullptr;
  errno = 0;
  const double number = trimmed.empty() ? 0.0 : std::strtod(trimmed.c_str(), &end);
  if (trimmed.empty() || end != trimmed.c_str() + trimmed.size() || !std::isfinite(number) || errno == ERANGE)
    failFlag(flag, value, what + ": '" + text + "' is not a number");
  return number;
}

int parseInt(const std::string& flag, const std::string& value, const std::string& what, const std::string& text) {
  const std::string trimmed = trim(text);
  int number = 0;
  const char* first = trimmed.data();
  const char* last = first + trimmed.size();
  if (first != last && *first == '+') ++first;  // from_chars refuses '+'; a user may write it
  const auto [ptr, ec] = std::from_chars(first, last, number);
  if (ec == std::errc::result_out_of_range) failFlag(flag, value, what + ": '" + text + "' is out of range");
  if (trimmed.empty() || ec != std::errc() || ptr != last)
    failFlag(flag, value, what + ": '" + text + "' is not an integer");
  return number;
}

namespace {
std::vector<std::string> splitOnX(const std::string& flag, const std::string& value, const std::string& what,
                                  const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const auto x = text.find_first_of("xX", start);
    parts.push_back(text.substr(start, x == std::string::npos ? std::string::npos : x - start));
    if (x == std::string::npos) break;
    start = x + 1;
  }
  if (trim(text).empty()) failFlag(flag, value, what + ": empty list (expected e.g. 4x2x1)");
  return parts;
}
}  // namespace

std::vector<int> parseIntList(const std::string& flag, const std::string& value, const std::string& what,
                              const std::string& text) {
  std::vector<int> list;
  for (const std::string& part : splitOnX(flag, value, what, text)) list.push_back(parseInt(flag, value, what, part));
  return list;
}

std::vector<double> parseDoubleList(const std::string& flag, const std::string& value, const std::string& what,
                                    const std::string& text) {
  std::vector<double> list;
  for (const std::string& part : splitOnX(flag, value, what, text))
    list.push_back(parseDouble(flag, value, what, part));
  return list;
}

}  // namespace ffdp::spec_detail
