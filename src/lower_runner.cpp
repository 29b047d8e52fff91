// A runner image: its stages (runtime, a build stage when a deps installer needs
// build-only packages, final) and what makes it a runner — the labels, the
// settings its entrypoint reads, the job environment's allow-list, the home
// snapshot and the entrypoint, with the image ending as root.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "lower_image.hpp"
#include "rigc/text.hpp"
#include "rigc/value_syntax.hpp"

namespace rigc::lowering {

std::vector<ir::Instruction> runner_tail(const ImageContext& c) {
  std::vector<ir::Instruction> out;
  if (c.uid != 0) {
    out.push_back(instruction(
        ir::User{"root"}, ir::Layer::sources,
        "the entrypoint starts as root and runs the runner as the user",
        {"The entrypoint starts as root: it reads the credentials, resets the runner's state",
         fmt::format("and joins the Docker socket's group, then runs the runner, and every job, as "
                     "{}",
                     c.owner),
         "(setpriv). No job runs as root: DL3002 is suppressed on purpose.",
         "hadolint ignore=DL3002"}));
  }
  ir::Run snapshot;
  snapshot.kind = ir::StepKind::user_setup;
  snapshot.script =
      fmt::format("install -d -m 755 /etc/rigc && tar -C {} -cf /etc/rigc/runner-home.tar .",
                  text::shell_quote(c.home));
  out.push_back(instruction(std::move(snapshot), ir::Layer::sources,
                            "changes when anything before it changes",
                            {"The runner's home as built: every start puts it back, so no job "
                             "sees the files of the one before."}));
  out.push_back(
      instruction(ir::Copy{{entrypoint_in_context(c.options)},
                           "/usr/local/bin/runner-entrypoint.sh",
                           "",
                           "0:0",
                           "755",
                           false},
                  ir::Layer::sources, "changes when the runner entrypoint changes",
                  {"The generated entrypoint: registers, runs and deregisters the runner."}));
  return out;
}

std::string runner_home(const ImageContext& c) {
  for (const ResolvedPack& rp : c.image.packs) {
    if (rp.pack->name.value == "gh-runner" && rp.pack->fetch) return rp.pack->fetch->extract;
  }
  return "/opt/actions-runner";
}

std::vector<std::string> job_env(const ImageContext& c) {
  std::vector<std::string> names = {"PATH"};
  const auto add = [&](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const ResolvedPack& rp : c.image.packs) {
    for (const spec::Pair& e : rp.pack->env)
      add(e.key);
  }
  for (const spec::Pair& e : c.settings.env)
    add(e.key);
  add("ImageOS");
  // What Compose (dind) or the operator sets for the Docker client.
  if (c.settings.docker && c.settings.docker->value != "none") {
    for (const char* name : {"DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"})
      add(name);
  }
  for (const std::string& name : scale_set_job_env(c))
    add(name);
  return names;
}

namespace {

std::uint64_t drain_seconds(const ImageContext& c) {
  const auto seconds = c.settings.drain ? syntax::duration_seconds(c.settings.drain->value)
                                        : std::optional<std::uint64_t>();
  return seconds ? *seconds : 900;
}

// What the entrypoint reads (docs/runners.md): who runs the runner, where it is,
// how it registers, and which variables its jobs get; the job environment's
// ImageOS too.
std::vector<ir::Instruction> runner_settings(const ImageContext& c) {
  const spec::Settings& s = c.settings;
  ir::Vars vars = {{"RUNNER_USER", c.user},
                   {"RUNNER_HOME", runner_home(c)},
                   {"RUNNER_POOL", c.name},
                   {"RUNNER_LABELS", text::join(runner_labels(c), ",")},
                   {"RUNNER_EPHEMERAL", !s.ephemeral || s.ephemeral->value ? "true" : "false"}};
  if (s.group) vars.emplace_back("RUNNER_GROUP", s.group->value);
  vars.emplace_back("RUNNER_DRAIN_TIMEOUT", std::to_string(drain_seconds(c)));
  vars.emplace_back("RUNNER_JOB_ENV", text::join(job_env(c), " "));
  if (c.os != Os::unknown) vars.emplace_back("ImageOS", image_os(c.os));
  return env_instructions(vars, ir::Layer::metadata, "the runner's registration settings", "");
}

// The part of a version that tells it from the pack's other versions: "24" of
// node's 22.23.3, 24.21.0 and 26.10.0; "3.12" of python's 3.11 and 3.12.14.
std::string version_line(const spec::PackDecl& pack, const std::string& version) {
  const std::vector<std::string> versions = pack_versions(pack);
  for (std::size_t end = version.find('.');; end = version.find('.', end + 1)) {
    const std::string prefix = version.substr(0, end);
    const bool unique = std::none_of(versions.begin(), versions.end(), [&](const std::string& v) {
      return v != version && (v == prefix || v.rfind(prefix + ".", 0) == 0);
    });
    if (unique || end == std::string::npos) return prefix;
  }
}

std::string lowercase(std::string text) {
  for (char& ch : text)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return text;
}

}  // namespace

std::vector<std::string> runner_labels(const ImageContext& c) {
  std::vector<std::string> labels = {"rig-" + c.name};
  for (const ResolvedPack& rp : c.image.packs) {
    for (const auto& l : rp.pack->labels) {
      labels.push_back(l.value);
      if (!rp.version.empty()) labels.push_back(l.value + version_line(*rp.pack, rp.version));
    }
  }
  for (const auto& l : c.settings.labels)
    labels.push_back(l.value);
  // Keep first occurrences (GitHub compares labels without case).
  std::vector<std::string> out;
  std::vector<std::string> seen = {"self-hosted", "linux", "x64", "arm64"};
  for (const std::string& label : labels) {
    const std::string key = lowercase(label);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    out.push_back(label);
  }
  return out;
}

namespace {

const char* kOwnWhat = "The image's own OS packages: a small, late layer, so adding one is quick.";
const char* kOwnWhy = "changes when the image's apt list changes";

// A runner's sources: its `copy` statements, owned by the runner user.
std::vector<ir::Instruction> runner_copies(const ImageContext& c) {
  std::vector<ir::Instruction> out;
  for (const spec::Copy& copy : c.settings.copies) {
    out.push_back(instruction(
        ir::Copy{{copy.source}, copy.dest, "", c.owner, "", false}, ir::Layer::sources,
        "sources change most often, so they come last",
        out.empty() ? std::vector<std::string>{"Sources last: an edit rebuilds only what follows."}
                    : std::vector<std::string>{}));
  }
  return out;
}

std::vector<ir::Instruction> runner_metadata(const ImageContext& c) {
  std::vector<ir::Instruction> out = metadata(c, c.settings);
  // The registration settings right after the labels; the entrypoint before CMD.
  std::vector<ir::Instruction> settings = runner_settings(c);
  out.insert(out.begin() + 1, settings.begin(), settings.end());
  if (!c.settings.entrypoint) {
    const auto cmd = std::find_if(out.begin(), out.end(), [](const ir::Instruction& in) {
      return std::holds_alternative<ir::Cmd>(in.op);
    });
    out.insert(cmd, instruction(ir::Entrypoint{{"/usr/local/bin/runner-entrypoint.sh"}},
                                ir::Layer::metadata, "the runner entrypoint"));
  }
  return out;
}

// With a build stage: the final stage starts from runtime and copies what the
// dependency installs produced from the build stage.
ir::Stage final_after_build(const ImageContext& c, const std::vector<std::string>& own) {
  ir::Stage final = new_stage("final", "runtime", "the runner image");
  if (own.empty() || c.uid == 0)
    final.instructions.push_back(user_step(c, ir::Layer::user, "the image runs as its user"));
  append(final.instructions, own_packages(c, own, kOwnWhat, kOwnWhy));
  for (const DepsStep& step : c.deps) {
    const std::string into = absolute_in_workdir(c, step.installer->into);
    if (into.empty()) continue;
    final.instructions.push_back(
        instruction(ir::Copy{{into}, into, "build", c.owner, "", false}, ir::Layer::deps,
                    fmt::format("changes when {} changes", text::join(step.deps->files, " "))));
  }
  return final;
}

}  // namespace

std::vector<ir::Stage> runner_stages(const ImageContext& c) {
  const spec::Settings& s = c.settings;
  std::vector<ir::Stage> stages;
  stages.push_back(new_stage(c.build_stage ? "runtime" : "final", "base",
                             c.build_stage ? "everything the image runs with, before its "
                                             "dependencies"
                                           : "the runner image"));
  ir::Stage& first = stages.back();
  append(first.instructions, pack_packages(c));
  append(first.instructions, pack_copies(c));
  append(first.instructions, pack_environment(c));
  append(first.instructions, user_setup(c));
  // 5. The image's own OS packages: a small layer after everything the packs
  // install, so adding one reruns no toolchain (and, with a build stage, no build
  // step either: it goes into the final stage).
  std::vector<std::string> own;
  for (const auto& p : s.apt)
    own.push_back(p.value);
  if (c.build_stage) {
    stages.push_back(build_stage(c));
    stages.push_back(final_after_build(c, own));
  } else {
    append(first.instructions, own_packages(c, own, kOwnWhat, kOwnWhy));
    append(first.instructions, deps_steps(c));
  }
  ir::Stage& final = stages.back();
  // 6-7. The image's build args and environment, then its run steps.
  append(final.instructions, config(s, ir::Layer::config));
  append(final.instructions, custom_runs(c, s));
  if (stages.size() == 1) {
    remake_cache_dirs(c, {&final}, final);
  } else {
    remake_cache_dirs(c, {&stages.front(), &final}, final);
  }
  append(final.instructions, runner_copies(c));
  append(final.instructions, runner_tail(c));
  append(final.instructions, runner_metadata(c));
  return stages;
}

}  // namespace rigc::lowering
