// Extra targets (`target NAME { … }`): each a stage on top of the final image with
// its own additions; then `release`, the lean image again, last, because a plain
// `docker build` builds the last stage.
#include <fmt/format.h>

#include <algorithm>

#include "lower_image.hpp"
#include "rigc/text.hpp"

namespace rigc::lowering {
namespace {

bool taken(const std::string& name) {
  for (const char* stage : {"base", "fetch", "final", "build", "runtime", "release"}) {
    if (name == stage) return true;
  }
  return name.rfind("pack-", 0) == 0;
}

void append(std::vector<ir::Instruction>& to, std::vector<ir::Instruction> more) {
  for (ir::Instruction& in : more)
    to.push_back(std::move(in));
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

// Only the target's own metadata; the final stage's is inherited.
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
    const spec::Healthcheck& h = *t.healthcheck;
    out.push_back(instruction(ir::Healthcheck{h.command, h.interval, h.timeout, h.start, h.retries},
                              ir::Layer::metadata, "the container's health check"));
  }
  if (t.entrypoint)
    out.push_back(instruction(ir::Entrypoint{t.entrypoint->args}, ir::Layer::metadata,
                              "the target's entrypoint"));
  if (t.cmd)
    out.push_back(instruction(ir::Cmd{t.cmd->args}, ir::Layer::metadata, "the target's command"));
  return out;
}

ir::Stage target_stage(const ImageContext& c, const spec::Target& target) {
  const std::string& name = target.name.value;
  const spec::Settings& t = target.settings;
  ir::Stage st = new_stage(name, "final",
                           fmt::format("target '{}': the final image plus its additions", name));
  std::vector<std::string> own;
  for (const auto& p : t.apt)
    own.push_back(p.value);
  append(st.instructions, own_packages(c, own, fmt::format("OS packages of target {}.", name),
                                       "changes when the target's apt list changes"));
  append(st.instructions, target_dirs(c, t));
  if (t.workdir)
    st.instructions.push_back(instruction(ir::Workdir{t.workdir->value}, ir::Layer::user,
                                          "the target's working directory"));
  append(st.instructions, config(t, ir::Layer::config));
  std::vector<Step> runs;
  for (const spec::Run& r : t.runs)
    runs.push_back({&r, nullptr});
  append(st.instructions, run_steps(c, runs, ir::StepKind::custom, ir::Layer::run,
                                    "a custom step: changes when its command changes"));
  append(st.instructions, source_copies(c, t));
  // A runner's target ends as root, as its final stage does: the entrypoint drops.
  const bool switched = std::any_of(
      st.instructions.begin(), st.instructions.end(),
      [](const ir::Instruction& in) { return std::holds_alternative<ir::User>(in.op); });
  if (c.runner && c.uid != 0 && switched) {
    st.instructions.push_back(instruction(ir::User{"root"}, ir::Layer::sources,
                                          "the entrypoint starts as root",
                                          {"As in the final stage (DL3002 is suppressed on "
                                           "purpose).",
                                           "hadolint ignore=DL3002"}));
  }
  append(st.instructions, target_metadata(t));
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
    out.stages.push_back(target_stage(c, target));
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
