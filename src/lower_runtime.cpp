// The runtime part every image starts with, in the layer order of §4 rule 2: the
// packs' OS packages, toolchains and tools copied from their stages, the packs'
// environment, the user with the directories it owns and the packs' setup steps;
// and what every final stage ends with: its metadata.
#include <fmt/format.h>

#include <algorithm>

#include "lower_image.hpp"
#include "rigc/templates.hpp"
#include "rigc/text.hpp"

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

}  // namespace

std::vector<std::string> runtime_packages(const ImageContext& c, std::vector<std::string>* with) {
  std::vector<std::string> packages;
  for (const ResolvedPack& rp : c.image.packs) {
    if (rp.pack->name.value == "base") continue;
    const std::size_t before = packages.size();
    for (std::string& p : pack_apt(c, *rp.pack))
      packages.push_back(std::move(p));
    if (rp.system != nullptr)
      packages.insert(packages.end(), rp.system->packages.begin(), rp.system->packages.end());
    if (packages.size() > before && with != nullptr) with->push_back(rp.pack->name.value);
  }
  if (c.runner && c.settings.sudo && c.settings.sudo->value) packages.push_back("sudo");
  if (c.init) packages.push_back("tini");
  return packages;
}

// 1. The packs' OS packages (the base pack's are in the base stage), one layer;
// none when the base stage installs them.
std::vector<ir::Instruction> pack_packages(const ImageContext& c) {
  std::vector<std::string> with_packages;
  std::vector<std::string> packages = runtime_packages(c, &with_packages);
  if (packages.empty() || c.packs_in_base) return {};
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

namespace {

// Whether `dir` lies in what a fetching pack downloads while this image installs
// the distribution's version instead (node@18): it does not exist there, so it
// goes on no PATH.
bool inside_download(const ResolvedPack& rp, const std::string& dir) {
  if (rp.fetched || !rp.pack->fetch) return false;
  const std::string& root = rp.pack->fetch->copied();
  return dir == root || dir.rfind(root + "/", 0) == 0;
}

}  // namespace

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

// Directories the user owns: the packs' `dirs`, cache mount points and their
// parents inside the home, so nothing is left root-owned; a runner's also its
// `dirs` and the workdir. An application's workdir holds its code, which stays
// root's: its `dirs` are made after the sources (source_dirs).
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
  if (c.runner) {
    // The workdir too: `run` steps run there as the user and write into it.
    if (c.uid != 0 && c.workdir != "/") add_with_parents(c.workdir);
    for (const auto& d : c.settings.dirs)
      add_with_parents(text::expand_home(d.value, c.home));
  }
  std::vector<std::string> unique;
  for (const std::string& d : dirs) {
    if (d != c.home && std::find(unique.begin(), unique.end(), d) == unique.end())
      unique.push_back(d);
  }
  return unique;
}

// Python's virtual environment is made by its pack's setup step and filled by its
// dependency install: made in the runtime, the final image's copy from the build
// stage would replace it (its files twice in the image, and one more step before
// the build starts), so it is made where it is filled.
bool setup_in_build(const ImageContext& c, const spec::PackDecl& pack) {
  if (c.runner || (c.build_phase && !c.settings.artifacts.empty())) return false;
  for (const DepsStep& step : c.deps) {
    if (step.pack->pack != &pack) continue;
    const std::string& into = step.installer->into;
    if (into.empty() || (into[0] != '/' && into[0] != '~')) continue;
    const std::string dir = text::expand_home(into, c.home);
    for (const auto& own : pack.dirs) {
      if (text::expand_home(own.value, c.home) == dir) return true;
    }
  }
  return false;
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
  // An application's workdir is root's: its code is read-only to the user.
  if (!c.runner && c.workdir != "/" && c.workdir != c.home)
    ir::append_command(run, "install -d -m 755 " + text::shell_quote(c.workdir));
  if (c.runner && c.settings.sudo && c.settings.sudo->value && c.uid != 0) {
    ir::append_command(
        run, fmt::format("printf '%s ALL=(ALL) NOPASSWD:ALL\\n' {} > /etc/sudoers.d/rigc-runner",
                         text::shell_quote(c.user)));
    ir::append_command(run, "chmod 0440 /etc/sudoers.d/rigc-runner");
  }
  if (const std::string group = scale_set_docker_group(c); !group.empty())
    ir::append_command(run, group);
  std::vector<Step> steps;
  for (const ResolvedPack& rp : c.image.packs) {
    if (setup_in_build(c, *rp.pack)) continue;
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

ir::Vars image_labels(const ImageContext& c, const spec::Settings& s) {
  ir::Vars labels = {
      {"org.opencontainers.image.title", c.name},
      {"org.opencontainers.image.version", c.settings.tag ? c.settings.tag->value : "latest"},
      {"org.opencontainers.image.base.name", c.final_base},
  };
  std::vector<std::string> packs;
  for (const ResolvedPack& rp : c.image.packs)
    packs.push_back(rp.version.empty() ? rp.pack->name.value
                                       : rp.pack->name.value + "@" + rp.version);
  labels.emplace_back("dev.rigc.packs", text::join(packs, " "));
  for (const spec::Pair& l : s.oci_labels) {
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

ir::Healthcheck healthcheck_op(const spec::Healthcheck& h) {
  return {h.command, h.exec, h.interval, h.timeout, h.start, h.retries};
}

// 9. Metadata: it changes nothing on disk.
std::vector<ir::Instruction> metadata(const ImageContext& c, const spec::Settings& s) {
  std::vector<ir::Instruction> out;
  out.push_back(instruction(ir::Label{image_labels(c, s)}, ir::Layer::metadata,
                            "metadata: cheap to change",
                            {"Metadata last: it changes nothing on disk."}));
  if (!s.expose.empty()) {
    std::vector<std::string> ports;
    for (const auto& port : s.expose)
      ports.push_back(port.value);
    out.push_back(instruction(ir::Expose{ports}, ir::Layer::metadata, "documentation of ports"));
  }
  if (s.healthcheck) {
    out.push_back(instruction(healthcheck_op(*s.healthcheck), ir::Layer::metadata,
                              "the container's health check"));
  }
  // An init as PID 1 forwards stop signals to the program and reaps its children.
  std::vector<std::string> entrypoint;
  if (c.init) entrypoint = {c.shell ? "/usr/bin/tini" : "/tini", "--"};
  if (s.entrypoint)
    entrypoint.insert(entrypoint.end(), s.entrypoint->args.begin(), s.entrypoint->args.end());
  if (!entrypoint.empty())
    out.push_back(instruction(ir::Entrypoint{entrypoint}, ir::Layer::metadata, "the entrypoint"));
  if (s.cmd)
    out.push_back(instruction(ir::Cmd{s.cmd->args}, ir::Layer::metadata, "the default command"));
  return out;
}

}  // namespace rigc::lowering
