// docker-bake.hcl and docker-bake.json: one document model, rendered twice, so
// the two files cannot disagree; and docker-bake.ci.hcl / .json, the overlay CI
// adds on the default branch (cache export, push by digest, attestations,
// metadata-action's labels). The HCL uses a small subset (blocks with a label,
// string / list / map attributes) that the tests parse back.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
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

// A registry cache entry of `t`, its ref written with ${REGISTRY}.
std::string registry_cache(const std::string& repository, const ir::BuildTarget& t,
                           const std::string& ref, const char* suffix) {
  return cache(repository, t, "type=registry,ref=", ref, suffix);
}

// A Bake target: its attributes in the order both files list them. It reads the
// registry cache of each platform and writes none: a plain `docker buildx bake`
// needs no write access to the registry (CI's overlay writes it).
Json target(const ir::Build& build, const ir::BuildTarget& t, bool same_platforms) {
  const std::string repo = repository(build, t);
  Json::object_t j;
  j.reserve(9);
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
  if (!t.cache_from.empty()) {
    std::vector<std::string> from;
    for (const std::string& ref : t.cache_from)
      from.push_back(registry_cache(repo, t, ref, ""));
    j.emplace_back("cache-from", array(std::move(from)));
  }
  if (!t.secrets.empty()) {  // read from the environment of `docker buildx bake`
    std::vector<std::string> secrets;
    for (const ir::BuildSecret& secret : t.secrets)
      secrets.push_back("id=" + secret.id + ",env=" + secret.env);
    j.emplace_back("secret", array(std::move(secrets)));
  }
  return j;
}

// Adds one entry per target to `targets`. ordered_json finds a key by walking its
// entries: the targets are indexed here, so that a spec of n images costs n steps,
// not n^2 (a later target of the same name replaces the earlier, as operator[]
// would). Its entries are pairs with a const key, which a growing vector copies
// rather than moves: the caller makes room for every target first.
template <typename Make>
void add_targets(const ir::Build& build, Json::object_t& targets, Make make) {
  std::unordered_map<std::string_view, std::size_t> index;
  for (auto it = targets.begin(); it != targets.end(); ++it)
    index.emplace(it->first, static_cast<std::size_t>(it - targets.begin()));
  for (const ir::BuildTarget& t : build.targets) {
    Json j = make(t);
    const auto [at, fresh] = index.emplace(t.name, targets.size());
    if (fresh) {
      targets.emplace_back(t.name, std::move(j));
    } else {
      (targets.begin() + static_cast<std::ptrdiff_t>(at->second))->second = std::move(j);
    }
  }
}

Json model(const ir::Build& build) {
  Json doc;
  doc["variable"]["REGISTRY"]["default"] = build.registry;
  doc["variable"]["TAG"]["default"] = build.tag;
  Json names = Json::array();
  for (const ir::BuildTarget& t : build.targets)
    names.push_back(t.name);
  doc["group"]["default"]["targets"] = std::move(names);
  // What each CI job builds: the targets of its platform.
  for (const ir::CiPlatform& p : build.ci.platforms)
    doc["group"][p.group]["targets"] = p.targets;

  // Settings every target shares live in one abstract target they inherit.
  bool same_platforms = !build.targets.empty();
  for (const ir::BuildTarget& t : build.targets)
    same_platforms = same_platforms && t.platforms == build.targets.front().platforms;
  Json common;
  common["context"] = build.context;
  if (same_platforms && !build.targets.front().platforms.empty())
    common["platforms"] = build.targets.front().platforms;

  Json::object_t& targets = (doc["target"] = Json::object()).get_ref<Json::object_t&>();
  targets.reserve(build.targets.size() + 1);
  targets.emplace_back("_common", std::move(common));
  add_targets(build, targets,
              [&](const ir::BuildTarget& t) { return target(build, t, same_platforms); });
  return doc;
}

// CI's overlay of a target, for the default branch: metadata-action's labels (the
// version and revision of this build) with the image's own title, the registry
// cache of this job's platform written (PLATFORM_PAIR), the image pushed by digest
// for the merge job to tag, and provenance and SBOM attestations. An image without
// a registry is pushed nowhere and keeps its layers in the GitHub Actions cache.
Json ci_target(const ir::Build& build, const ir::BuildTarget& t) {
  const std::string repo = repository(build, t);
  Json::object_t j;
  j.emplace_back("inherits", array({"docker-metadata-action"}));
  Json::object_t labels;
  labels["org.opencontainers.image.title"] = literal(t.image);
  j.emplace_back("labels", std::move(labels));
  if (t.cache_ref.empty()) {
    const std::string scope = "type=gha,scope=" + t.name + "-${PLATFORM_PAIR}";
    j.emplace_back("cache-from", array({scope}));
    j.emplace_back("cache-to", array({scope + ",mode=max"}));
    return j;
  }
  j.emplace_back("cache-to",
                 array({registry_cache(repo, t, t.cache_ref, "-${PLATFORM_PAIR},mode=max")}));
  j.emplace_back("output", array({"type=image,name=" + repo +
                                  ",push-by-digest=true,name-canonical=true,push=true"}));
  j.emplace_back("attest", array({"type=provenance,mode=max", "type=sbom"}));
  return j;
}

Json ci_model(const ir::Build& build) {
  Json doc;
  doc["variable"]["PLATFORM_PAIR"]["default"] =
      build.ci.platforms.empty() ? std::string() : build.ci.platforms.front().pair;
  Json::object_t& targets = (doc["target"] = Json::object()).get_ref<Json::object_t&>();
  targets.reserve(build.targets.size() + 1);
  // metadata-action's bake file fills it in; empty here, so the file reads alone.
  targets.emplace_back("docker-metadata-action", Json::object());
  add_targets(build, targets, [&](const ir::BuildTarget& t) { return ci_target(build, t); });
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

// A key of a map value as HCL writes it: an identifier as it is, anything else
// (a label name with dots) quoted, where HCL would read a.b as an attribute access.
std::string map_key(const std::string& key) {
  const bool identifier =
      !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0])) &&
      std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
      });
  if (identifier) return key;
  std::string quoted;
  hcl_string(quoted, key);
  return quoted;
}

std::size_t key_width(const Json::object_t& object, bool quote) {
  std::size_t width = 0;
  for (const auto& [key, value] : object)
    width = std::max(width, quote ? map_key(key).size() : key.size());
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
  const std::size_t width = key_width(object, true);
  out += "{\n";
  for (const auto& [key, item] : object) {
    out.append(indent + 2, ' ');
    padded(out, map_key(key), width);
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
      const std::size_t width = key_width(object, false);
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

// `doc` as HCL (after `header`) and as JSON, whose marker is a variable.
void render(const ir::Build& build, Json doc, const std::string& name, const std::string& header,
            std::vector<OutputFile>& out) {
  out.push_back({name + ".hcl", header + hcl(doc), false, {}});
  // JSON has no comments, and Bake rejects unknown keys: the marker is a variable
  // that nothing reads.
  Json json;
  json["variable"]["RIGC_GENERATED"]["default"] =
      fmt::format("{} from {}. Do not edit by hand: change the spec and run `rigc build`.",
                  kGeneratedMarker, build.spec_name);
  // update() into a missing key is a copy that looks every key up; a move is the
  // same object.
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
  out.push_back({name + ".json", std::move(text), false, {}});
}

class BakeEmitter final : public Emitter {
 public:
  const char* name() const override { return "bake"; }
  const char* describe() const override {
    return "docker-bake.hcl, docker-bake.json: every image as a Bake target that reads a "
           "registry cache; docker-bake.ci.hcl, docker-bake.ci.json: what CI adds to push";
  }
  void emit(const ir::Build& build, std::vector<OutputFile>& out) const override {
    const TemplateVars vars = {{"spec", build.spec_name}};
    render(build, model(build), "docker-bake", render_template("bake-header.hcl.txt", vars), out);
    render(build, ci_model(build), "docker-bake.ci",
           render_template("bake-ci-header.hcl.txt", vars), out);
  }
};

}  // namespace

const Emitter& bake_emitter() {
  static const BakeEmitter emitter;
  return emitter;
}

}  // namespace rigc
