// docker-bake.hcl and docker-bake.json: one document model, rendered twice, so
// the two files cannot disagree. The HCL uses a small subset (blocks with a
// label, string / list / map attributes) that the tests parse back.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "rigc/emit.hpp"
#include "rigc/templates.hpp"
#include "rigc/text.hpp"

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
  doc["group"]["default"]["targets"] = std::move(names);

  // Settings every target shares live in one abstract target they inherit.
  bool same_platforms = !build.targets.empty();
  for (const ir::BuildTarget& t : build.targets)
    same_platforms = same_platforms && t.platforms == build.targets.front().platforms;
  Json common;
  common["context"] = build.context;
  if (same_platforms && !build.targets.front().platforms.empty())
    common["platforms"] = build.targets.front().platforms;
  doc["target"]["_common"] = common;

  // ordered_json finds a key by walking its entries: the targets are indexed
  // here, so that a spec of n images costs n steps, not n^2 (a later target of
  // the same name replaces the earlier, as operator[] would).
  // Its entries are pairs with a const key, which a growing vector copies
  // rather than moves: room for every target is made first.
  Json::object_t& targets = doc["target"].get_ref<Json::object_t&>();
  targets.reserve(build.targets.size() + 1);
  std::unordered_map<std::string, std::size_t> index = {{"_common", 0}};
  for (const ir::BuildTarget& t : build.targets) {
    Json j = Json::object();
    j.get_ref<Json::object_t&>().reserve(8);
    j["inherits"] = Json::array({"_common"});
    j["dockerfile"] = t.dockerfile;
    j["target"] = t.stage;
    j["tags"] = Json::array({repository(build, t) + ":" + tag(build, t)});
    if (!same_platforms && !t.platforms.empty()) j["platforms"] = t.platforms;
    if (!t.args.empty()) {
      Json args = Json::object();
      for (const auto& [key, value] : t.args)
        args[key] = literal(value);
      j["args"] = std::move(args);
    }
    if (!t.cache_ref.empty()) {
      Json from = Json::array();
      for (const std::string& ref : t.cache_from)
        from.push_back("type=registry,ref=" + cache(build, t, ref));
      j["cache-from"] = std::move(from);
      j["cache-to"] =
          Json::array({"type=registry,ref=" + cache(build, t, t.cache_ref) + ",mode=max"});
    }
    const auto [at, fresh] = index.emplace(t.name, targets.size());
    if (fresh) {
      targets.emplace_back(t.name, std::move(j));
    } else {
      (targets.begin() + static_cast<std::ptrdiff_t>(at->second))->second = std::move(j);
    }
  }
  return doc;
}

// A JSON string literal, which is an HCL one too (JSON's escapes are HCL's for
// the characters we emit). Written as nlohmann's dump() writes a string, without
// a json value and a serializer for each: text with bytes above 0x7f still goes
// through dump(), which also refuses invalid UTF-8.
void json_string(std::string& out, const std::string& value) {
  const bool ascii = std::all_of(value.begin(), value.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  out += ascii ? text::json_quote(value) : Json(value).dump();
}

// `key` padded to `width`, as "{:<{}}" would.
void padded(std::string& out, const std::string& key, std::size_t width) {
  out += key;
  if (key.size() < width) out.append(width - key.size(), ' ');
}

void hcl_value(std::string& out, const Json& value, const std::string& indent) {
  if (value.is_string()) return json_string(out, value.get_ref<const std::string&>());
  if (value.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i != 0) out += ", ";
      hcl_value(out, value[i], indent);
    }
    out += ']';
    return;
  }
  std::size_t width = 0;
  for (const auto& item : value.items())
    width = std::max(width, item.key().size());
  out += "{\n";
  for (const auto& item : value.items()) {
    out += indent;
    out += "  ";
    padded(out, item.key(), width);
    out += " = ";
    hcl_value(out, item.value(), indent + "  ");
    out += '\n';
  }
  out += indent;
  out += '}';
}

// What nlohmann's dump(2) writes for the model (objects, arrays and strings),
// without its serializer's per-character decoding.
void json_text(std::string& out, const Json& value, std::size_t indent) {
  if (value.is_string()) return json_string(out, value.get_ref<const std::string&>());
  if (!value.is_array() && !value.is_object()) {
    out += value.dump();  // not in the model
    return;
  }
  if (value.empty()) {
    out += value.is_array() ? "[]" : "{}";
    return;
  }
  out += value.is_array() ? "[\n" : "{\n";
  std::size_t left = value.size();
  for (const auto& item : value.items()) {
    out.append(indent + 2, ' ');
    if (value.is_object()) {
      json_string(out, item.key());
      out += ": ";
    }
    json_text(out, item.value(), indent + 2);
    out += --left == 0 ? "\n" : ",\n";
  }
  out.append(indent, ' ');
  out += value.is_array() ? ']' : '}';
}

std::string hcl(const Json& doc) {
  std::string out;
  for (const auto& kind : doc.items()) {
    for (const auto& block : kind.value().items()) {
      out += '\n';
      out += kind.key();
      out += ' ';
      json_string(out, block.key());
      out += " {\n";
      std::size_t width = 0;
      for (const auto& attr : block.value().items())
        width = std::max(width, attr.key().size());
      for (const auto& attr : block.value().items()) {
        out += "  ";
        padded(out, attr.key(), width);
        out += " = ";
        hcl_value(out, attr.value(), "  ");
        out += '\n';
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
    Json doc = model(build);
    const TemplateVars vars = {{"spec", build.spec_name}};
    out.push_back(
        {"docker-bake.hcl", render_template("bake-header.hcl.txt", vars) + hcl(doc), false, {}});
    // JSON has no comments, and Bake rejects unknown keys: the marker is a
    // variable that nothing reads.
    Json json;
    json["variable"]["RIGC_GENERATED"]["default"] =
        fmt::format("{} from {}. Do not edit by hand: change the spec and run `rigc build`.",
                    kGeneratedMarker, build.spec_name);
    // update() into a missing key is a copy that looks every key up; a move is
    // the same object.
    for (auto& [key, value] : doc.get_ref<Json::object_t&>()) {
      Json& slot = json[key];
      if (slot.is_null()) {
        slot = std::move(value);
      } else {
        slot.update(value);
      }
    }
    std::string text;
    json_text(text, json, 0);
    out.push_back({"docker-bake.json", text + "\n", false, {}});
  }
};

}  // namespace

const Emitter& bake_emitter() {
  static const BakeEmitter emitter;
  return emitter;
}

}  // namespace rigc
