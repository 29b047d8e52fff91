// docker-bake.hcl and docker-bake.json: one document model, rendered twice, so
// the two files cannot disagree. The HCL uses a small subset (blocks with a
// label, string / list / map attributes) that the tests parse back.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "rigc/emit.hpp"
#include "rigc/templates.hpp"

namespace rigc {
namespace {

using Json = nlohmann::ordered_json;

// A value Bake must not interpolate: "${" and "%{" escaped as "$${" and "%%{".
std::string literal(const std::string& value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if ((value[i] == '$' || value[i] == '%') && i + 1 < value.size() && value[i + 1] == '{')
      out += value[i];
    out += value[i];
  }
  return out;
}

std::string repository(const ir::Build& build, const ir::BuildTarget& t) {
  if (t.registry.empty()) return t.image;
  return (t.registry == build.registry ? "${REGISTRY}" : t.registry) + "/" + t.image;
}

std::string tag(const ir::Build& build, const ir::BuildTarget& t) {
  return (t.tag == build.tag ? "${TAG}" : t.tag) + t.tag_suffix;
}

// The cache ref of `ref` (an ir cache ref) written with ${REGISTRY}.
std::string cache(const ir::Build& build, const ir::BuildTarget& t, const std::string& ref) {
  const std::string plain = t.repository + ":";
  return repository(build, t) + ":" + ref.substr(plain.size());
}

Json model(const ir::Build& build) {
  Json doc;
  doc["variable"]["REGISTRY"]["default"] = build.registry;
  doc["variable"]["TAG"]["default"] = build.tag;
  Json names = Json::array();
  for (const ir::BuildTarget& t : build.targets)
    names.push_back(t.name);
  doc["group"]["default"]["targets"] = names;

  // Settings every target shares live in one abstract target they inherit.
  bool same_platforms = !build.targets.empty();
  for (const ir::BuildTarget& t : build.targets)
    same_platforms = same_platforms && t.platforms == build.targets.front().platforms;
  Json common;
  common["context"] = build.context;
  if (same_platforms && !build.targets.front().platforms.empty())
    common["platforms"] = build.targets.front().platforms;
  doc["target"]["_common"] = common;

  for (const ir::BuildTarget& t : build.targets) {
    Json j;
    j["inherits"] = Json::array({"_common"});
    j["dockerfile"] = t.dockerfile;
    j["target"] = t.stage;
    j["tags"] = Json::array({repository(build, t) + ":" + tag(build, t)});
    if (!same_platforms && !t.platforms.empty()) j["platforms"] = t.platforms;
    if (!t.args.empty()) {
      Json args = Json::object();
      for (const auto& [key, value] : t.args)
        args[key] = literal(value);
      j["args"] = args;
    }
    if (!t.cache_ref.empty()) {
      Json from = Json::array();
      for (const std::string& ref : t.cache_from)
        from.push_back("type=registry,ref=" + cache(build, t, ref));
      j["cache-from"] = from;
      j["cache-to"] =
          Json::array({"type=registry,ref=" + cache(build, t, t.cache_ref) + ",mode=max"});
    }
    doc["target"][t.name] = j;
  }
  return doc;
}

// An HCL string literal: JSON's escapes are HCL's for the characters we emit.
std::string hcl_string(const std::string& value) {
  return Json(value).dump();
}

std::string hcl_value(const Json& value, const std::string& indent) {
  if (value.is_string()) return hcl_string(value.get<std::string>());
  if (value.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < value.size(); ++i)
      out += (i == 0 ? "" : ", ") + hcl_value(value[i], indent);
    return out + "]";
  }
  std::size_t width = 0;
  for (const auto& item : value.items())
    width = std::max(width, item.key().size());
  std::string out = "{\n";
  for (const auto& item : value.items()) {
    out += fmt::format("{}  {:<{}} = {}\n", indent, item.key(), width,
                       hcl_value(item.value(), indent + "  "));
  }
  return out + indent + "}";
}

std::string hcl(const Json& doc) {
  std::string out;
  for (const auto& kind : doc.items()) {
    for (const auto& block : kind.value().items()) {
      out += fmt::format("\n{} {} {{\n", kind.key(), hcl_string(block.key()));
      std::size_t width = 0;
      for (const auto& attr : block.value().items())
        width = std::max(width, attr.key().size());
      for (const auto& attr : block.value().items()) {
        out += fmt::format("  {:<{}} = {}\n", attr.key(), width, hcl_value(attr.value(), "  "));
      }
      out += "}\n";
    }
  }
  return out;
}

class BakeEmitter final : public Emitter {
 public:
  const char* name() const override { return "bake"; }
  const char* describe() const override {
    return "docker-bake.hcl, docker-bake.json: every image as a Bake target with a registry "
           "cache";
  }
  void emit(const ir::Build& build, std::vector<OutputFile>& out) const override {
    const Json doc = model(build);
    const TemplateVars vars = {{"spec", build.spec_name}};
    out.push_back(
        {"docker-bake.hcl", render_template("bake-header.hcl.txt", vars) + hcl(doc), false, {}});
    // JSON has no comments, and Bake rejects unknown keys: the marker is a
    // variable that nothing reads.
    Json json;
    json["variable"]["RIGC_GENERATED"]["default"] =
        fmt::format("{} from {}. Do not edit by hand: change the spec and run `rigc build`.",
                    kGeneratedMarker, build.spec_name);
    for (const auto& item : doc.items())
      json[item.key()].update(item.value());
    out.push_back({"docker-bake.json", json.dump(2) + "\n", false, {}});
  }
};

}  // namespace

const Emitter& bake_emitter() {
  static const BakeEmitter emitter;
  return emitter;
}

}  // namespace rigc
