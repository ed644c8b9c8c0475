// The spec as JSON (schema in docs/spec.md): what params/*.json presets and --spec files hold,
// and what a run report records. Reading is strict so that a typo is an error, not a default.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "spec/spec.hpp"

namespace ffdp {

// Every key of the schema, defaults included, so that the result documents the whole run.
nlohmann::json specToJson(const Spec& spec);

// Keys that are absent take the defaults of spec.hpp. Unknown keys, wrong types and unknown enum
// names throw Error(ExitCode::Usage) naming "<source>: <key path>". Does not call validate():
// a preset may lack fixed/moving/output, which the command line supplies.
Spec specFromJson(const nlohmann::json& json, const std::string& source);

// Reads and parses a spec file: a missing or unreadable file is ExitCode::Input; malformed JSON
// (with nlohmann's byte position) and duplicate keys are ExitCode::Usage.
Spec loadSpecFile(const std::string& path);

}  // namespace ffdp
