// Strict reading of one JSON object of a spec file (internal to lib/spec): unknown keys, wrong
// types and unknown enum names are usage errors naming "<source>: <key path>".
#pragma once
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/text_util.hpp"

namespace ffdp::spec_detail {

class StrictObject {
 public:
  // Throws unless `value` is an object whose keys are all in `allowedKeys`.
  StrictObject(const nlohmann::json& value, std::string path, std::string source,
               std::initializer_list<const char*> allowedKeys);

  // Each read leaves `out` untouched (its default) when the key is absent.
  void read(const char* key, std::string& out) const;
  void read(const char* key, bool& out) const;
  void read(const char* key, int& out) const;
  void read(const char* key, double& out) const;
  void read(const char* key, std::vector<int>& out) const;
  void read(const char* key, std::vector<double>& out) const;

  // An enum spelled exactly as toString() spells one of `values`.
  template <class Enum>
  void readEnum(const char* key, Enum& out, std::initializer_list<Enum> values) const {
    const nlohmann::json* value = find(key);
    if (!value) return;
    if (!value->is_string()) failType(key, *value, "a string");
    std::vector<std::string> names;
    for (Enum candidate : values) {
      names.emplace_back(toString(candidate));
      if (value->get<std::string>() == names.back()) {
        out = candidate;
        return;
      }
    }
    failAt(key, "unknown value '" + value->get<std::string>() + "' (expected " + joinAlternatives(names) + ")");
  }

  // The member `key`, or nullptr when absent.
  const nlohmann::json* find(const char* key) const;
  // "stages[0].metric" + "radius" -> "stages[0].metric.radius".
  std::string pathOf(const std::string& key) const;
  const std::string& source() const { return source_; }

  [[noreturn]] void failAt(const std::string& key, const std::string& message) const;

 private:
  [[noreturn]] void failType(const std::string& key, const nlohmann::json& value, const char* expected) const;
  int toInt(const std::string& key, const nlohmann::json& value) const;
  double toDouble(const std::string& key, const nlohmann::json& value) const;

  const nlohmann::json& value_;
  std::string path_;
  std::string source_;
};

// "<source>: <message>" or just the message when the spec came from no file.
std::string withSource(const std::string& source, const std::string& message);

}  // namespace ffdp::spec_detail
