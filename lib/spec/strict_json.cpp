#include "spec/strict_json.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

#include "core/error.hpp"

namespace ffdp::spec_detail {

std::string withSource(const std::string& source, const std::string& message) {
  return source.empty() ? message : source + ": " + message;
}

StrictObject::StrictObject(const nlohmann::json& value, std::string path, std::string source,
                           std::initializer_list<const char*> allowedKeys)
    : value_(value), path_(std::move(path)), source_(std::move(source)) {
  if (!value_.is_object()) {
    const std::string where = path_.empty() ? std::string("top level") : path_;
    fail(ExitCode::Usage,
         withSource(source_, where + ": expected an object (got " + std::string(value_.type_name()) + ")"));
  }
  for (const auto& item : value_.items()) {
    const bool known = std::any_of(allowedKeys.begin(), allowedKeys.end(),
                                   [&](const char* allowed) { return item.key() == allowed; });
    if (!known) {
      std::vector<std::string> names(allowedKeys.begin(), allowedKeys.end());
      failAt(item.key(), "unknown key (expected " + joinAlternatives(names) + ")");
    }
  }
}

const nlohmann::json* StrictObject::find(const char* key) const {
  auto it = value_.find(key);
  return it == value_.end() ? nullptr : &*it;
}

std::string StrictObject::pathOf(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

void StrictObject::failAt(const std::string& key, const std::string& message) const {
  fail(ExitCode::Usage, withSource(source_, pathOf(key) + ": " + message));
}

void StrictObject::failType(const std::string& key, const nlohmann::json& value, const char* expected) const {
  failAt(key, std::string("expected ") + expected + " (got " + value.type_name() + " " + value.dump() + ")");
}

int StrictObject::toInt(const std::string& key, const nlohmann::json& value) const {
  // A float such as 2.0 is refused too: counts and sizes are integers in the schema.
  if (!value.is_number_integer()) failType(key, value, "an integer");
  const bool fits = value.is_number_unsigned() ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT_MAX)
                                               : (value.get<std::int64_t>() >= INT_MIN &&
                                                  value.get<std::int64_t>() <= INT_MAX);
  if (!fits) failAt(key, "integer out of range (got " + value.dump() + ")");
  return value.get<int>();
}

double StrictObject::toDouble(const std::string& key, const nlohmann::json& value) const {
  if (!value.is_number()) failType(key, value, "a number");
  const double number = value.get<double>();
  if (!std::isfinite(number)) failAt(key, "must be a finite number");
  return number;
}

void StrictObject::read(const char* key, std::string& out) const {
  if (const nlohmann::json* value = find(key)) {
    if (!value->is_string()) failType(key, *value, "a string");
    out = value->get<std::string>();
  }
}

void StrictObject::read(const char* key, bool& out) const {
  if (const nlohmann::json* value = find(key)) {
    if (!value->is_boolean()) failType(key, *value, "true or false");
    out = value->get<bool>();
  }
}

void StrictObject::read(const char* key, int& out) const {
  if (const nlohmann::json* value = find(key)) out = toInt(key, *value);
}

void StrictObject::read(const char* key, double& out) const {
  if (const nlohmann::json* value = find(key)) out = toDouble(key, *value);
}

void StrictObject::read(const char* key, std::vector<int>& out) const {
  const nlohmann::json* value = find(key);
  if (!value) return;
  if (!value->is_array()) failType(key, *value, "an array of integers");
  std::vector<int> list;
  for (size_t i = 0; i < value->size(); ++i)
    list.push_back(toInt(std::string(key) + "[" + std::to_string(i) + "]", (*value)[i]));
  out = std::move(list);
}

void StrictObject::read(const char* key, std::vector<double>& out) const {
  const nlohmann::json* value = find(key);
  if (!value) return;
  if (!value->is_array()) failType(key, *value, "an array of numbers");
  std::vector<double> list;
  for (size_t i = 0; i < value->size(); ++i)
    list.push_back(toDouble(std::string(key) + "[" + std::to_string(i) + "]", (*value)[i]));
  out = std::move(list);
}

}  // namespace ffdp::spec_detail
