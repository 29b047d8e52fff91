// Instructions that several stages use: apt layers, cache and secret mounts, the
// user, environment groups, run steps and dependency installs.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "lower_image.hpp"
#include "rigc/packs.hpp"
#include "rigc/templates.hpp"
#include "rigc/text.hpp"

namespace rigc::lowering {
namespace {

// A slug for cache ids: "debian:bookworm-slim" -> "debian-bookworm-slim".
std::string slug(const std::string& reference) {
  std::string ref = reference.substr(0, reference.find('@'));
  const auto slash = ref.rfind('/');
  if (slash != std::string::npos) ref = ref.substr(slash + 1);
  std::string out;
  for (char c : ref)
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

// Caches whose content is built for one platform: compiler output. Package
// downloads and sources (pip, npm, go-mod, cargo, …) serve every platform.
bool platform_specific(const std::string& cache) {
  return cache == "go-build" || cache == "ccache";
}

ir::Mount cache_mount(const ir::Cache& cache, std::uint32_t uid, std::uint32_t gid) {
  ir::Mount m;
  m.target = cache.path;
  m.id = cache.id;
  m.per_platform = platform_specific(cache.name);
  m.uid = uid;
  m.gid = gid;
  return m;
}

// Both apt directories are cache mounts; only /var/lib/apt is locked. Every apt
// step rigc emits takes that lock, so apt steps never overlap and the archive
// cache needs no lock of its own — and Buildah 1.28 hangs on the next RUN when
// one RUN holds two locked cache mounts (containers/buildah#4342). Each platform
// has its own: lists and .debs are per architecture, and a shared lists directory
// would make every platform's `apt-get update` throw away the other's lists.
std::vector<ir::Mount> apt_mounts(const std::string& base) {
  const std::string id = slug(base);
  ir::Mount archives;
  archives.target = "/var/cache/apt";
  archives.id = "apt-cache-" + id;
  archives.per_platform = true;
  ir::Mount lists;
  lists.target = "/var/lib/apt";
  lists.id = "apt-lists-" + id;
  lists.per_platform = true;
  lists.locked = true;
  return {archives, lists};
}

// Two mounts of one BuildKit cache: the id and the owner of its directory (BuildKit
// keys a cache on both; the target and the sharing mode are the step's own).
bool same_cache(const ir::Mount& a, const ir::Mount& b) {
  return a.id == b.id && a.per_platform == b.per_platform && a.uid == b.uid && a.gid == b.gid;
}

bool declares_targetarch(const ir::Instruction& in) {
  const auto* arg = std::get_if<ir::Arg>(&in.op);
  return arg != nullptr && arg->name == "TARGETARCH";
}

bool per_platform_run(const ir::Instruction& in) {
  const auto* run = std::get_if<ir::Run>(&in.op);
  return run != nullptr && std::any_of(run->mounts.begin(), run->mounts.end(),
                                       [](const ir::Mount& m) { return m.per_platform; });
}

// A stage whose mounts name ${TARGETARCH} declares it first, after its SHELL: the
// same line in every image, so the stages images share stay byte-identical.
void declare_targetarch(ir::Stage& stage) {
  auto& ins = stage.instructions;
  const auto use = std::find_if(ins.begin(), ins.end(), per_platform_run);
  if (use == ins.end() || std::any_of(ins.begin(), use, declares_targetarch)) return;
  const bool shell = !ins.empty() && std::holds_alternative<ir::Shell>(ins.front().op);
  ins.insert(ins.begin() + (shell ? 1 : 0),
             instruction(ir::Arg{"TARGETARCH", std::nullopt}, ir::Layer::stage,
                         "the target architecture, which names the platform's own caches"));
}

bool same_mount(const ir::Mount& a, const ir::Mount& b) {
  return a.type == b.type && a.target == b.target && a.id == b.id &&
         a.per_platform == b.per_platform && a.locked == b.locked && a.uid == b.uid &&
         a.gid == b.gid && a.required == b.required;
}

std::string secret_target(const spec::Secret& secret) {
  return !secret.target.empty() ? secret.target : "/run/secrets/" + secret.id;
}

}  // namespace

ir::Instruction instruction(ir::Op op, ir::Layer layer, std::string why,
                            std::vector<std::string> comments) {
  ir::Instruction in;
  in.op = std::move(op);
  in.layer = layer;
  in.why = std::move(why);
  in.comments = std::move(comments);
  return in;
}

ir::Stage new_stage(const std::string& name, const std::string& from, const std::string& purpose) {
  ir::Stage stage{name, from, purpose, {}};
  stage.instructions.push_back(
      instruction(ir::Shell{{"/bin/bash", "-o", "pipefail", "-c"}}, ir::Layer::stage,
                  "bash with pipefail, so a failing pipe fails the build"));
  return stage;
}

ir::Instruction apt_layer(const ImageContext& c, std::vector<std::string> packages, ir::Layer layer,
                          const std::string& what, const std::string& why, bool keep_cache) {
  packages = text::sorted_unique(std::move(packages));
  std::string listed;
  for (std::size_t i = 0; i < packages.size(); ++i) {
    if (i > 0) listed += '\n';
    listed += "  " + packages[i];
  }
  ir::Run run;
  run.kind = ir::StepKind::apt;
  run.mounts = apt_mounts(c.base);
  if (keep_cache) ir::append_command(run, render_template("apt-keep-cache.sh", {}));
  ir::append_command(run, render_template("apt-install.sh", {{"packages", listed}}));
  return instruction(std::move(run), layer, why,
                     {what,
                      "Versions come from the base image's release, unpinned on purpose "
                      "(DL3008).",
                      "hadolint ignore=DL3008"});
}

std::string cache_path(const ImageContext& c, const std::string& name, const std::string& written) {
  std::string path = written;
  if (path.empty()) {
    const StockCache* stock = find_stock_cache(name);
    path = stock != nullptr ? stock->path : "";
  }
  return text::expand_home(path, c.home);
}

ir::Cache make_cache(const ImageContext& c, const spec::Cache& cache) {
  return {cache.name, cache_path(c, cache.name, cache.path),
          fmt::format("{}-{}", cache.name, c.uid)};
}

std::vector<ir::Mount> step_mounts(const ImageContext& c, const spec::PackDecl* pack) {
  std::vector<ir::Mount> mounts;
  std::set<std::string> seen;
  const auto add = [&](const spec::Cache& cache) {
    if (cache.name == "apt" || !seen.insert(cache.name).second) return;
    mounts.push_back(cache_mount(make_cache(c, cache), c.uid, c.gid));
  };
  if (pack != nullptr) {
    for (const spec::Cache& cache : pack->caches)
      add(cache);
  }
  for (const spec::Cache& cache : c.settings.caches) {
    if (pack == nullptr ||
        std::any_of(pack->caches.begin(), pack->caches.end(),
                    [&](const spec::Cache& own) { return own.name == cache.name; })) {
      add(cache);
    }
  }
  for (const spec::Secret& secret : c.settings.secrets) {
    ir::Mount m;
    m.type = ir::Mount::Type::secret;
    m.id = secret.id;
    m.target = secret_target(secret);
    m.uid = c.uid;
    m.required = true;
    mounts.push_back(m);
  }
  return mounts;
}

// Secrets given as `env NAME` are exported from their files for the one command.
std::string with_secret_env(const ImageContext& c, const std::string& command) {
  std::string prefix;
  std::vector<std::string> names;
  for (const spec::Secret& secret : c.settings.secrets) {
    if (secret.env.empty()) continue;
    prefix += fmt::format("{}=\"$(cat {})\" ", secret.env, secret_target(secret));
    names.push_back(secret.env);
  }
  return prefix.empty() ? command
                        : prefix + "&& export " + text::join(names, " ") + " && " + command;
}

ir::User user_op(const ImageContext& c) {
  return {c.uid == 0 ? std::string("root") : c.owner};
}

ir::Instruction user_step(const ImageContext& c, ir::Layer layer, const std::string& why) {
  if (c.uid != 0) return instruction(user_op(c), layer, why);
  return instruction(ir::User{"root"}, layer, why,
                     {"The spec asks for 'user root' (DL3002 is suppressed on purpose).",
                      "hadolint ignore=DL3002"});
}

namespace {

// Later duplicates replace earlier values, keeping the first position.
ir::Vars unique_vars(const ir::Vars& vars) {
  ir::Vars unique;
  for (const auto& var : vars) {
    auto it = std::find_if(unique.begin(), unique.end(),
                           [&](const auto& u) { return u.first == var.first; });
    if (it != unique.end()) {
      it->second = var.second;
    } else {
      unique.push_back(var);
    }
  }
  return unique;
}

// True when `value` refers to $NAME or ${NAME} of a variable in `group`.
bool refers_to(const std::string& value, const ir::Vars& group) {
  if (value.find('$') == std::string::npos) return false;  // most values: this is per pair
  for (const auto& earlier : group) {
    for (const std::string& form : {"$" + earlier.first, "${" + earlier.first + "}"}) {
      const auto at = value.find(form);
      if (at == std::string::npos) continue;
      const std::size_t end = at + form.size();
      const bool word_end =
          form.back() == '}' || end == value.size() ||
          !(std::isalnum(static_cast<unsigned char>(value[end])) || value[end] == '_');
      if (word_end) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<ir::Instruction> env_instructions(const ir::Vars& vars, ir::Layer layer,
                                              const std::string& why, const std::string& comment) {
  const ir::Vars unique = unique_vars(vars);
  if (unique.empty()) return {};
  std::vector<ir::Vars> groups(1);
  for (const auto& var : unique) {
    if (refers_to(var.second, groups.back())) groups.emplace_back();
    groups.back().push_back(var);
  }
  std::vector<ir::Instruction> out;
  for (const ir::Vars& group : groups) {
    out.push_back(instruction(ir::Env{group}, layer, why,
                              out.empty() && !comment.empty() ? std::vector<std::string>{comment}
                                                              : std::vector<std::string>{}));
  }
  return out;
}

void add_mounts(const ImageContext& c, std::vector<ir::Mount>& mounts, const Step& step) {
  for (const ir::Mount& m : step_mounts(c, step.pack)) {
    if (step.pack != nullptr && m.type == ir::Mount::Type::secret) continue;
    if (std::none_of(mounts.begin(), mounts.end(),
                     [&](const ir::Mount& have) { return same_mount(have, m); }))
      mounts.push_back(m);
  }
}

std::vector<ir::Instruction> run_steps(const ImageContext& c, const std::vector<Step>& steps,
                                       ir::StepKind kind, ir::Layer layer, const std::string& why) {
  std::vector<ir::Instruction> out;
  const auto as_root = [&](const Step& step) { return step.run->as_root && c.uid != 0; };
  std::size_t i = 0;
  while (i < steps.size()) {
    const bool root = as_root(steps[i]);
    ir::Run run;
    run.kind = kind;
    for (; i < steps.size() && as_root(steps[i]) == root; ++i) {
      const Step& step = steps[i];
      add_mounts(c, run.mounts, step);
      // The secrets' export holds for the rest of the RUN: only its first command.
      const bool first_of_image = run.script.empty() && step.pack == nullptr;
      ir::append_command(
          run, first_of_image ? with_secret_env(c, step.run->command) : step.run->command);
      if (root) {
        ++i;
        break;
      }
    }
    if (root) out.push_back(instruction(ir::User{"root"}, layer, "the next step runs as root"));
    out.push_back(instruction(std::move(run), layer, why));
    if (root) out.push_back(instruction(user_op(c), layer, "back to the image user"));
  }
  return out;
}

void append(std::vector<ir::Instruction>& to, std::vector<ir::Instruction> more) {
  for (ir::Instruction& in : more)
    to.push_back(std::move(in));
}

std::vector<ir::Instruction> custom_runs(const ImageContext& c, const spec::Settings& s) {
  std::vector<Step> runs;
  for (const spec::Run& r : s.runs)
    runs.push_back({&r, nullptr});
  return run_steps(c, runs, ir::StepKind::custom, ir::Layer::run,
                   "a custom step: changes when its command changes");
}

std::vector<ir::Instruction> config(const spec::Settings& s, ir::Layer layer) {
  std::vector<ir::Instruction> out;
  for (const spec::Pair& arg : s.args) {
    out.push_back(instruction(
        ir::Arg{arg.key, arg.has_value ? std::optional<std::string>(arg.value) : std::nullopt},
        layer, "a build argument: steps after it rebuild when it changes"));
  }
  ir::Vars vars;
  for (const spec::Pair& e : s.env)
    vars.emplace_back(e.key, e.value);
  for (ir::Instruction& in : env_instructions(vars, layer,
                                              "the image's environment, after its dependencies "
                                              "so a change does not reinstall them",
                                              ""))
    out.push_back(std::move(in));
  return out;
}

std::vector<ir::Instruction> own_packages(const ImageContext& c,
                                          const std::vector<std::string>& packages,
                                          const std::string& what, const std::string& why) {
  if (packages.empty()) return {};
  std::vector<ir::Instruction> out;
  if (c.uid != 0)
    out.push_back(
        instruction(ir::User{"root"}, ir::Layer::image_packages, "OS packages need root"));
  out.push_back(apt_layer(c, packages, ir::Layer::image_packages, what, why, false));
  if (c.uid != 0) out.push_back(instruction(user_op(c), ir::Layer::user, "back to the image user"));
  return out;
}

std::vector<ir::Instruction> deps_steps(const ImageContext& c) {
  std::vector<ir::Instruction> out;
  const std::string workdir = c.workdir + (c.workdir == "/" ? "" : "/");
  for (const DepsStep& step : c.deps) {
    // Manifests grouped by directory, copied to the same place under the workdir.
    std::string dir;
    const auto slash = step.deps->files.front().rfind('/');
    if (slash != std::string::npos) dir = step.deps->files.front().substr(0, slash);
    const std::string dest = workdir + (dir.empty() ? "" : dir + "/");
    const std::string files = text::join(step.deps->files, " ");
    const std::string why = fmt::format("changes when {} changes", files);
    out.push_back(instruction(ir::Copy{step.deps->files, dest, "", c.owner, "", false},
                              ir::Layer::deps, why,
                              {fmt::format("Dependencies: installed before the sources, so they "
                                           "rebuild only when {} changes.",
                                           files)}));
    if (!dir.empty())
      out.push_back(instruction(ir::Workdir{dest.substr(0, dest.size() - 1)}, ir::Layer::deps,
                                "the manifests' directory"));
    ir::Run run;
    run.kind = ir::StepKind::deps;
    run.mounts = step_mounts(c, step.pack->pack);
    run.script = with_secret_env(c, step.installer->command);
    out.push_back(instruction(std::move(run), ir::Layer::deps, why));
    if (!dir.empty())
      out.push_back(instruction(ir::Workdir{c.workdir}, ir::Layer::deps, "back to the workdir"));
  }
  return out;
}

std::vector<std::string> pack_apt(const ImageContext& c, const spec::PackDecl& pack) {
  std::vector<std::string> packages;
  for (const auto& p : pack.apt)
    packages.push_back(p.value);
  for (const spec::AptFor& apt : pack.apt_for) {
    if (parse_os(apt.os.value) != c.os) continue;
    for (const auto& p : apt.packages)
      packages.push_back(p.value);
  }
  return packages;
}

std::string absolute_in_workdir(const ImageContext& c, const std::string& path) {
  if (path.empty() || path[0] == '/' || path[0] == '~') return text::expand_home(path, c.home);
  return c.workdir + (c.workdir == "/" ? "" : "/") + path;
}

void finish_cache_mounts(const ImageContext& c, ir::Image& image) {
  image.base = c.base;
  for (ir::Stage& stage : image.stages) {
    declare_targetarch(stage);
    for (const ir::Instruction& in : stage.instructions) {
      const auto* run = std::get_if<ir::Run>(&in.op);
      if (run == nullptr) continue;
      for (const ir::Mount& m : run->mounts) {
        if (m.type != ir::Mount::Type::cache) continue;
        if (std::none_of(image.cache_mounts.begin(), image.cache_mounts.end(),
                         [&](const ir::Mount& have) { return same_cache(have, m); }))
          image.cache_mounts.push_back(m);
      }
    }
  }
}

std::string entrypoint_in_context(const LowerOptions& options) {
  return options.output_dir == "." ? "runner-entrypoint.sh"
                                   : options.output_dir + "/runner-entrypoint.sh";
}

}  // namespace rigc::lowering
