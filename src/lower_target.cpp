// Extra targets (`target NAME { … }`), then `release`, the lean image again, last,
// because a plain `docker build` builds the last stage.
//
// An application's target starts from the stage before its sources (`app`, or
// `deps` before a build phase), adds its own packages, directories, environment
// and steps, then the sources: a source edit reruns none of the target's own
// steps. Its metadata is the image's with the target's laid over it. A runner's
// target starts from its final stage.
#include <fmt/format.h>

#include <algorithm>

#include "lower_image.hpp"
#include "rigc/settings.hpp"
#include "rigc/text.hpp"

namespace rigc::lowering {
namespace {

bool taken(const std::string& name) {
  for (const char* stage :
       {"base", "fetch", "final", "build", "runtime", "release", "app", "deps"}) {
    if (name == stage) return true;
  }
  return name.rfind("pack-", 0) == 0;
}

std::vector<ir::Instruction> target_dirs(const ImageContext& c, const spec::Settings& t) {
  if (t.dirs.empty()) return {};
  std::string line = fmt::format("install -d -o {} -g {}", c.uid, c.gid);
  for (const auto& d : t.dirs)
    line += " " + text::shell_quote(text::expand_home(d.value, c.home));
  ir::Run run;
  run.kind = ir::StepKind::user_setup;
  run.script = line;
  std::vector<ir::Instruction> out;
  out.push_back(instruction(ir::User{"root"}, ir::Layer::user, "directories are created by root"));
  out.push_back(instruction(std::move(run), ir::Layer::user, "the target's owned directories"));
  out.push_back(instruction(user_op(c), ir::Layer::user, "back to the image user"));
  return out;
}

// A runner's target: only its own metadata; the final stage's is inherited.
std::vector<ir::Instruction> target_metadata(const spec::Settings& t) {
  std::vector<ir::Instruction> out;
  if (!t.oci_labels.empty()) {
    ir::Vars labels;
    for (const spec::Pair& l : t.oci_labels)
      labels.emplace_back(l.key, l.value);
    out.push_back(instruction(ir::Label{labels}, ir::Layer::metadata, "the target's labels"));
  }
  if (!t.expose.empty()) {
    std::vector<std::string> ports;
    for (const auto& p : t.expose)
      ports.push_back(p.value);
    out.push_back(instruction(ir::Expose{ports}, ir::Layer::metadata, "the target's ports"));
  }
  if (t.healthcheck) {
    out.push_back(instruction(healthcheck_op(*t.healthcheck), ir::Layer::metadata,
                              "the container's health check"));
  }
  if (t.entrypoint)
    out.push_back(instruction(ir::Entrypoint{t.entrypoint->args}, ir::Layer::metadata,
                              "the target's entrypoint"));
  if (t.cmd)
    out.push_back(instruction(ir::Cmd{t.cmd->args}, ir::Layer::metadata, "the target's command"));
  return out;
}

// A target's own packages, directories, working directory, environment and steps.
void additions(const ImageContext& c, const spec::Target& target, ir::Stage& st) {
  const spec::Settings& t = target.settings;
  std::vector<std::string> own;
  for (const auto& p : t.apt)
    own.push_back(p.value);
  append(st.instructions,
         own_packages(c, own, fmt::format("OS packages of target {}.", target.name.value),
                      "changes when the target's apt list changes"));
  append(st.instructions, target_dirs(c, t));
  if (t.workdir)
    st.instructions.push_back(instruction(ir::Workdir{t.workdir->value}, ir::Layer::user,
                                          "the target's working directory"));
  append(st.instructions, config(t, ir::Layer::config));
  append(st.instructions, custom_runs(c, t));
}

ir::Stage runner_target(const ImageContext& c, const spec::Target& target) {
  const std::string& name = target.name.value;
  ir::Stage st = new_stage(name, "final",
                           fmt::format("target '{}': the final image plus its additions", name));
  additions(c, target, st);
  for (const spec::Copy& copy : target.settings.copies) {
    st.instructions.push_back(
        instruction(ir::Copy{{copy.source}, copy.dest, "", c.owner, "", false}, ir::Layer::sources,
                    "the target's sources"));
  }
  // A runner's target ends as root, as its final stage does: the entrypoint drops.
  const bool switched = std::any_of(
      st.instructions.begin(), st.instructions.end(),
      [](const ir::Instruction& in) { return std::holds_alternative<ir::User>(in.op); });
  if (c.uid != 0 && switched) {
    st.instructions.push_back(instruction(ir::User{"root"}, ir::Layer::sources,
                                          "the entrypoint starts as root",
                                          {"As in the final stage (DL3002 is suppressed on "
                                           "purpose).",
                                           "hadolint ignore=DL3002"}));
  }
  append(st.instructions, target_metadata(target.settings));
  return st;
}

ir::Stage app_target(const ImageContext& c, const spec::Target& target) {
  const std::string& name = target.name.value;
  ir::Stage st = new_stage(name, target_base_stage(c),
                           fmt::format("target '{}': the image before its sources, its "
                                       "additions, then the sources",
                                       name));
  // Before a build phase the image's own environment is not set yet.
  if (c.build_phase) append(st.instructions, config(c.settings, ir::Layer::config));
  additions(c, target, st);
  // The image's sources and the target's, then the directories the user writes.
  spec::Settings merged = c.settings;
  merge_settings(merged, target.settings);
  for (const spec::Copy& copy : merged.copies) {
    st.instructions.push_back(instruction(
        ir::Copy{{copy.source}, copy.dest, "", copy.writable ? c.owner : "0:0", "", false},
        ir::Layer::sources, "sources change most often, so they come last"));
  }
  append(st.instructions, source_dirs(c, c.settings));
  append(st.instructions, metadata(c, merged));
  return st;
}

}  // namespace

Targets target_stages(const ImageContext& c, Diagnostics& diagnostics) {
  Targets out;
  for (const spec::Target& target : c.settings.targets) {
    if (taken(target.name.value)) {
      diagnostics.error(target.name.location, fmt::format("target name '{}' is taken by a "
                                                          "generated stage",
                                                          target.name.value));
      continue;
    }
    out.stages.push_back(c.runner ? runner_target(c, target) : app_target(c, target));
    out.names.push_back(target.name.value);
  }
  if (!out.names.empty()) {
    out.stages.push_back({"release",
                          "final",
                          "the default target: the lean final image (a plain `docker build` "
                          "builds the last stage)",
                          {}});
  }
  return out;
}

}  // namespace rigc::lowering
