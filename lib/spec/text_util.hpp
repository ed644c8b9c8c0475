// Small string helpers shared by the spec's parsers and messages (internal to lib/spec).
#pragma once
#include <string>
#include <vector>

namespace ffdp::spec_detail {

// A number as a user would write it in a message: "0.1", "1e-06", "32".
std::string formatNumber(double value);
std::string trim(const std::string& text);
std::string toLower(std::string text);
bool equalsIgnoreCase(const std::string& a, const std::string& b);
// "a, b or c": the expected alternatives in an error message.
std::string joinAlternatives(const std::vector<std::string>& names);

}  // namespace ffdp::spec_detail
