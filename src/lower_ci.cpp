// The workflow's side of lowering: which platforms CI builds and where (a job per
// platform on a runner of that architecture, QEMU only when the spec asks for it),
// the Bake group each job builds, where the workflow file goes, and the cache mounts
// it carries from one run to the next with the helper Dockerfile that moves them in
// and out of the builder. The settings come from `defaults` (the statements are
// allowed nowhere else), so every image holds the same ones.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "lower_image.hpp"
#include "rigc/text.hpp"

namespace rigc::lowering {
namespace {

// The GitHub-hosted runner that builds a platform natively, if there is one:
// x64 runners run amd64 (and 386) code, arm64 runners arm64 (their Neoverse cores
// have no 32-bit mode, so arm/v6 and arm/v7 need emulation).
std::vector<std::string> hosted_runner(const std::string& platform) {
  if (platform == "linux/amd64" || platform == "linux/386") return {"ubuntu-24.04"};
  if (platform == "linux/arm64") return {"ubuntu-24.04-arm"};
  return {};
}

const std::vector<std::string>& platforms_of(const ir::BuildTarget& t) {
  static const std::vector<std::string> fallback = {kCiDefaultPlatform};
  return t.platforms.empty() ? fallback : t.platforms;
}

// Where the spec first asks for `platform`: an image's `platforms` statement, or
// its declaration when the platform is the default one.
Location platform_location(const Resolved& resolved, const std::string& platform) {
  for (const ResolvedImage& image : resolved.images) {
    const auto& p = image.settings.platforms;
    if (p && std::find(p->value.begin(), p->value.end(), platform) != p->value.end())
      return p->location;
  }
  return resolved.images.empty() ? Location{} : resolved.images.front().decl->name.location;
}

std::vector<ir::CiPlatform> ci_platforms(const Resolved& resolved, const ir::Build& build,
                                         const std::vector<spec::CiRunner>& runners,
                                         Diagnostics& diagnostics) {
  std::vector<ir::CiPlatform> out;
  for (const ir::BuildTarget& t : build.targets) {
    for (const std::string& platform : platforms_of(t)) {
      auto it = std::find_if(out.begin(), out.end(),
                             [&](const ir::CiPlatform& p) { return p.platform == platform; });
      if (it == out.end()) {
        ir::CiPlatform p;
        p.platform = platform;
        p.pair = platform_pair(platform);
        p.group = "ci-" + p.pair;
        p.location = platform_location(resolved, platform);
        it = out.insert(out.end(), std::move(p));
      }
      it->targets.push_back(t.name);
    }
  }
  for (ir::CiPlatform& p : out) {
    p.runs_on = hosted_runner(p.platform);
    for (const spec::CiRunner& r : runners) {  // the last one for a platform wins
      if (r.platform != p.platform) continue;
      p.runs_on = r.qemu ? hosted_runner(kCiDefaultPlatform) : r.labels;
      p.qemu = r.qemu;
      p.location = r.location;
    }
    if (p.runs_on.empty()) {
      diagnostics.error(p.location,
                        fmt::format("no GitHub-hosted runner builds '{0}' natively; name one with "
                                    "`ci-runner {0} LABEL …` in defaults, or emulate it with "
                                    "`ci-runner {0} qemu`",
                                    p.platform));
    }
    for (const ir::Image& image : build.images) {
      if (image.name == p.group) {
        diagnostics.error(image.location,
                          fmt::format("image '{}' has the name of the Bake group that CI builds "
                                      "'{}' with; rename it",
                                      image.name, p.platform));
      }
    }
  }
  for (const spec::CiRunner& r : runners) {
    if (std::none_of(out.begin(), out.end(),
                     [&](const ir::CiPlatform& p) { return p.platform == r.platform; })) {
      diagnostics.warning(r.location,
                          fmt::format("'ci-runner' for '{}', which no image builds", r.platform));
    }
  }
  return out;
}

// Every image's distinct cache mounts, each with the name of its archive: the id,
// and the owner too when two owners use one id (BuildKit keeps a cache per both).
std::vector<ir::CiCache> ci_caches(const ir::Build& build) {
  std::vector<ir::CiCache> out;
  std::map<std::string, int> per_id;
  for (const ir::Image& image : build.images) {
    for (const ir::Mount& m : image.cache_mounts) {
      const bool seen = std::any_of(out.begin(), out.end(), [&](const ir::CiCache& c) {
        return c.mount.id == m.id && c.mount.per_platform == m.per_platform &&
               c.mount.uid == m.uid && c.mount.gid == m.gid;
      });
      if (seen) continue;
      ir::CiCache cache{m, m.id};
      cache.mount.locked = false;  // nothing else runs while the helper does
      if (per_id[m.id]++ > 0)
        cache.slot += fmt::format("-{}-{}", m.uid.value_or(0), m.gid.value_or(0));
      out.push_back(std::move(cache));
    }
  }
  return out;
}

// The archive of a cache in the helper's context and output: one per platform
// where the content is per platform.
std::string archive(const ir::CiCache& cache, const char* dir) {
  return fmt::format("/{}/{}{}.tar", dir, cache.slot,
                     cache.mount.per_platform ? "-${TARGETARCH}" : "");
}

ir::Run cache_run(const std::vector<ir::CiCache>& caches) {
  ir::Run run;
  run.kind = ir::StepKind::custom;
  for (const ir::CiCache& cache : caches) {
    ir::Mount m = cache.mount;
    m.target = "/rigc-cache/" + cache.slot;
    run.mounts.push_back(m);
  }
  return run;
}

// A helper stage: the image every job already pulls, the target architecture that
// names the per-platform caches, and a stamp that changes every run, so that its
// step runs every time instead of coming from the layer cache.
ir::Stage helper_stage(const std::string& name, const std::string& base,
                       const std::string& purpose) {
  ir::Stage stage = new_stage(name, base, purpose);
  stage.instructions.push_back(instruction(ir::Arg{"TARGETARCH", std::nullopt}, ir::Layer::stage,
                                           "names the per-platform caches"));
  stage.instructions.push_back(instruction(ir::Arg{"CACHE_STAMP", std::nullopt}, ir::Layer::stage,
                                           "new every run: the step below always runs"));
  return stage;
}

// github/cache-mounts.Dockerfile. tar keeps the owners and modes (as root it
// restores the numeric owners), which the Actions cache, saved by an unprivileged
// user, would not.
std::vector<ir::Stage> cache_stages(const std::vector<ir::CiCache>& caches,
                                    const std::string& base) {
  ir::Stage inject = helper_stage(
      "inject", base, "fills the builder's cache mounts from the archives in the build context");
  ir::Run in = cache_run(caches);
  ir::Mount context;
  context.type = ir::Mount::Type::bind;
  context.target = "/rigc-cache-in";
  in.mounts.insert(in.mounts.begin(), context);
  ir::append_command(in, "echo \"cache mounts in (${CACHE_STAMP})\"");
  for (const ir::CiCache& cache : caches) {
    const std::string file = archive(cache, "rigc-cache-in");
    ir::append_command(
        in, fmt::format("if [ -f \"{0}\" ]; then tar -C /rigc-cache/{1} -xpf \"{0}\"; fi", file,
                        cache.slot));
  }
  inject.instructions.push_back(
      instruction(std::move(in), ir::Layer::run, "each archive unpacked into its cache mount"));

  ir::Stage extract =
      helper_stage("extract", base, "each cache mount's content as an archive, for `export`");
  ir::Run out = cache_run(caches);
  ir::append_command(out, "echo \"cache mounts out (${CACHE_STAMP})\"");
  ir::append_command(out, "mkdir -p /rigc-cache-out");
  for (const ir::CiCache& cache : caches) {
    ir::append_command(out, fmt::format("tar -C /rigc-cache/{} -cf \"{}\" .", cache.slot,
                                        archive(cache, "rigc-cache-out")));
  }
  extract.instructions.push_back(
      instruction(std::move(out), ir::Layer::run, "each cache mount packed into an archive"));

  ir::Stage exported{
      "export", "scratch", "the archives alone: `--output type=local` writes them", {}};
  exported.instructions.push_back(
      instruction(ir::Copy{{"/rigc-cache-out/"}, "/", "extract", "", "", false}, ir::Layer::sources,
                  "the archives"));
  // Nothing runs here; like every generated Dockerfile, it does not end as root.
  exported.instructions.push_back(instruction(ir::User{"65534:65534"}, ir::Layer::metadata,
                                              "nothing runs here; not root, as everywhere"));
  return {std::move(inject), std::move(extract), std::move(exported)};
}

// "a/./b/../c" -> "a/c", "." for nothing.
std::string normal(const std::string& path) {
  std::string out = std::filesystem::path(path).lexically_normal().generic_string();
  while (out.size() > 1 && out.back() == '/')
    out.pop_back();
  return out.empty() ? "." : out;
}

std::string from_root(const LowerOptions& options, const std::string& path) {
  return normal(options.repo_dir == "." ? path : options.repo_dir + "/" + path);
}

std::vector<std::string> cache_key_files(const Resolved& resolved, const LowerOptions& options,
                                         const std::string& output_dir) {
  std::vector<std::string> files;
  for (const ResolvedImage& image : resolved.images) {
    for (const spec::Deps& deps : image.settings.deps) {
      for (const std::string& file : deps.files)
        files.push_back(from_root(options, file));
    }
  }
  files = text::sorted_unique(std::move(files));
  files.push_back(output_dir == "." ? "*.Dockerfile" : output_dir + "/*.Dockerfile");
  return files;
}

// The base most images use, for the helper: the image every job pulls anyway.
std::string common_base(const ir::Build& build) {
  std::map<std::string, int> counts;
  std::string best;
  for (const ir::Image& image : build.images) {
    if (++counts[image.base] > counts[best] || best.empty()) best = image.base;
  }
  return best;
}

}  // namespace

std::string platform_pair(const std::string& platform) {
  std::string pair = platform;
  std::replace(pair.begin(), pair.end(), '/', '-');
  return pair;
}

ir::Ci lower_ci(const Resolved& resolved, const LowerOptions& options, const ir::Build& build,
                Diagnostics& diagnostics) {
  ir::Ci ci;
  if (resolved.images.empty()) return ci;
  // `ci-*` statements are allowed in defaults only: every image has the same ones.
  const spec::Settings& s = resolved.images.front().settings;
  ci.platforms = ci_platforms(resolved, build, s.ci_runners, diagnostics);
  if (s.ci_workflow) {
    if (options.in_repository) {
      ci.workflow = s.ci_workflow->value;
    } else {
      diagnostics.error(s.ci_workflow->location,
                        "'ci-workflow' writes into the repository's .github/workflows/, but the "
                        "spec is in no git repository (no .git above its directory)");
    }
  }
  ci.output_dir = from_root(options, options.output_dir);
  ci.caches = ci_caches(build);
  if (!ci.caches.empty()) ci.cache_stages = cache_stages(ci.caches, common_base(build));
  ci.cache_key_files = cache_key_files(resolved, options, ci.output_dir);
  std::string slug = options.repo_dir == "." ? "root" : options.repo_dir;
  std::replace(slug.begin(), slug.end(), '/', '-');
  ci.cache_key = "rigc-cache-mounts-" + slug;
  return ci;
}

}  // namespace rigc::lowering
