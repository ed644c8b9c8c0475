#include "spec/spec_json.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "spec/strict_json.hpp"

namespace ffdp {
namespace {

using nlohmann::json;
using spec_detail::StrictObject;
using spec_detail::withSource;

json metricToJson(const MetricSpec& metric) {
  return {{"kind", toString(metric.kind)},
          {"weight", metric.weight},
          {"radius", metric.radius},
          {"bins", metric.bins},
          {"samplingFraction", metric.samplingFraction}};
}

json stageToJson(const StageSpec& stage) {
  json j = {{"transform", toString(stage.transform)},
          {"step", stage.step},
          {"metric", metricToJson(stage.metric)},
          {"levels",
           {{"iterations", stage.iterations},
            {"shrinkFactors", stage.shrinkFactors},
            {"smoothingSigmas", stage.smoothingSigmas},
            {"sigmaUnit", toString(stage.sigmaUnit)}}},
          {"convergence", {{"threshold", stage.convergenceThreshold}, {"window", stage.convergenceWindow}}}};
  // The field sigmas mean nothing to a linear stage: written only where they act.
  if (isDeformable(stage.transform)) {
    j["gradientSigma"] = stage.gradientSigma;
    j["warpSigma"] = stage.warpSigma;
    j["fieldShrink"] = stage.fieldShrink;
  }
  return j;
}

MetricSpec metricFromJson(const json& value, const std::string& path, const std::string& source) {
  StrictObject object(value, path, source, {"kind", "weight", "radius", "bins", "samplingFraction"});
  MetricSpec metric;
  object.readEnum("kind", metric.kind, {MetricKind::MeanSquares, MetricKind::CC, MetricKind::MI});
  object.read("weight", metric.weight);
  object.read("radius", metric.radius);
  object.read("bins", metric.bins);
  object.read("samplingFraction", metric.samplingFraction);
  return metric;
}

void levelsFromJson(const json& value, const std::string& path, const std::string& source, StageSpec& stage) {
  StrictObject object(value, path, source, {"iterations", "shrinkFactors", "smoothingSigmas", "sigmaUnit"});
  object.read("iterations", stage.iterations);
  object.read("shrinkFactors", stage.shrinkFactors);
  object.read("smoothingSigmas", stage.smoothingSigmas);
  object.readEnum("sigmaUnit", stage.sigmaUnit, {SigmaUnit::Voxels, SigmaUnit::Millimetres});
}

void convergenceFromJson(const json& value, const std::string& path, const std::string& source, StageSpec& stage) {
  StrictObject object(value, path, source, {"threshold", "window"});
  object.read("threshold", stage.convergenceThreshold);
  object.read("window", stage.convergenceWindow);
}

StageSpec stageFromJson(const json& value, const std::string& path, const std::string& source) {
  StrictObject object(value, path, source, {"comment", "transform", "step", "metric", "levels", "convergence", "gradientSigma", "warpSigma", "fieldShrink"});
  StageSpec stage;
  std::string comment;  // for humans; type-checked, then dropped
  object.read("comment", comment);
  object.readEnum("transform", stage.transform,
                  {TransformKind::Rigid, TransformKind::Affine, TransformKind::Greedy, TransformKind::SyN});
  object.read("step", stage.step);
  object.read("gradientSigma", stage.gradientSigma);
  object.read("warpSigma", stage.warpSigma);
  object.read("fieldShrink", stage.fieldShrink);
  if (const json* metric = object.find("metric"))
    stage.metric = metricFromJson(*metric, object.pathOf("metric"), source);
  if (const json* levels = object.find("levels")) levelsFromJson(*levels, object.pathOf("levels"), source, stage);
  if (const json* convergence = object.find("convergence"))
    convergenceFromJson(*convergence, object.pathOf("convergence"), source, stage);
  return stage;
}

void outputFromJson(const json& value, const std::string& source, Spec& spec) {
  StrictObject object(value, "output", source, {"prefix", "warped", "inverseWarped"});
  object.read("prefix", spec.outputPrefix);
  object.read("warped", spec.warped);
  object.read("inverseWarped", spec.inverseWarped);
}

InitialTransform initialFromJson(const json& value, const std::string& source) {
  StrictObject object(value, "initialTransform", source, {"kind", "file", "invert"});
  InitialTransform initial;
  object.readEnum("kind", initial.kind,
                  {InitKind::Identity, InitKind::GeometricCentre, InitKind::CentreOfMass, InitKind::Origin,
                   InitKind::File});
  object.read("file", initial.file);
  object.read("invert", initial.invert);
  return initial;
}

// nlohmann keeps the last of two equal keys without a word; in a hand-edited spec that hides
// an edit (two "metric" blocks, the first one changed). This parser callback refuses them.
class DuplicateKeyGuard {
 public:
  explicit DuplicateKeyGuard(std::string source) : source_(std::move(source)) {}

  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        noteElement();
        frames_.push_back({false, -1, {}, {}});
        break;
      case json::parse_event_t::array_start:
        noteElement();
        frames_.push_back({true, -1, {}, {}});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        break;
      case json::parse_event_t::key: {
        Frame& frame = frames_.back();
        frame.key = parsed.get<std::string>();
        if (!frame.keys.insert(frame.key).second)
          fail(ExitCode::Usage, withSource(source_, pathOfCurrentKey() + ": duplicate key"));
        break;
      }
      case json::parse_event_t::value:
        noteElement();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool isArray;
    long index;  // arrays: index of the element being parsed
    std::set<std::string> keys;
    std::string key;  // objects: the key being parsed
  };

  void noteElement() {
    if (!frames_.empty() && frames_.back().isArray) ++frames_.back().index;
  }

  std::string pathOfCurrentKey() const {
    std::string path;
    for (const Frame& frame : frames_) {
      if (frame.isArray) {
        path += "[" + std::to_string(frame.index) + "]";
      } else {
        path += (path.empty() ? "" : ".") + frame.key;
      }
    }
    return path;
  }

  std::string source_;
  std::vector<Frame> frames_;
};

// nlohmann's message reads "[json.exception.parse_error.101] parse error at line L, column C: what";
// keep only "what": its line/column can be off (a number at the end of a line reports the next
// line, column 0), so we count our own from the byte position, which is right.
std::string parseErrorReason(const std::string& message) {
  const auto colon = message.find(": ");
  return colon == std::string::npos ? message : message.substr(colon + 2);
}

// "line 3, column 13 (byte 31)" for nlohmann's 1-based byte position in `text`.
std::string describePosition(const std::string& text, std::size_t byte) {
  const std::size_t index = std::min(byte > 0 ? byte - 1 : 0, text.size());  // 0-based
  const auto before = text.begin() + static_cast<std::ptrdiff_t>(index);
  const std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), before, '\n'));
  const std::size_t lineStart = index == 0 ? 0 : text.rfind('\n', index - 1) + 1;  // npos + 1 == 0
  const std::size_t column = index - lineStart + 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + " (byte " + std::to_string(byte) + ")";
}

}  // namespace

json specToJson(const Spec& spec) {
  json stages = json::array();
  for (const StageSpec& stage : spec.stages) stages.push_back(stageToJson(stage));
  return {{"fixed", spec.fixed},
          {"moving", spec.moving},
          {"fixedMask", spec.fixedMask},
          {"movingMask", spec.movingMask},
          {"output", {{"prefix", spec.outputPrefix}, {"warped", spec.warped}, {"inverseWarped", spec.inverseWarped}}},
          {"initialTransform",
           {{"kind", toString(spec.initial.kind)}, {"file", spec.initial.file}, {"invert", spec.initial.invert}}},
          {"stages", stages},
          {"floatPrecision", spec.floatPrecision},
          {"verbose", spec.verbose},
          {"threads", spec.threads},
          {"overwrite", spec.overwrite}};
}

Spec specFromJson(const json& value, const std::string& source) {
  StrictObject object(value, "", source,
                      {"comment", "fixed", "moving", "fixedMask", "movingMask", "output", "initialTransform", "stages",
                       "floatPrecision", "verbose", "threads", "overwrite"});
  Spec spec;
  std::string comment;  // for humans; type-checked, then dropped
  object.read("comment", comment);
  object.read("fixed", spec.fixed);
  object.read("moving", spec.moving);
  object.read("fixedMask", spec.fixedMask);
  object.read("movingMask", spec.movingMask);
  if (const json* output = object.find("output")) outputFromJson(*output, source, spec);
  if (const json* initial = object.find("initialTransform")) spec.initial = initialFromJson(*initial, source);
  if (const json* stages = object.find("stages")) {
    if (!stages->is_array())
      object.failAt("stages", std::string("expected an array of stages (got ") + stages->type_name() + ")");
    for (size_t s = 0; s < stages->size(); ++s)
      spec.stages.push_back(stageFromJson((*stages)[s], "stages[" + std::to_string(s) + "]", source));
  }
  object.read("floatPrecision", spec.floatPrecision);
  object.read("verbose", spec.verbose);
  object.read("threads", spec.threads);
  object.read("overwrite", spec.overwrite);
  return spec;
}

Spec loadSpecFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(ExitCode::Input, path + ": spec file not found");
  if (std::filesystem::is_directory(path, ec)) fail(ExitCode::Input, path + ": is a directory, not a spec file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ExitCode::Input, path + ": cannot read spec file (" + std::strerror(errno) + ")");
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(ExitCode::Input, path + ": cannot read spec file");

  json parsed;
  try {
    parsed = json::parse(text.str(), DuplicateKeyGuard(path));
  } catch (const json::parse_error& e) {
    fail(ExitCode::Usage,
         path + ": malformed JSON at " + describePosition(text.str(), e.byte) + ": " + parseErrorReason(e.what()));
  }
  return specFromJson(parsed, path);
}

}  // namespace ffdp
