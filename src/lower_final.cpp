// The final stage (and, with a build stage, the runtime stage it starts from), in
// the layer order of §4 rule 2: the packs' OS packages, toolchains and tools from
// their stages, the packs' environment, the user with its directories and the
// packs' setup steps, the image's own OS packages, dependencies, the image's
// environment and build args, its run steps, its sources, and metadata last.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "lower_image.hpp"
#include "rigc/templates.hpp"
#include "rigc/text.hpp"
#include "rigc/value_syntax.hpp"

namespace rigc::lowering {
namespace {

const char* kind_name(spec::PackKind kind) {
  switch (kind) {
    case spec::PackKind::system:
      return "system";
    case spec::PackKind::toolchain:
      return "toolchain";
    case spec::PackKind::tool:
      return "tool";
  }
  return "tool";
}

void append(std::vector<ir::Instruction>& to, std::vector<ir::Instruction> more) {
  for (ir::Instruction& in : more)
    to.push_back(std::move(in));
}

// 1. The packs' OS packages (the base pack's are in the base stage), one layer.
std::vector<ir::Instruction> pack_packages(const ImageContext& c) {
  std::vector<std::string> packages, with_packages;
  for (const ResolvedPack& rp : c.image.packs) {
    if (rp.pack->name.value == "base") continue;
    const std::size_t before = packages.size();
    for (std::string& p : pack_apt(c, *rp.pack))
      packages.push_back(std::move(p));
    if (rp.system != nullptr)
      packages.insert(packages.end(), rp.system->packages.begin(), rp.system->packages.end());
    if (packages.size() > before) with_packages.push_back(rp.pack->name.value);
  }
  if (c.runner && c.settings.sudo && c.settings.sudo->value) packages.push_back("sudo");
  if (packages.empty()) return {};
  return {apt_layer(
      c, packages, ir::Layer::os_packages,
      fmt::format("OS packages of the packs ({}), one layer.", text::join(with_packages, ", ")),
      "changes when a pack is added or removed", false)};
}

// 2-3. Toolchains, then tools, copied from their pack stages. A runner's user owns
// them, as on hosted runners: jobs may add to a toolchain (`corepack enable` links
// package managers beside node).
std::vector<ir::Instruction> pack_copies(const ImageContext& c) {
  std::vector<ir::Instruction> out;
  for (const spec::PackKind kind :
       {spec::PackKind::system, spec::PackKind::toolchain, spec::PackKind::tool}) {
    for (const ResolvedPack& rp : c.image.packs) {
      if (!rp.fetched || rp.pack->kind != kind) continue;
      const spec::Fetch& fetch = *rp.pack->fetch;
      ir::Copy copy{{fetch.copied()},
                    fetch.copied(),
                    "pack-" + rp.pack->name.value,
                    fetch.owned || c.runner ? c.owner : "",
                    "",
                    c.modern};
      out.push_back(instruction(
          std::move(copy), kind == spec::PackKind::tool ? ir::Layer::tools : ir::Layer::toolchains,
          fmt::format("changes when {} {} changes ({})", rp.pack->name.value, rp.version,
                      kind_name(kind))));
    }
  }
  return out;
}

// Whether `dir` lies in what a fetching pack downloads while this image installs
// the distribution's version instead (node@18): it does not exist there, so it
// goes on no PATH.
bool inside_download(const ResolvedPack& rp, const std::string& dir) {
  if (rp.fetched || !rp.pack->fetch) return false;
  const std::string& root = rp.pack->fetch->copied();
  return dir == root || dir.rfind(root + "/", 0) == 0;
}

std::vector<ir::Instruction> pack_environment(const ImageContext& c) {
  ir::Vars vars;
  std::vector<std::string> path;
  const auto add_path = [&](const ResolvedPack& rp,
                            const std::vector<spec::At<std::string>>& dirs) {
    for (const auto& p : dirs) {
      if (inside_download(rp, p.value)) continue;
      const std::string dir = text::expand_home(p.value, c.home);
      if (std::find(path.begin(), path.end(), dir) == path.end()) path.push_back(dir);
    }
  };
  const auto add_env = [&](const std::vector<spec::Pair>& env) {
    for (const spec::Pair& e : env)
      vars.emplace_back(e.key, text::expand_home(e.value, c.home));
  };
  for (const ResolvedPack& rp : c.image.packs) {
    // An application's environment (a virtual environment it runs in) is never a
    // runner's: its jobs bring their own.
    if (!c.runner) add_path(rp, rp.pack->app_paths);
    add_path(rp, rp.pack->paths);
    add_env(rp.pack->env);
    if (!c.runner) add_env(rp.pack->app_env);
  }
  if (!path.empty()) vars.emplace_back("PATH", text::join(path, ":") + ":$PATH");
  return env_instructions(vars, ir::Layer::tools, "changes when a pack's environment changes",
                          "The packs' environment.");
}

// Directories the user owns: the image's `dirs`, the packs' `dirs`, cache mount
// points and their parents inside the home, so nothing is left root-owned.
std::vector<std::string> owned_dirs(const ImageContext& c) {
  std::vector<std::string> dirs;
  const auto add_with_parents = [&](const std::string& path) {
    if (path.rfind(c.home + "/", 0) == 0) {
      for (std::size_t at = path.find('/', c.home.size() + 1); at != std::string::npos;
           at = path.find('/', at + 1)) {
        dirs.push_back(path.substr(0, at));
      }
    }
    dirs.push_back(path);
  };
  for (const ResolvedPack& rp : c.image.packs) {
    for (const auto& d : rp.pack->dirs)
      add_with_parents(text::expand_home(d.value, c.home));
    for (const spec::Cache& cache : rp.pack->caches) {
      if (cache.name != "apt") add_with_parents(cache_path(c, cache.name, cache.path));
    }
  }
  for (const ir::Cache& cache : c.caches)
    add_with_parents(cache.path);
  // The workdir too: dependency installers and `run` steps run there as the
  // user and write into it (bundler's .bundle/config, npm's node_modules).
  if (c.uid != 0 && c.workdir != "/") add_with_parents(c.workdir);
  for (const auto& d : c.settings.dirs)
    add_with_parents(text::expand_home(d.value, c.home));
  std::vector<std::string> unique;
  for (const std::string& d : dirs) {
    if (d != c.home && std::find(unique.begin(), unique.end(), d) == unique.end())
      unique.push_back(d);
  }
  return unique;
}

// 4. The user, its directories and the packs' setup steps. The packs' first steps
// that run as root join the RUN that creates the user while the stage still is
// root: no USER switch to and fro, no second RUN in a row (DL3059).
std::vector<ir::Instruction> user_setup(const ImageContext& c) {
  ir::Run run;
  run.kind = ir::StepKind::user_setup;
  if (c.uid != 0) {
    ir::append_command(run, render_template("useradd.sh", {{"uid", std::to_string(c.uid)},
                                                           {"gid", std::to_string(c.gid)},
                                                           {"user", c.user},
                                                           {"home", c.home}}));
  }
  const std::vector<std::string> dirs = owned_dirs(c);
  if (!dirs.empty()) {
    // install -d creates each directory and owns exactly that one: no recursion.
    std::string line = fmt::format("install -d -o {} -g {}", c.uid, c.gid);
    for (const std::string& d : dirs)
      line += " " + text::shell_quote(d);
    ir::append_command(run, line);
  }
  if (c.runner && c.settings.sudo && c.settings.sudo->value && c.uid != 0) {
    ir::append_command(
        run, fmt::format("printf '%s ALL=(ALL) NOPASSWD:ALL\\n' {} > /etc/sudoers.d/rigc-runner",
                         text::shell_quote(c.user)));
    ir::append_command(run, "chmod 0440 /etc/sudoers.d/rigc-runner");
  }
  std::vector<Step> steps;
  for (const ResolvedPack& rp : c.image.packs) {
    for (const spec::Run& r : rp.pack->runs)
      steps.push_back({&r, rp.pack});
  }
  const auto first_as_user = std::find_if(steps.begin(), steps.end(), [&](const Step& step) {
    return !step.run->as_root || c.uid == 0;
  });
  for (auto step = steps.begin(); step != first_as_user; ++step) {
    add_mounts(c, run.mounts, *step);
    ir::append_command(run, step->run->command);
  }
  std::vector<ir::Instruction> out;
  if (!run.script.empty()) {
    out.push_back(instruction(
        std::move(run), ir::Layer::user,
        "changes when the user, its directories or the packs' root steps change",
        {fmt::format("The user {} ({}) and the directories it owns, each chowned on its own, "
                     "never recursively{}.",
                     c.user, c.owner,
                     steps.begin() == first_as_user ? "" : "; then the packs' steps as root")}));
  }
  out.push_back(instruction(ir::Workdir{c.workdir}, ir::Layer::user, "the working directory"));
  out.push_back(user_step(c, ir::Layer::user, "later steps run as the user"));
  append(out, run_steps(c, {first_as_user, steps.end()}, ir::StepKind::pack_setup, ir::Layer::user,
                        "setup steps of the packs: change when a pack changes"));
  return out;
}

// Buildah 1.28 removes a cache mount's target directory from the image after the
// RUN that mounts it (containers/buildah#4927). The user's cache directories are
// made again after the last such RUN of the image, so that a volume mounted there
// at run time starts out as the user's. BuildKit keeps them: a no-op there.
void remake_cache_dirs(const ImageContext& c, const std::vector<const ir::Stage*>& image_stages,
                       ir::Stage& final) {
  if (c.uid == 0) return;
  std::vector<std::string> dirs;
  for (const ir::Stage* stage : image_stages) {
    for (const ir::Instruction& in : stage->instructions) {
      const ir::Run* run = std::get_if<ir::Run>(&in.op);
      if (run == nullptr) continue;
      for (const ir::Mount& m : run->mounts) {
        // Under the home the parents are the user's, so the user can make them.
        if (m.type == ir::Mount::Type::cache && m.target.rfind(c.home + "/", 0) == 0 &&
            std::find(dirs.begin(), dirs.end(), m.target) == dirs.end())
          dirs.push_back(m.target);
      }
    }
  }
  if (dirs.empty()) return;
  std::string line = "mkdir -p";
  for (const std::string& d : dirs)
    line += " " + text::shell_quote(d);
  ir::Run* last = std::get_if<ir::Run>(&final.instructions.back().op);
  if (last != nullptr && last->mounts.empty()) {
    ir::append_command(*last, line);  // no second RUN (DL3059)
    return;
  }
  ir::Run run;
  run.kind = ir::StepKind::cache_dirs;
  run.script = line;
  final.instructions.push_back(instruction(
      std::move(run), ir::Layer::run, "the cache directories again, for Buildah",
      {"Buildah drops a cache mount's directory from the image (containers/buildah#4927):",
       "the user's cache directories again, so volumes mounted there stay the user's."}));
}

}  // namespace

// 8. Sources last.
std::vector<ir::Instruction> source_copies(const ImageContext& c, const spec::Settings& s) {
  std::vector<ir::Instruction> out;
  for (const spec::Copy& copy : s.copies) {
    out.push_back(instruction(
        ir::Copy{{copy.source}, copy.dest, "", c.owner, "", false}, ir::Layer::sources,
        "sources change most often, so they come last",
        out.empty() ? std::vector<std::string>{"Sources last: an edit rebuilds only what follows."}
                    : std::vector<std::string>{}));
  }
  return out;
}

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
  return names;
}

namespace {

ir::Vars image_labels(const ImageContext& c) {
  ir::Vars labels = {
      {"org.opencontainers.image.title", c.name},
      {"org.opencontainers.image.version", c.settings.tag ? c.settings.tag->value : "latest"},
      {"org.opencontainers.image.base.name", c.base},
  };
  std::vector<std::string> packs;
  for (const ResolvedPack& rp : c.image.packs)
    packs.push_back(rp.version.empty() ? rp.pack->name.value
                                       : rp.pack->name.value + "@" + rp.version);
  labels.emplace_back("dev.rigc.packs", text::join(packs, " "));
  for (const spec::Pair& l : c.settings.oci_labels) {
    auto it =
        std::find_if(labels.begin(), labels.end(), [&](const auto& x) { return x.first == l.key; });
    if (it != labels.end()) {
      it->second = l.value;
    } else {
      labels.emplace_back(l.key, l.value);
    }
  }
  return labels;
}

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

// 9. Metadata: it changes nothing on disk.
std::vector<ir::Instruction> metadata(const ImageContext& c) {
  const spec::Settings& s = c.settings;
  std::vector<ir::Instruction> out;
  out.push_back(instruction(ir::Label{image_labels(c)}, ir::Layer::metadata,
                            "metadata: cheap to change",
                            {"Metadata last: it changes nothing on disk."}));
  if (c.runner) append(out, runner_settings(c));
  if (!s.expose.empty()) {
    std::vector<std::string> ports;
    for (const auto& port : s.expose)
      ports.push_back(port.value);
    out.push_back(instruction(ir::Expose{ports}, ir::Layer::metadata, "documentation of ports"));
  }
  if (s.healthcheck) {
    const spec::Healthcheck& h = *s.healthcheck;
    out.push_back(instruction(ir::Healthcheck{h.command, h.interval, h.timeout, h.start, h.retries},
                              ir::Layer::metadata, "the container's health check"));
  }
  if (c.runner && !s.entrypoint) {
    out.push_back(instruction(ir::Entrypoint{{"/usr/local/bin/runner-entrypoint.sh"}},
                              ir::Layer::metadata, "the runner entrypoint"));
  }
  if (s.entrypoint)
    out.push_back(
        instruction(ir::Entrypoint{s.entrypoint->args}, ir::Layer::metadata, "the entrypoint"));
  if (s.cmd)
    out.push_back(instruction(ir::Cmd{s.cmd->args}, ir::Layer::metadata, "the default command"));
  return out;
}

std::string final_purpose(const ImageContext& c) {
  return fmt::format("the {} image", c.runner ? "runner" : "application");
}

const char* kOwnWhat = "The image's own OS packages: a small, late layer, so adding one is quick.";
const char* kOwnWhy = "changes when the image's apt list changes";

// With a build stage: the final stage starts from runtime and copies what the
// dependency installs produced from the build stage.
ir::Stage final_after_build(const ImageContext& c, const std::vector<std::string>& own) {
  ir::Stage final = new_stage("final", "runtime", final_purpose(c));
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

std::vector<ir::Stage> final_stages(const ImageContext& c) {
  const spec::Settings& s = c.settings;
  std::vector<ir::Stage> stages;
  stages.push_back(new_stage(c.build_stage ? "runtime" : "final", "base",
                             c.build_stage ? "everything the image runs with, before its "
                                             "dependencies"
                                           : final_purpose(c)));
  ir::Stage& first = stages.back();
  append(first.instructions, pack_packages(c));
  append(first.instructions, pack_copies(c));
  append(first.instructions, pack_environment(c));
  append(first.instructions, user_setup(c));
  // 5. The image's own OS packages ("extra OS packages for the final image"): a
  // small layer after everything the packs install, so adding one reruns no
  // toolchain; with a build stage, in the final stage only, so it reruns no build
  // step either. What a dependency build needs comes from its pack.
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
  std::vector<Step> runs;
  for (const spec::Run& r : s.runs)
    runs.push_back({&r, nullptr});
  append(final.instructions, run_steps(c, runs, ir::StepKind::custom, ir::Layer::run,
                                       "a custom step: changes when its command changes"));
  if (stages.size() == 1) {
    remake_cache_dirs(c, {&final}, final);
  } else {
    remake_cache_dirs(c, {&stages.front(), &final}, final);
  }
  append(final.instructions, source_copies(c, s));
  if (c.runner) append(final.instructions, runner_tail(c));
  append(final.instructions, metadata(c));
  return stages;
}

}  // namespace rigc::lowering
