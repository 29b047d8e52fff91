// docker-bake.hcl and docker-bake.json: one document model, rendered twice, so
// the two files cannot disagree. The HCL uses a small subset (blocks with a
// label, string / list / map attributes) that the tests parse back.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>
#include <vector>

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

// Where `t` is pushed, with ${REGISTRY} for the registry most images use.
std::string repository(const ir::Build& build, const ir::BuildTarget& t) {
  if (t.registry.empty()) return t.image;
  std::string out = t.registry == build.registry ? "${REGISTRY}" : t.registry;
  out += '/';
  out += t.image;
  return out;
}

// A cache argument: `prefix`, then `ref` (an ir cache ref, which starts with the
// target's repository) written with ${REGISTRY}, then `suffix`.
std::string cache(const std::string& repository, const ir::BuildTarget& t, const char* prefix,
                  const std::string& ref, const char* suffix) {
  std::string out = prefix;
  out += repository;
  out.append(ref, t.repository.size(), std::string::npos);
  out += suffix;
  return out;
}

// A JSON array of strings.
Json array(std::vector<std::string> items) {
  Json::array_t out;
  out.reserve(items.size());
  for (std::string& item : items)
    out.emplace_back(std::move(item));
  return out;
}

// A Bake target: its attributes in the order both files list them.
Json target(const ir::Build& build, const ir::BuildTarget& t, bool same_platforms) {
  const std::string repo = repository(build, t);
  Json::object_t j;
  j.reserve(8);
  j.emplace_back("inherits", array({"_common"}));
  j.emplace_back("dockerfile", t.dockerfile);
  j.emplace_back("target", t.stage);
  j.emplace_back("tags",
                 array({repo + ":" + (t.tag == build.tag ? "${TAG}" : t.tag) + t.tag_suffix}));
  if (!same_platforms && !t.platforms.empty()) j.emplace_back("platforms", t.platforms);
  if (!t.args.empty()) {
    Json::object_t args;
    args.reserve(t.args.size());
    for (const auto& [key, value] : t.args)
      args[key] = literal(value);  // a later value of the same key replaces the earlier
    j.emplace_back("args", std::move(args));
  }
  if (!t.cache_ref.empty()) {
    std::vector<std::string> from;
    for (const std::string& ref : t.cache_from)
      from.push_back(cache(repo, t, "type=registry,ref=", ref, ""));
    j.emplace_back("cache-from", array(std::move(from)));
    j.emplace_back("cache-to",
                   array({cache(repo, t, "type=registry,ref=", t.cache_ref, ",mode=max")}));
  }
  return j;
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

  // ordered_json finds a key by walking its entries: the targets are indexed
  // here, so that a spec of n images costs n steps, not n^2 (a later target of
  // the same name replaces the earlier, as operator[] would).
  // Its entries are pairs with a const key, which a growing vector copies
  // rather than moves: room for every target is made first.
  Json::object_t& targets = (doc["target"] = Json::object()).get_ref<Json::object_t&>();
  targets.reserve(build.targets.size() + 1);
  targets.emplace_back("_common", std::move(common));
  std::unordered_map<std::string_view, std::size_t> index = {{"_common", 0}};
  for (const ir::BuildTarget& t : build.targets) {
    Json j = target(build, t, same_platforms);
    const auto [at, fresh] = index.emplace(t.name, targets.size());
    if (fresh) {
      targets.emplace_back(t.name, std::move(j));
    } else {
      (targets.begin() + static_cast<std::ptrdiff_t>(at->second))->second = std::move(j);
    }
  }
  return doc;
}

// An HCL string literal (HCL's native syntax): '"' and '\\' escaped, line
// breaks and tabs as \n, \r and \t, other control characters as \uNNNN, every
// other byte (UTF-8 included) as it is. For the text a spec can hold these are
// the bytes nlohmann's dump() writes for the same string, so the two files spell
// every value alike. Template sequences were escaped by literal() before.
void hcl_string(std::string& out, const std::string& value) {
  out += '"';
  std::size_t plain = 0;  // the start of the run not yet copied
  for (std::size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(value, plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += fmt::format("\\u{:04x}", c);
    }
  }
  out.append(value, plain, std::string::npos);
  out += '"';
}

// `key` padded to `width`, as "{:<{}}" would.
void padded(std::string& out, const std::string& key, std::size_t width) {
  out += key;
  if (key.size() < width) out.append(width - key.size(), ' ');
}

std::size_t key_width(const Json::object_t& object) {
  std::size_t width = 0;
  for (const auto& [key, value] : object)
    width = std::max(width, key.size());
  return width;
}

// A value of the model: a string, a list of strings, or a map (indented by
// `indent` spaces, its attributes aligned).
void hcl_value(std::string& out, const Json& value, std::size_t indent) {
  if (value.is_string()) return hcl_string(out, value.get_ref<const std::string&>());
  if (value.is_array()) {
    out += '[';
    const char* separator = "";
    for (const Json& item : value.get_ref<const Json::array_t&>()) {
      out += separator;
      hcl_value(out, item, indent);
      separator = ", ";
    }
    out += ']';
    return;
  }
  const Json::object_t& object = value.get_ref<const Json::object_t&>();
  const std::size_t width = key_width(object);
  out += "{\n";
  for (const auto& [key, item] : object) {
    out.append(indent + 2, ' ');
    padded(out, key, width);
    out += " = ";
    hcl_value(out, item, indent + 2);
    out += '\n';
  }
  out.append(indent, ' ');
  out += '}';
}

// The model as HCL: each kind of block ("variable", "group", "target") holds
// blocks by label, each block its attributes.
std::string hcl(const Json& doc) {
  std::string out;
  for (const auto& [kind, blocks] : doc.get_ref<const Json::object_t&>()) {
    for (const auto& [label, attributes] : blocks.get_ref<const Json::object_t&>()) {
      out += '\n';
      out += kind;
      out += ' ';
      hcl_string(out, label);
      out += " {\n";
      const Json::object_t& object = attributes.get_ref<const Json::object_t&>();
      const std::size_t width = key_width(object);
      for (const auto& [key, value] : object) {
        out += "  ";
        padded(out, key, width);
        out += " = ";
        hcl_value(out, value, 2);
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
    std::string text = json.dump(2);
    text += '\n';
    out.push_back({"docker-bake.json", std::move(text), false, {}});
  }
};

}  // namespace

const Emitter& bake_emitter() {
  static const BakeEmitter emitter;
  return emitter;
}

}  // namespace rigc
