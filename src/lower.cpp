// Lays out each image as stages and layers. The order of layers follows how often
// their inputs change (§4 rule 2), so an edit rebuilds as little as possible:
//
//   base     FROM, SHELL, the base pack's OS packages        shared by all images
//            (and the packs' OS packages for an application alone on its base)
//   fetch    the download tools the base stage lacks         shared, never final
//   pack-X   one per fetching pack: download, verify, unpack  shared, built in parallel
//   final    packs' OS packages → toolchains → tools → user → image's OS packages →
//            deps → env/args → run steps → sources → metadata
//
// When a pack whose deps the image installs needs build-only OS packages
// (build-apt), the part of `final` up to the user becomes a `runtime` stage, the
// deps are installed in `build` on top of it, and `final` copies their output.
//
// This file makes each image's context and puts its stages together; the stages
// themselves are built in lower_base, lower_fetch, lower_build, lower_final,
// lower_target and lower_ignore (see lower_image.hpp).
#include "rigc/lower.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "lower_image.hpp"
#include "rigc/settings.hpp"
#include "rigc/value_syntax.hpp"

namespace rigc {
namespace lowering {
namespace {

std::vector<ir::Cache> image_caches(const ImageContext& c) {
  std::vector<ir::Cache> caches;
  std::set<std::string> seen;
  for (const spec::Cache& cache : c.settings.caches) {
    if (cache.name == "apt") continue;  // the apt cache is always mounted at build time
    if (seen.insert(cache.name).second) caches.push_back(make_cache(c, cache));
  }
  return caches;
}

std::vector<DepsStep> deps_steps_of(const ResolvedImage& image, bool& build_stage) {
  std::vector<DepsStep> steps;
  for (const spec::Deps& deps : image.settings.deps) {
    const spec::PackDeps* installer = find_deps_installer(image, deps);
    for (const ResolvedPack& rp : image.packs) {
      for (const spec::PackDeps& d : rp.pack->deps) {
        if (&d != installer) continue;
        steps.push_back({&deps, installer, &rp});
        if (!rp.pack->build_apt.empty()) build_stage = true;
      }
    }
  }
  return steps;
}

// The architecture label the runner registers with on each platform (the
// entrypoint maps `uname -m` the same way); no platforms: the builder's, x64.
std::vector<std::string> runner_arches(const std::vector<std::string>& platforms) {
  std::vector<std::string> arches;
  for (const std::string& platform : platforms) {
    std::string arch = platform.substr(platform.find('/') + 1);
    arch = arch.substr(0, arch.find('/'));
    if (arch == "amd64") arch = "x64";
    if (std::find(arches.begin(), arches.end(), arch) == arches.end()) arches.push_back(arch);
  }
  if (arches.empty()) arches.push_back("x64");
  return arches;
}

std::vector<ir::Pack> packs(const ResolvedImage& image) {
  std::vector<ir::Pack> out;
  for (const ResolvedPack& rp : image.packs) {
    out.push_back({rp.pack->name.value, rp.version, rp.reason, rp.fetched, {}});
    for (const auto& v : rp.pack->verify)
      out.back().verify.push_back(v.value);
  }
  return out;
}

// What the registry, tags and Compose need of the image.
void image_settings(const ImageContext& c, ir::Image& out) {
  const spec::Settings& s = c.settings;
  out.name = c.name;
  out.runner = c.runner;
  out.location = c.image.decl->name.location;
  out.dockerfile = out.name + ".Dockerfile";
  out.ignore_file = out.dockerfile + ".dockerignore";
  out.dockerfile_in_context =
      c.options.output_dir == "." ? out.dockerfile : c.options.output_dir + "/" + out.dockerfile;
  out.registry = s.registry ? s.registry->value : "";
  out.repository = s.registry ? s.registry->value + "/" + out.name : out.name;
  out.tag = s.tag ? s.tag->value : "latest";
  if (s.registry) out.cache_ref = out.repository + ":buildcache";
  out.platforms = s.platforms ? s.platforms->value : std::vector<std::string>{};
  // Rule 11: the built-in frontend of Docker and Buildah by default; newer syntax
  // only when the spec opts in.
  if (c.modern) out.syntax = "docker/dockerfile:1.7";
  out.user = c.user;
  out.uid = c.uid;
  out.gid = c.gid;
  out.home = c.home;
  out.workdir = c.workdir;
  out.caches = c.caches;
  if (s.limits) out.limits = {s.limits->cpus, s.limits->memory};
  if (s.reserve) out.reserve = {s.reserve->cpus, s.reserve->memory};
  out.replicas = s.replicas ? s.replicas->value : -1;
  out.restart = s.restart ? s.restart->value : (c.runner ? "unless-stopped" : "");
  for (const auto& port : s.expose)
    out.expose.push_back(port.value);
  for (const spec::Pair& e : s.env)
    out.env.emplace_back(e.key, e.value);
  if (s.healthcheck) {
    const spec::Healthcheck& h = *s.healthcheck;
    out.healthcheck = healthcheck_op(h);
  }
  if (c.runner) {
    out.runner_labels = runner_labels(c);
    out.pool_label = out.runner_labels.front();
    out.runner_arches = runner_arches(out.platforms);
    out.ephemeral = s.ephemeral ? s.ephemeral->value : true;
    out.runner_group = s.group ? s.group->value : "";
    out.docker = s.docker ? s.docker->value : "none";
    out.auth = s.auth ? s.auth->value : "app";
    const auto drain = s.drain ? syntax::duration_seconds(s.drain->value) : std::nullopt;
    out.drain_seconds = drain ? *drain : 900;
    out.sudo = s.sudo && s.sudo->value;
    out.drops_privileges = c.uid != 0;
    out.runner_home = runner_home(c);
    out.job_env = job_env(c);
  }
}

std::vector<ir::BuildSecret> build_secrets(const spec::Settings& s) {
  std::vector<ir::BuildSecret> secrets;
  for (const spec::Secret& secret : s.secrets) {
    std::string env;
    for (const char ch : secret.id)
      env += std::isalnum(static_cast<unsigned char>(ch))
                 ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch)))
                 : '_';
    secrets.push_back({secret.id, env});
  }
  return secrets;
}

// Compose's development service of each extra target of an application.
std::vector<ir::DevService> dev_services(const ImageContext& c) {
  std::vector<ir::DevService> services;
  for (const spec::Target& t : c.settings.targets) {
    spec::Settings merged = c.settings;
    merge_settings(merged, t.settings);
    ir::DevService dev{t.name.value, {}, {}, {}, {}, {}};
    for (const spec::Pair& e : merged.env) {  // the target's value over the image's
      auto it = std::find_if(dev.env.begin(), dev.env.end(),
                             [&](const auto& have) { return have.first == e.key; });
      if (it != dev.env.end()) {
        it->second = e.value;
      } else {
        dev.env.emplace_back(e.key, e.value);
      }
    }
    for (const auto& port : merged.expose)
      dev.expose.push_back(port.value);
    for (const spec::Copy& copy : merged.copies)
      dev.binds.emplace_back(copy.source, copy.dest);
    // node_modules installed into the workdir would vanish under the bind.
    for (const DepsStep& step : c.deps) {
      if (!step.installer || step.installer->into.empty()) continue;
      const std::string into = absolute_in_workdir(c, step.installer->into);
      const bool under_bind = std::any_of(dev.binds.begin(), dev.binds.end(), [&](const auto& b) {
        return into == b.second || into.rfind(b.second == "/" ? "/" : b.second + "/", 0) == 0;
      });
      if (under_bind) dev.keep.push_back(into);
    }
    for (const spec::Deps& deps : merged.deps)
      dev.rebuild_on.insert(dev.rebuild_on.end(), deps.files.begin(), deps.files.end());
    services.push_back(std::move(dev));
  }
  return services;
}

// What the Dockerfile copies from the build context, for validate.
std::vector<ir::ContextInput> context_inputs(const spec::Settings& s) {
  std::vector<ir::ContextInput> inputs;
  for (const spec::Deps& deps : s.deps) {
    for (const std::string& file : deps.files)
      inputs.push_back({ir::ContextInput::Kind::deps, file, deps.location});
  }
  for (const spec::Copy& copy : s.copies)
    inputs.push_back({ir::ContextInput::Kind::copy, copy.source, copy.location});
  return inputs;
}

// Build args in the order their ARGs appear: pack versions and mirrors, the
// image's own, each target's.
ir::Vars build_args(const ImageContext& c, const std::vector<std::string>& targets) {
  ir::Vars args = fetch_build_args(c);
  const auto add = [&](const spec::Settings& s) {
    for (const spec::Pair& arg : s.args) {
      if (arg.has_value) args.emplace_back(arg.key, arg.value);
    }
  };
  add(c.settings);
  for (const spec::Target& t : c.settings.targets) {
    if (std::find(targets.begin(), targets.end(), t.name.value) != targets.end()) add(t.settings);
  }
  return args;
}

// One list per distinct content: images share their .dockerignore lines.
using IgnoreLists =
    std::map<std::vector<std::string>, std::shared_ptr<const std::vector<std::string>>>;

std::shared_ptr<const std::vector<std::string>> shared(IgnoreLists& lists,
                                                       std::vector<std::string> lines) {
  auto it = lists.find(lines);
  if (it == lists.end()) {
    auto list = std::make_shared<const std::vector<std::string>>(lines);
    it = lists.emplace(std::move(lines), std::move(list)).first;
  }
  return it->second;
}

ir::Image lower_image(const ResolvedImage& image, const Resolved& resolved,
                      const LowerOptions& options, IgnoreLists& ignore_lists,
                      Diagnostics& diagnostics) {
  ImageContext c = make_context(image, options);
  c.packs_in_base = !c.runner && std::count_if(resolved.images.begin(), resolved.images.end(),
                                               [&](const ResolvedImage& other) {
                                                 return other.base == image.base;
                                               }) == 1;
  ir::Image out;
  image_settings(c, out);
  out.packs = packs(image);
  out.scale_set = scale_set(c, out, diagnostics);
  out.own_init = c.init;
  out.stages.push_back(base_stage(c));
  for (ir::Stage& stage : fetch_stages(c))
    out.stages.push_back(std::move(stage));
  for (ir::Stage& stage : c.runner ? runner_stages(c) : app_stages(c))
    out.stages.push_back(std::move(stage));
  Targets targets = target_stages(c, diagnostics);
  for (ir::Stage& stage : targets.stages)
    out.stages.push_back(std::move(stage));
  finish_cache_mounts(c, out);
  out.default_target = targets.names.empty() ? "final" : "release";
  out.targets = std::move(targets.names);
  out.build_args = build_args(c, out.targets);
  out.ignore = shared(ignore_lists, dockerignore_lines(c, resolved.ignore));
  out.context_inputs = context_inputs(c.settings);
  out.build_secrets = build_secrets(c.settings);
  if (!c.runner) out.dev_services = dev_services(c);
  return out;
}

}  // namespace

ImageContext make_context(const ResolvedImage& image, const LowerOptions& options) {
  const spec::Settings& s = image.settings;
  ImageContext c(image, options);
  c.name = image.decl->name.value;
  c.runner = image.decl->runner;
  c.base = image.base;
  c.os = image.os;
  if (!c.runner) {
    c.runtime_base = s.runtime ? s.runtime->value : "";
    c.shell = c.runtime_base.empty() || has_shell(c.runtime_base);
    c.init = s.init && s.init->value;
    c.build_phase = !s.builds.empty();
    c.split = !s.targets.empty();
  }
  c.final_base = c.runtime_base.empty() ? c.base : c.runtime_base;
  c.modern = s.dockerfile && s.dockerfile->value == "1.7";
  if (s.user) {
    c.user = s.user->name;
    c.uid = s.user->uid;
    c.gid = s.user->gid;
  } else {
    c.user = "runner";
    c.uid = c.gid = 1001;
  }
  c.home = c.uid == 0 ? "/root" : "/home/" + c.user;
  c.owner = fmt::format("{}:{}", c.uid, c.gid);
  c.workdir = s.workdir ? s.workdir->value : c.home;
  c.caches = image_caches(c);
  c.deps = deps_steps_of(image, c.build_stage);
  return c;
}

}  // namespace lowering

namespace {

// The value most images have (the first one on a tie); "" for no images.
template <typename Get>
std::string most_common(const std::vector<ir::Image>& images, Get get) {
  std::map<std::string, int> counts;
  std::string best;
  int best_count = 0;
  for (const ir::Image& image : images) {
    const int n = ++counts[get(image)];
    if (n > best_count) {
      best = get(image);
      best_count = n;
    }
  }
  return best;
}

// A registry cache per platform: CI builds each platform in a job of its own, and
// jobs that wrote one ref would overwrite each other's cache. An image without
// platforms is built for the builder's, amd64 in CI.
std::vector<std::string> per_platform(const std::string& ref,
                                      const std::vector<std::string>& platforms) {
  std::vector<std::string> refs;
  if (ref.empty()) return refs;
  for (const std::string& platform : platforms)
    refs.push_back(ref + "-" + lowering::platform_pair(platform));
  if (platforms.empty())
    refs.push_back(ref + "-" + lowering::platform_pair(lowering::kCiDefaultPlatform));
  return refs;
}

ir::BuildTarget default_target(const ir::Build& build, const ir::Image& image) {
  ir::BuildTarget t;
  t.name = image.name;
  t.image = image.name;
  t.dockerfile = image.dockerfile_in_context;
  // `docker build -f` (and so build-push-action's `file`) is read from the working
  // directory, the repository root, not from the context.
  t.dockerfile_in_repo = build.repo_dir == "." ? t.dockerfile : build.repo_dir + "/" + t.dockerfile;
  t.stage = image.default_target;
  t.registry = image.registry;
  t.repository = image.repository;
  t.tag = image.tag;
  t.platforms = image.platforms;
  t.cache_ref = image.cache_ref;
  t.cache_from = image.cache_refs;
  t.args = image.build_args;
  t.secrets = image.build_secrets;
  return t;
}

void build_targets(ir::Build& build, Diagnostics& diagnostics) {
  build.registry = most_common(build.images, [](const ir::Image& i) { return i.registry; });
  build.tag = most_common(build.images, [](const ir::Image& i) { return i.tag; });
  std::vector<ir::BuildTarget> extra;
  for (ir::Image& image : build.images) {
    image.cache_refs = per_platform(image.cache_ref, image.platforms);
    ir::BuildTarget t = default_target(build, image);
    for (const std::string& target : image.targets) {
      ir::BuildTarget x = t;
      x.name = image.name + "-" + target;
      x.stage = target;
      x.tag_suffix = "-" + target;
      if (!t.cache_ref.empty()) {
        x.cache_ref = t.cache_ref + "-" + target;
        x.cache_from = per_platform(x.cache_ref, image.platforms);
        x.cache_from.insert(x.cache_from.end(), t.cache_from.begin(), t.cache_from.end());
      }
      extra.push_back(std::move(x));
    }
    build.targets.push_back(std::move(t));
  }
  for (ir::BuildTarget& x : extra) {
    for (const ir::Image& image : build.images) {
      if (image.name == x.name) {
        diagnostics.error(image.location,
                          fmt::format("image '{}' has the name Bake and the workflow give to "
                                      "target '{}' of image '{}'; rename one of them",
                                      image.name, x.stage, x.image));
      }
    }
    build.targets.push_back(std::move(x));
  }
}

// With `renovate true` (in defaults, so every image has it): a custom manager for
// each pinned pack that names a Renovate datasource.
std::optional<ir::Renovate> renovate(const Resolved& resolved, const ir::Build& build,
                                     Diagnostics& diagnostics) {
  if (resolved.images.empty()) return std::nullopt;
  const auto& setting = resolved.images.front().settings.renovate;
  if (!setting || !setting->value) return std::nullopt;
  ir::Renovate out;
  out.spec_path = build.repo_dir == "." ? build.spec_name : build.repo_dir + "/" + build.spec_name;
  for (const auto& [name, pack] : resolved.packs) {
    if (pack.pins.empty()) continue;
    if (pack.fetch->renovate) {
      out.pins.push_back({name, pack.fetch->renovate->datasource.value,
                          pack.fetch->renovate->package.value, pack.fetch->line()});
    } else {
      out.unmanaged.push_back(name);
    }
  }
  if (out.pins.empty()) {
    diagnostics.warning(setting->location,
                        out.unmanaged.empty()
                            ? "'renovate true' configures Renovate for the spec's pins, and it has "
                              "none: `rigc pin PACK VERSION` adds one"
                            : "'renovate true': no pinned pack names a Renovate datasource; "
                              "`rigc pin --check` reports their updates");
  }
  return out;
}

}  // namespace

ir::Build lower(const Resolved& resolved, const LowerOptions& options, Diagnostics& diagnostics) {
  ir::Build build;
  build.spec_name = options.spec_name;
  build.output_dir = options.output_dir;
  build.context = options.context;
  build.repo_dir = options.repo_dir;
  lowering::IgnoreLists ignore_lists;
  for (const ResolvedImage& image : resolved.images) {
    build.images.push_back(
        lowering::lower_image(image, resolved, options, ignore_lists, diagnostics));
    build.entrypoint = build.entrypoint || image.decl->runner;
  }
  build_targets(build, diagnostics);
  build.renovate = renovate(resolved, build, diagnostics);
  build.ci = lowering::lower_ci(resolved, options, build, diagnostics);
  return build;
}

}  // namespace rigc
