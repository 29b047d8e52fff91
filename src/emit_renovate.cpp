// renovate.json: a custom regex manager per pinned pack, which finds `pin PACK
// VERSION sha256` in the spec and looks the pack's versions up in its Renovate
// datasource, and a post-upgrade task that runs `rigc pin` and `rigc build`, so a
// version and its checksums arrive in one pull request (Renovate alone cannot
// change a checksum with a version). Updates that leave a pack's line are off,
// as `rigc pin --check` keeps to the line.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "rigc/emit.hpp"

namespace rigc {
namespace {

using Json = nlohmann::ordered_json;

// A pack name in a regular expression: letters, digits and '-' need no escape.
Json manager(const ir::Renovate& config, const ir::RenovatePin& pin) {
  Json m;
  m["customType"] = "regex";
  m["description"] = fmt::format("the pin of {} in {}", pin.pack, config.spec_path);
  m["managerFilePatterns"] = Json::array({config.spec_path});
  m["matchStrings"] = Json::array({fmt::format(R"(pin {} (?<currentValue>\S+) sha256)", pin.pack)});
  m["depNameTemplate"] = pin.pack;
  m["packageNameTemplate"] = pin.package;
  m["datasourceTemplate"] = pin.datasource;
  // Release tags are often "v1.2.3"; the pins hold "1.2.3".
  m["extractVersionTemplate"] = "^v?(?<version>.+)$";
  return m;
}

// The update types that would leave a pack's line (its first `line` components).
Json off_line(int line) {
  Json types = Json::array({"major"});
  if (line >= 2) types.push_back("minor");
  if (line >= 3) types.push_back("patch");
  return types;
}

Json config(const ir::Build& build, const ir::Renovate& r) {
  Json doc;
  doc["$schema"] = "https://docs.renovatebot.com/renovate-schema.json";
  Json description = Json::array(
      {fmt::format("{} from {}. Do not edit by hand: change the spec and run `rigc build`.",
                   kGeneratedMarker, build.spec_name),
       "Renovate moves each pin's version; the post-upgrade task writes its checksums (rigc "
       "pin) and the outputs (rigc build). Post-upgrade commands run on a self-hosted Renovate "
       "whose allowedCommands allow them."});
  for (const std::string& pack : r.unmanaged) {
    description.push_back(fmt::format(
        "Pack {} names no Renovate datasource: `rigc pin --check` reports its updates.", pack));
  }
  doc["description"] = description;
  Json managers = Json::array(), rules = Json::array(), names = Json::array();
  for (const ir::RenovatePin& pin : r.pins) {
    managers.push_back(manager(r, pin));
    names.push_back(pin.pack);
    Json rule;
    rule["matchManagers"] = Json::array({"custom.regex"});
    rule["matchDepNames"] = Json::array({pin.pack});
    rule["matchUpdateTypes"] = off_line(pin.line);
    rule["enabled"] = false;
    rules.push_back(rule);
  }
  doc["customManagers"] = managers;
  if (!r.pins.empty()) {
    Json task;
    task["matchManagers"] = Json::array({"custom.regex"});
    task["matchDepNames"] = names;
    task["postUpgradeTasks"] = {
        {"commands", Json::array({"rigc pin {{{depName}}} {{{newValue}}} {{{packageFile}}}",
                                  "rigc build {{{packageFile}}}"})},
        {"fileFilters", Json::array({"**/*"})},
        {"executionMode", "update"}};
    rules.push_back(task);
  }
  doc["packageRules"] = rules;
  return doc;
}

class RenovateEmitter : public Emitter {
 public:
  const char* name() const override { return "renovate"; }
  const char* describe() const override {
    return "renovate.json: with `renovate true`, Renovate's managers for the spec's pins and "
           "`rigc pin` as their post-upgrade task";
  }
  void emit(const ir::Build& build, std::vector<OutputFile>& out) const override {
    if (!build.renovate) return;
    std::string text = config(build, *build.renovate).dump(2);
    text += '\n';
    out.push_back({"renovate.json", std::move(text), false, {}});
  }
};

}  // namespace

const Emitter& renovate_emitter() {
  static const RenovateEmitter emitter;
  return emitter;
}

}  // namespace rigc
