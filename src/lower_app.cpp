// An application image's stages after the pack stages:
//
//   runtime  the packs' OS packages, toolchains, environment, the user      FROM base
//   build    build-only packages, the dependency installs, then (with a
//            build phase) the sources and the `build` steps                  FROM runtime
//   final    the image's own packages, the dependencies' output, its
//            environment and run steps, the sources (or the build phase's
//            artifacts), the directories it writes, metadata      FROM runtime or `runtime`
//
// The code is root's and read-only to the user (docker init and Rails' own
// template do the same): sources and dependencies arrive owned by root; only the
// image's `dirs` (and a `copy … writable`) belong to the user, made after the
// sources so that a directory of the same name in the context cannot take them back.
//
// With targets, the stages part before the sources (`app`, or `deps` before the
// build phase's `build`), and each target starts there: a source edit reruns none
// of a target's own steps.
#include <fmt/format.h>

#include <algorithm>

#include "lower_image.hpp"
#include "rigc/text.hpp"

namespace rigc::lowering {
namespace {

const char* kOwnWhat = "The image's own OS packages: a small, late layer, so adding one is quick.";
const char* kOwnWhy = "changes when the image's apt list changes";

bool needs_build(const ImageContext& c) {
  return !c.deps.empty() || c.build_phase;
}

// When the final image has a runtime base of its own, the runtime stage is only
// where the build runs: it starts from the first pack stage when that stage is the
// base stage plus the pack's directory and there are no OS packages of its own to
// put first: the same files, without copying a toolchain of hundreds of megabytes.
// (Never for an image built on the runtime stage: its history would show the
// download step with the mirror build ARG.)
ir::Stage runtime_stage(const ImageContext& c) {
  std::vector<ir::Instruction> packages = pack_packages(c);
  std::vector<ir::Instruction> copies = pack_copies(c);
  std::string from = "base";
  if (!c.runtime_base.empty() && packages.empty() && !copies.empty()) {
    const auto& first = std::get<ir::Copy>(copies.front().op);
    if (first.chown.empty() && !first.link &&
        first.sources == std::vector<std::string>{first.dest} &&
        pack_stage_adds_only(c, first.from)) {
      from = first.from;
      copies.erase(copies.begin());
    }
  }
  ir::Stage runtime =
      new_stage("runtime", from, "everything the application runs with, before its code");
  append(runtime.instructions, std::move(packages));
  append(runtime.instructions, std::move(copies));
  append(runtime.instructions, pack_environment(c));
  append(runtime.instructions, user_setup(c));
  return runtime;
}

// The mounts of a `build` step: every pack's caches (go-build, npm, cargo, …), the
// image's caches and its secrets.
std::vector<ir::Mount> build_mounts(const ImageContext& c) {
  std::vector<ir::Mount> mounts;
  for (const ResolvedPack& rp : c.image.packs) {
    for (const spec::Cache& cache : rp.pack->caches) {
      const spec::Run none{"", false, {}};
      if (cache.name != "apt") add_mounts(c, mounts, {&none, rp.pack});
    }
  }
  const spec::Run none{"", false, {}};
  add_mounts(c, mounts, {&none, nullptr});
  return mounts;
}

bool under(const std::string& path, const std::string& dir) {
  return dir == "/" || path == dir || path.rfind(dir + "/", 0) == 0;
}

// The directories the user must own in the build stage: the workdir, and the
// directory of each artifact that is not under it or a system path (`go build -o
// /out/server` needs /out).
std::vector<std::string> build_dirs(const ImageContext& c) {
  std::vector<std::string> dirs;
  if (c.workdir != "/") dirs.push_back(c.workdir);
  for (const spec::Artifact& a : c.settings.artifacts) {
    const std::string dir = a.source.substr(0, a.source.rfind('/'));
    if (dir.empty() || under(a.source, c.workdir) || under(a.source, c.home)) continue;
    const bool system =
        dir.rfind("/etc", 0) == 0 || dir.rfind("/usr", 0) == 0 || dir.rfind("/opt", 0) == 0;
    if (!system && std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
  }
  return dirs;
}

// The build stage's first part: build-only packages and the dependency installs,
// in a workdir the user owns (installers write there: node_modules, .bundle).
ir::Stage deps_stage(const ImageContext& c, const std::string& name) {
  ir::Stage deps = new_stage(name, "runtime",
                             c.build_phase ? "the toolchain and the dependencies, before the code"
                                           : "dependencies built with build-only packages");
  if (c.uid != 0)
    deps.instructions.push_back(
        instruction(ir::User{"root"}, ir::Layer::deps, "build-only packages need root"));
  std::vector<std::string> packages;
  for (const DepsStep& step : c.deps) {
    for (const auto& p : step.pack->pack->build_apt)
      packages.push_back(p.value);
  }
  std::string owned;
  const std::vector<std::string> dirs = build_dirs(c);
  if (c.uid != 0 && !dirs.empty()) {
    owned = fmt::format("install -d -o {} -g {}", c.uid, c.gid);
    for (const std::string& d : dirs)
      owned += " " + text::shell_quote(d);
  }
  if (!packages.empty()) {
    // The directories join the apt run: one container start fewer, both as root.
    ir::Instruction apt = apt_layer(
        c, packages, ir::Layer::deps,
        owned.empty() ? "Build-only OS packages: they never reach the final image."
                      : "Build-only OS packages: they never reach the final image. Then the "
                        "user gets the workdir and where the artifacts go.",
        "changes when a pack's build-apt changes", false);
    if (!owned.empty()) ir::append_command(std::get<ir::Run>(apt.op), owned);
    deps.instructions.push_back(std::move(apt));
  } else if (!owned.empty()) {
    ir::Run run;
    run.kind = ir::StepKind::user_setup;
    run.script = owned;
    deps.instructions.push_back(
        instruction(std::move(run), ir::Layer::deps, "the build writes into the workdir",
                    {"In the build stage the user owns the workdir and where the artifacts go."}));
  }
  if (c.uid != 0)
    deps.instructions.push_back(
        user_step(c, ir::Layer::deps, "dependencies install as the image user"));
  std::vector<Step> setup;
  for (const ResolvedPack& rp : c.image.packs) {
    if (!setup_in_build(c, *rp.pack)) continue;
    for (const spec::Run& r : rp.pack->runs)
      setup.push_back({&r, rp.pack});
  }
  append(deps.instructions,
         run_steps(c, setup, ir::StepKind::pack_setup, ir::Layer::deps,
                   "setup steps of the packs whose dependencies install here: change when a pack "
                   "changes"));
  append(deps.instructions, deps_steps(c));
  return deps;
}

// The build phase: the sources, owned by the user who builds them, then the
// `build` steps with every cache mounted.
void build_phase(const ImageContext& c, ir::Stage& build) {
  bool first = true;
  for (const spec::Copy& copy : c.settings.copies) {
    build.instructions.push_back(
        instruction(ir::Copy{{copy.source}, copy.dest, "", c.owner, "", false}, ir::Layer::sources,
                    "sources change most often, so they come last",
                    first ? std::vector<std::string>{"The sources, then the build."}
                          : std::vector<std::string>{}));
    first = false;
  }
  const std::vector<ir::Mount> mounts = build_mounts(c);
  std::vector<Step> steps;
  for (const spec::Run& r : c.settings.builds)
    steps.push_back({&r, nullptr});
  for (ir::Instruction& in : run_steps(c, steps, ir::StepKind::build, ir::Layer::sources,
                                       "a build step: changes when the sources change")) {
    if (auto* run = std::get_if<ir::Run>(&in.op)) run->mounts = mounts;
    build.instructions.push_back(std::move(in));
  }
}

// What the final image takes from the build stage: with a build phase, the
// artifacts (by default what the sources and the dependencies became); without,
// the dependency installs' output. Root's, unless the spec made them writable.
std::vector<ir::Instruction> from_build(const ImageContext& c) {
  std::vector<ir::Instruction> out;
  const auto copy = [&](const std::string& from, const std::string& to, bool writable,
                        const std::string& why) {
    out.push_back(instruction(ir::Copy{{from}, to, "build", writable ? c.owner : "0:0", "", false},
                              c.build_phase ? ir::Layer::sources : ir::Layer::deps, why));
  };
  if (!c.build_phase) {
    for (const DepsStep& step : c.deps) {
      const std::string into = absolute_in_workdir(c, step.installer->into);
      if (!into.empty())
        copy(into, into, false,
             fmt::format("changes when {} changes", text::join(step.deps->files, " ")));
    }
    return out;
  }
  for (const spec::Artifact& a : c.settings.artifacts)
    copy(a.source, a.dest, false, "an artifact of the build: changes when the sources change");
  if (!c.settings.artifacts.empty()) return out;
  for (const spec::Copy& s : c.settings.copies)
    copy(s.dest, s.dest, s.writable, "the built sources: change when the sources change");
  for (const DepsStep& step : c.deps) {
    const std::string into = absolute_in_workdir(c, step.installer->into);
    if (!into.empty()) copy(into, into, false, "the dependencies, as the build left them");
  }
  return out;
}

// The sources, root's (read-only to the user) unless marked writable.
std::vector<ir::Instruction> sources(const ImageContext& c, const spec::Settings& s) {
  std::vector<ir::Instruction> out;
  for (const spec::Copy& copy : s.copies) {
    out.push_back(instruction(
        ir::Copy{{copy.source}, copy.dest, "", copy.writable ? c.owner : "0:0", "", false},
        ir::Layer::sources, "sources change most often, so they come last",
        out.empty() ? std::vector<std::string>{"Sources last, owned by root: an edit rebuilds only "
                                               "what follows."}
                    : std::vector<std::string>{}));
  }
  return out;
}

}  // namespace

// The directories the application writes, created after its sources, one by one.
std::vector<ir::Instruction> source_dirs(const ImageContext& c, const spec::Settings& s) {
  if (s.dirs.empty() || c.uid == 0) return {};
  std::vector<std::string> dirs;
  for (const auto& d : s.dirs) {
    // Inside the home, the parents too: install -d would make them root's.
    const std::string path = text::expand_home(d.value, c.home);
    if (path.rfind(c.home + "/", 0) == 0) {
      for (std::size_t at = path.find('/', c.home.size() + 1); at != std::string::npos;
           at = path.find('/', at + 1))
        dirs.push_back(path.substr(0, at));
    }
    dirs.push_back(path);
  }
  std::string line = fmt::format("install -d -o {} -g {}", c.uid, c.gid);
  for (const std::string& d : dirs)
    line += " " + text::shell_quote(d);
  ir::Run run;
  run.kind = ir::StepKind::user_setup;
  run.script = line;
  std::vector<ir::Instruction> out;
  out.push_back(instruction(ir::User{"root"}, ir::Layer::sources,
                            "the directories the user writes are made by root"));
  out.push_back(instruction(std::move(run), ir::Layer::sources,
                            "changes when the sources change (a directory there must not keep "
                            "root's owner)",
                            {"The directories the application writes: its own, each on its own."}));
  out.push_back(instruction(user_op(c), ir::Layer::sources, "back to the image user"));
  return out;
}

std::string target_base_stage(const ImageContext& c) {
  return c.build_phase ? "deps" : "app";
}

namespace {

// The final image before its sources: its own packages, the dependencies (or the
// artifacts) from the build stage, its environment and run steps.
ir::Stage final_start(const ImageContext& c, const std::string& name) {
  const std::string purpose = c.split && !c.build_phase
                                  ? "the application before its sources (targets start here)"
                                  : "the application image";
  ir::Stage st = c.runtime_base.empty() ? new_stage(name, "runtime", purpose)
                                        : ir::Stage{name, c.runtime_base, purpose, {}};
  std::vector<std::string> own;
  for (const auto& p : c.settings.apt)
    own.push_back(p.value);
  append(st.instructions, own_packages(c, own, kOwnWhat, kOwnWhy));
  if (c.init && !c.shell) {
    // No package manager in the runtime image: the static init from the build stage.
    st.instructions.push_back(
        instruction(ir::Copy{{"/usr/bin/tini-static"}, "/tini", "build", "0:0", "", false},
                    ir::Layer::tools, "the init, static"));
  }
  if (needs_build(c)) append(st.instructions, from_build(c));
  append(st.instructions, config(c.settings, ir::Layer::config));
  append(st.instructions, custom_runs(c, c.settings));
  return st;
}

// The sources (without a build phase), the directories the application writes,
// and metadata; an image on a runtime of its own ends as its numeric user.
void final_end(const ImageContext& c, ir::Stage& st) {
  if (!c.build_phase) append(st.instructions, sources(c, c.settings));
  append(st.instructions, source_dirs(c, c.settings));
  if (!c.runtime_base.empty())
    st.instructions.push_back(
        instruction(user_op(c), ir::Layer::metadata, "the image runs as its numeric user"));
  append(st.instructions, metadata(c, c.settings));
}

}  // namespace

std::vector<ir::Stage> app_stages(const ImageContext& c) {
  std::vector<ir::Stage> stages;
  stages.push_back(runtime_stage(c));
  if (needs_build(c)) {
    const bool part = c.build_phase && c.split;
    stages.push_back(deps_stage(c, part ? "deps" : "build"));
    if (part) stages.push_back(new_stage("build", "deps", "the sources, built"));
    if (c.build_phase) build_phase(c, stages.back());
  }
  const bool part = c.split && !c.build_phase;
  stages.push_back(final_start(c, part ? "app" : "final"));
  if (c.runtime_base.empty())
    remake_cache_dirs(c, {&stages.front(), &stages.back()}, stages.back());
  if (part) stages.push_back(new_stage("final", "app", "the application image"));
  final_end(c, stages.back());
  return stages;
}

}  // namespace rigc::lowering
