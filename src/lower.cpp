// Lays out each image as stages and layers. The order of layers follows how often
// their inputs change (§4 rule 2), so an edit rebuilds as little as possible:
//
//   base     FROM, SHELL, the base pack's OS packages        shared by all images
//   fetch    curl and xz for downloads                        shared, never final
//   pack-X   one per fetching pack: download, verify, unpack  shared, built in parallel
//   final    packs' OS packages → toolchains → tools → image's OS packages → user →
//            deps → env/args → run steps → sources → metadata
//
// When a pack whose deps the image installs needs build-only OS packages
// (build-apt), the part of `final` up to the user becomes a `runtime` stage, the
// deps are installed in `build` on top of it, and `final` copies their output.
#include "rigc/lower.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "rigc/packs.hpp"
#include "rigc/templates.hpp"
#include "rigc/text.hpp"

namespace rigc {
namespace {

using ir::Instruction;
using ir::Layer;

constexpr const char* kDefaultBase = "debian:bookworm-slim";
constexpr const char* kShell = R"(SHELL ["/bin/bash", "-o", "pipefail", "-c"])";
constexpr const char* kIndent = "    ";

// `RUN` with its mounts and shell lines, one per continuation line.
std::string run_text(const std::vector<std::string>& mounts,
                     const std::vector<std::string>& lines) {
  std::string out = "RUN ";
  bool first = true;
  for (const auto* part : {&mounts, &lines}) {
    for (const std::string& line : *part) {
      if (!first) {
        out += " \\\n";
        out += kIndent;
      }
      first = false;
      out += line;
    }
  }
  return out;
}

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

std::string describe_kind(spec::PackKind kind) {
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

class ImageLowering {
 public:
  ImageLowering(const ResolvedImage& image, const Resolved& resolved, const LowerOptions& options,
                Diagnostics& diagnostics)
      : image_(image), resolved_(resolved), options_(options), diagnostics_(diagnostics) {}

  ir::Image run() {
    const spec::Settings& s = image_.settings;
    out_.name = image_.decl->name.value;
    out_.runner = image_.decl->runner;
    out_.location = image_.decl->name.location;
    out_.dockerfile = out_.name + ".Dockerfile";
    out_.ignore_file = out_.dockerfile + ".dockerignore";
    out_.dockerfile_in_context =
        options_.output_dir == "." ? out_.dockerfile : options_.output_dir + "/" + out_.dockerfile;
    out_.registry = s.registry ? s.registry->value : "";
    out_.repository = s.registry ? s.registry->value + "/" + out_.name : out_.name;
    out_.tag = s.tag ? s.tag->value : "latest";
    if (s.registry) out_.cache_ref = out_.repository + ":buildcache";
    out_.platforms = s.platforms ? s.platforms->value : std::vector<std::string>{};
    base_ = s.base ? s.base->value : kDefaultBase;
    // Rule 11: the built-in frontend of Docker and Buildah by default; newer
    // syntax only when the spec opts in.
    modern_ = s.dockerfile && s.dockerfile->value == "1.7";
    if (modern_) out_.syntax = "docker/dockerfile:1.7";
    if (s.user) {
      out_.user = s.user->name;
      out_.uid = s.user->uid;
      out_.gid = s.user->gid;
    } else {
      out_.user = "runner";
      out_.uid = out_.gid = 1001;
    }
    out_.home = out_.uid == 0 ? "/root" : "/home/" + out_.user;
    owner_ = fmt::format("{}:{}", out_.uid, out_.gid);
    out_.workdir = s.workdir ? s.workdir->value : out_.home;
    for (const ResolvedPack& rp : image_.packs) {
      out_.packs.push_back({rp.pack->name.value, rp.version, rp.reason, rp.fetched, {}});
      for (const auto& v : rp.pack->verify)
        out_.packs.back().verify.push_back(v.value);
    }
    runner_settings();
    compose_settings();
    caches();

    for (const spec::Deps& deps : s.deps) {
      const spec::PackDeps* installer = find_deps_installer(image_, deps);
      for (const ResolvedPack& rp : image_.packs) {
        for (const spec::PackDeps& d : rp.pack->deps) {
          if (&d == installer) {
            deps_.push_back({&deps, installer, &rp});
            if (!rp.pack->build_apt.empty()) build_stage_ = true;
          }
        }
      }
    }

    base_stage();
    fetch_stages();
    final_stages();
    target_stages();
    dockerignore();
    record_copies();
    return std::move(out_);
  }

 private:
  struct DepsStep {
    const spec::Deps* deps;
    const spec::PackDeps* installer;
    const ResolvedPack* pack;
  };

  // --- Settings other emitters read -------------------------------------
  void runner_settings() {
    const spec::Settings& s = image_.settings;
    if (!out_.runner) return;
    std::vector<std::string> labels;
    for (const ResolvedPack& rp : image_.packs) {
      for (const auto& l : rp.pack->labels)
        labels.push_back(l.value);
    }
    for (const auto& l : s.labels)
      labels.push_back(l.value);
    // Keep first occurrences: packs' labels in install order, then the spec's.
    std::set<std::string> seen = {"self-hosted", "linux", "x64", "arm64"};
    for (const std::string& label : labels) {
      if (seen.insert(label).second) out_.runner_labels.push_back(label);
    }
    // The architecture label the runner registers with on each platform (the
    // entrypoint maps `uname -m` the same way); no platforms: the builder's, x64.
    for (const std::string& platform : out_.platforms) {
      std::string arch = platform.substr(platform.find('/') + 1);
      arch = arch.substr(0, arch.find('/'));
      if (arch == "amd64") arch = "x64";
      if (std::find(out_.runner_arches.begin(), out_.runner_arches.end(), arch) ==
          out_.runner_arches.end()) {
        out_.runner_arches.push_back(arch);
      }
    }
    if (out_.runner_arches.empty()) out_.runner_arches.push_back("x64");
    out_.ephemeral = s.ephemeral ? s.ephemeral->value : true;
    out_.runner_group = s.group ? s.group->value : "";
  }

  void compose_settings() {
    const spec::Settings& s = image_.settings;
    if (s.limits) out_.limits = {s.limits->cpus, s.limits->memory};
    if (s.reserve) out_.reserve = {s.reserve->cpus, s.reserve->memory};
    out_.replicas = s.replicas ? s.replicas->value : -1;
    out_.restart = s.restart ? s.restart->value : (out_.runner ? "unless-stopped" : "");
    for (const auto& port : s.expose)
      out_.expose.push_back(port.value);
    for (const spec::Pair& e : s.env)
      out_.env.emplace_back(e.key, e.value);
    if (s.healthcheck) {
      const spec::Healthcheck& h = *s.healthcheck;
      out_.healthcheck = ir::Healthcheck{h.command, h.interval, h.timeout, h.start, h.retries};
    }
  }

  std::string cache_path(const std::string& name, const std::string& written) const {
    std::string path = written;
    if (path.empty()) {
      const StockCache* stock = find_stock_cache(name);
      path = stock != nullptr ? stock->path : "";
    }
    return text::expand_home(path, out_.home);
  }

  ir::Cache make_cache(const spec::Cache& cache) const {
    return {cache.name, cache_path(cache.name, cache.path),
            fmt::format("{}-{}", cache.name, out_.uid)};
  }

  void caches() {
    std::set<std::string> seen;
    for (const spec::Cache& cache : image_.settings.caches) {
      if (cache.name == "apt") continue;  // the apt cache is always mounted at build time
      if (seen.insert(cache.name).second) out_.caches.push_back(make_cache(cache));
    }
  }

  std::string cache_mount(const ir::Cache& cache) const {
    return fmt::format("--mount=type=cache,target={},id={},uid={},gid={}", cache.path, cache.id,
                       out_.uid, out_.gid);
  }

  // Mounts for a step of `pack` (or of the image when null): the pack's caches and
  // the image's caches, and the image's secrets.
  std::vector<std::string> step_mounts(const spec::PackDecl* pack) const {
    std::vector<std::string> mounts;
    std::set<std::string> seen;
    const auto add = [&](const spec::Cache& cache) {
      if (cache.name == "apt" || !seen.insert(cache.name).second) return;
      mounts.push_back(cache_mount(make_cache(cache)));
    };
    if (pack != nullptr) {
      for (const spec::Cache& cache : pack->caches)
        add(cache);
    }
    for (const spec::Cache& cache : image_.settings.caches) {
      if (pack == nullptr ||
          std::any_of(pack->caches.begin(), pack->caches.end(),
                      [&](const spec::Cache& c) { return c.name == cache.name; })) {
        add(cache);
      }
    }
    for (const spec::Secret& secret : image_.settings.secrets) {
      const std::string target =
          !secret.target.empty() ? secret.target : "/run/secrets/" + secret.id;
      mounts.push_back(fmt::format("--mount=type=secret,id={},target={},uid={},required=true",
                                   secret.id, target, out_.uid));
    }
    return mounts;
  }

  // Secrets given as `env NAME` are exported from their files for the one command.
  std::string with_secret_env(const std::string& command) const {
    std::string prefix;
    for (const spec::Secret& secret : image_.settings.secrets) {
      if (secret.env.empty()) continue;
      const std::string target =
          !secret.target.empty() ? secret.target : "/run/secrets/" + secret.id;
      prefix += fmt::format("{}=\"$(cat {})\" ", secret.env, target);
    }
    return prefix.empty() ? command : prefix + "&& export " + secret_env_names() + " && " + command;
  }

  std::string secret_env_names() const {
    std::vector<std::string> names;
    for (const spec::Secret& secret : image_.settings.secrets) {
      if (!secret.env.empty()) names.push_back(secret.env);
    }
    return text::join(names, " ");
  }

  // Both apt directories are cache mounts; only /var/lib/apt is locked. Every apt
  // step rigc emits takes that lock, so apt steps never overlap and the archive
  // cache needs no lock of its own — and Buildah 1.28 hangs on the next RUN when
  // one RUN holds two locked cache mounts (containers/buildah#4342).
  std::vector<std::string> apt_mounts() const {
    const std::string id = slug(base_);
    return {
        fmt::format("--mount=type=cache,target=/var/cache/apt,id=apt-cache-{}", id),
        fmt::format("--mount=type=cache,target=/var/lib/apt,sharing=locked,id=apt-lists-{}", id)};
  }

  // One apt layer: update and install a sorted, de-duplicated package set.
  Instruction apt_layer(std::vector<std::string> packages, Layer layer, const std::string& what,
                        const std::string& why, bool keep_cache) const {
    packages = text::sorted_unique(std::move(packages));
    std::string listed;
    for (std::size_t i = 0; i < packages.size(); ++i) {
      if (i > 0) listed += '\n';
      listed += "  " + packages[i];
    }
    std::vector<std::string> lines;
    if (keep_cache) {
      lines = text::lines(render_template("apt-keep-cache.sh", {}));
    }
    std::vector<std::string> install =
        text::lines(render_template("apt-install.sh", {{"packages", listed}}));
    if (keep_cache && !install.empty()) install[0] = "&& " + install[0];
    lines.insert(lines.end(), install.begin(), install.end());
    Instruction in;
    in.comments = {what,
                   "Versions come from the base image's release, unpinned on purpose (DL3008).",
                   "hadolint ignore=DL3008"};
    in.text = run_text(apt_mounts(), lines);
    in.layer = layer;
    in.why = why;
    return in;
  }

  static Instruction make(std::string text, Layer layer, std::string why,
                          std::vector<std::string> comments = {}) {
    Instruction in;
    in.text = std::move(text);
    in.layer = layer;
    in.why = std::move(why);
    in.comments = std::move(comments);
    return in;
  }

  ir::Stage& stage(const std::string& name, const std::string& from, const std::string& purpose) {
    out_.stages.push_back({name, from, purpose, {}, {}});
    out_.stages.back().instructions.push_back(
        make(kShell, Layer::stage, "bash with pipefail, so a failing pipe fails the build"));
    return out_.stages.back();
  }

  // --- Stages --------------------------------------------------------------
  void base_stage() {
    ir::Stage& base =
        stage("base", base_, fmt::format("the OS image, shared by every image on {}", base_));
    std::vector<std::string> packages;
    for (const ResolvedPack& rp : image_.packs) {
      if (rp.pack->name.value != "base") continue;
      for (const auto& p : rp.pack->apt)
        packages.push_back(p.value);
    }
    if (packages.empty()) packages.push_back("ca-certificates");
    base.instructions.push_back(apt_layer(packages, Layer::os_packages,
                                          "The base pack's OS packages; keep .debs for the "
                                          "apt cache mounts.",
                                          "changes when the base image or the base pack changes",
                                          true));
  }

  bool any_fetch() const {
    return std::any_of(image_.packs.begin(), image_.packs.end(),
                       [](const ResolvedPack& rp) { return rp.fetched; });
  }

  void fetch_stages() {
    if (!any_fetch()) return;
    ir::Stage& fetch =
        stage("fetch", "base", "download tools for the pack stages; never in the final image");
    fetch.instructions.push_back(apt_layer({"ca-certificates", "curl", "unzip", "xz-utils"},
                                           Layer::os_packages, "Download tools.",
                                           "changes when the base stage changes", false));
    for (const ResolvedPack& rp : image_.packs) {
      if (rp.fetched) pack_stage(rp);
    }
  }

  void pack_stage(const ResolvedPack& rp) {
    const spec::PackDecl& pack = *rp.pack;
    const spec::Fetch& fetch = *pack.fetch;
    const std::string name = pack.name.value;
    const std::string stem = text::arg_stem(name);
    ir::Stage& st = stage("pack-" + name, "fetch",
                          fmt::format("pack {} {}, downloaded and checked; only {} is copied out",
                                      name, rp.version, fetch.extract));
    st.instructions.push_back(make(fmt::format("ARG {}_VERSION={}", stem, rp.version), Layer::stage,
                                   "the pack's version; override with --build-arg"));
    out_.build_args.emplace_back(stem + "_VERSION", rp.version);
    if (!fetch.mirror.empty()) {
      st.instructions.push_back(make(fmt::format("ARG {}_MIRROR={}", stem, fetch.mirror),
                                     Layer::stage,
                                     "where archives are downloaded from; override for a mirror"));
      out_.build_args.emplace_back(stem + "_MIRROR", fetch.mirror);
    }
    st.instructions.push_back(make("ARG TARGETARCH", Layer::stage, "the architecture being built"));

    // Every version with checksums, so --build-arg can pick another listed one.
    // The upstream spelling of the architecture only where the URL uses it (an
    // archive for every architecture, such as npm's, needs none).
    const bool uses_arch = fetch.url.value.find("@arch@") != std::string::npos;
    std::string cases;
    for (const spec::Checksum& sum : fetch.checksums) {
      std::string upstream = sum.arch;
      for (const spec::Pair& mapping : fetch.arch) {
        if (mapping.key == sum.arch) upstream = mapping.value;
      }
      if (!cases.empty()) cases += '\n';
      cases += fmt::format("  {}/{}) {}sha256={} ;;", sum.version, sum.arch,
                           uses_arch ? "arch=" + upstream + " " : "", sum.sha256);
    }
    std::string url = fetch.url.value;
    const auto replace = [&](const std::string& from, const std::string& to) {
      for (std::size_t at = url.find(from); at != std::string::npos;
           at = url.find(from, at + to.size())) {
        url.replace(at, from.size(), to);
      }
    };
    replace("@mirror@", "${" + stem + "_MIRROR}");
    replace("@version@", "${" + stem + "_VERSION}");
    replace("@arch@", "${arch}");
    const std::string body =
        render_template("fetch.sh", {{"stem", stem},
                                     {"pack", name},
                                     {"cases", cases},
                                     {"url", url},
                                     {"dir", text::shell_quote(fetch.extract)},
                                     {"extract", extract_command(fetch, name)}});
    st.instructions.push_back(
        make(run_text({}, text::lines(body)), Layer::toolchains,
             "changes when the pack's version or checksums change",
             {"Download, verify the SHA-256 (a mismatch fails the build), unpack."}));
  }

  static bool is_zip(const spec::Fetch& fetch) {
    const std::string& url = fetch.url.value;
    return url.size() >= 4 && url.compare(url.size() - 4, 4, ".zip") == 0;
  }

  static std::string extract_command(const spec::Fetch& fetch, const std::string& pack) {
    const std::string archive = "/tmp/" + pack + ".archive";
    const std::string dir = text::shell_quote(fetch.extract);
    if (is_zip(fetch)) return fmt::format("unzip -q {} -d {}", archive, dir);
    return fmt::format("tar -xf {} -C {}{}", archive, dir,
                       fetch.strip > 0 ? fmt::format(" --strip-components={}", fetch.strip) : "");
  }

  void final_stages() {
    const spec::Settings& s = image_.settings;
    const std::string first = build_stage_ ? "runtime" : "final";
    ir::Stage* st =
        &stage(first, "base",
               build_stage_ ? "everything the image runs with, before its dependencies"
                            : fmt::format("the {} image", out_.runner ? "runner" : "application"));
    // 1. The packs' OS packages, one layer.
    std::vector<std::string> packages;
    std::vector<std::string> with_packages;
    for (const ResolvedPack& rp : image_.packs) {
      if (rp.pack->name.value == "base") continue;
      const std::size_t before = packages.size();
      for (const auto& p : rp.pack->apt)
        packages.push_back(p.value);
      if (rp.system != nullptr) {
        for (const auto& p : rp.system->packages)
          packages.push_back(p);
      }
      if (packages.size() > before) with_packages.push_back(rp.pack->name.value);
    }
    if (!packages.empty()) {
      st->instructions.push_back(apt_layer(
          packages, Layer::os_packages,
          fmt::format("OS packages of the packs ({}), one layer.", text::join(with_packages, ", ")),
          "changes when a pack is added or removed", false));
    }
    // 2-3. Toolchains and tools from their stages, then the packs' environment.
    for (const spec::PackKind kind :
         {spec::PackKind::system, spec::PackKind::toolchain, spec::PackKind::tool}) {
      for (const ResolvedPack& rp : image_.packs) {
        if (!rp.fetched || rp.pack->kind != kind) continue;
        const spec::Fetch& fetch = *rp.pack->fetch;
        const std::string chown = fetch.owned ? fmt::format(" --chown={}", owner_) : "";
        st->instructions.push_back(
            make(fmt::format("COPY{} --from=pack-{}{} {} {}", modern_ ? " --link" : "",
                             rp.pack->name.value, chown, fetch.extract, fetch.extract),
                 kind == spec::PackKind::tool ? Layer::tools : Layer::toolchains,
                 fmt::format("changes when {} {} changes ({})", rp.pack->name.value, rp.version,
                             describe_kind(kind))));
      }
    }
    pack_environment(*st);
    // 4. The user, its directories, the packs' setup steps.
    user_setup(*st);
    // 5. The image's own OS packages ("extra OS packages for the final image"): a
    // small layer after everything the packs install, so adding one reruns no
    // toolchain; with a build stage, in the final stage only, so it reruns no
    // build step either. What a dependency build needs comes from its pack.
    std::vector<std::string> own;
    for (const auto& p : s.apt)
      own.push_back(p.value);
    const std::string own_what =
        "The image's own OS packages: a small, late layer, so adding one is quick.";
    const std::string own_why = "changes when the image's apt list changes";
    if (build_stage_) {
      ir::Stage& build = stage("build", "runtime", "dependencies built with build-only packages");
      if (out_.uid != 0)
        build.instructions.push_back(
            make("USER root", Layer::deps, "build-only packages need root"));
      std::vector<std::string> build_packages;
      for (const DepsStep& step : deps_) {
        for (const auto& p : step.pack->pack->build_apt)
          build_packages.push_back(p.value);
      }
      if (!build_packages.empty()) {
        build.instructions.push_back(
            apt_layer(build_packages, Layer::deps,
                      "Build-only OS packages: they never reach the final image.",
                      "changes when a pack's build-apt changes", false));
      }
      if (out_.uid != 0)
        build.instructions.push_back(
            user_step(Layer::deps, "dependencies install as the image user"));
      deps_steps(build);
      st = &stage("final", "runtime",
                  fmt::format("the {} image", out_.runner ? "runner" : "application"));
      if (own.empty() || out_.uid == 0)
        st->instructions.push_back(user_step(Layer::user, "the image runs as its user"));
      own_packages(*st, own, own_what, own_why);
      for (const DepsStep& step : deps_) {
        const std::string into = absolute_in_workdir(step.installer->into);
        if (into.empty()) continue;
        st->instructions.push_back(
            make(fmt::format("COPY --from=build --chown={} {} {}", owner_, into, into), Layer::deps,
                 fmt::format("changes when {} changes", text::join(step.deps->files, " "))));
      }
    } else {
      own_packages(*st, own, own_what, own_why);
      deps_steps(*st);
    }
    // 6. Build args and environment of the image.
    config(*st, s, Layer::config);
    // 7. Custom run steps.
    run_steps(*st, s.runs, nullptr, Layer::run);
    remake_cache_dirs(*st);
    // 8. Sources, last.
    sources(*st, s);
    // 9. Metadata.
    metadata(*st, s);
  }

  // An apt layer after the image user is set: as root, then back to the user.
  void own_packages(ir::Stage& st, const std::vector<std::string>& packages,
                    const std::string& what, const std::string& why) const {
    if (packages.empty()) return;
    if (out_.uid != 0)
      st.instructions.push_back(make("USER root", Layer::image_packages, "OS packages need root"));
    st.instructions.push_back(apt_layer(packages, Layer::image_packages, what, why, false));
    if (out_.uid != 0)
      st.instructions.push_back(make(user_instruction(), Layer::user, "back to the image user"));
  }

  // Buildah 1.28 removes a cache mount's target directory from the image after
  // the RUN that mounts it (containers/buildah#4927). The user's cache directories
  // are made again after the last such RUN of the image, so that a volume mounted
  // there at run time starts out as the user's. BuildKit keeps them: a no-op there.
  void remake_cache_dirs(ir::Stage& st) {
    if (out_.uid == 0) return;
    const std::string flag = "--mount=type=cache,target=";
    std::vector<std::string> dirs;
    for (const ir::Stage& s : out_.stages) {
      if (s.name != "runtime" && &s != &st) continue;  // the final image's stages
      for (const ir::Instruction& in : s.instructions) {
        for (std::size_t at = in.text.find(flag); at != std::string::npos;
             at = in.text.find(flag, at + 1)) {
          const std::size_t from = at + flag.size();
          const std::string path = in.text.substr(from, in.text.find(',', from) - from);
          // Under the home the parents are the user's, so the user can make them.
          if (path.rfind(out_.home + "/", 0) == 0 &&
              std::find(dirs.begin(), dirs.end(), path) == dirs.end())
            dirs.push_back(path);
        }
      }
    }
    if (dirs.empty()) return;
    std::string line = "mkdir -p";
    for (const std::string& d : dirs)
      line += " " + text::shell_quote(d);
    ir::Instruction& last = st.instructions.back();
    if (last.text.rfind("RUN ", 0) == 0 && last.text.compare(4, 2, "--") != 0) {
      last.text += std::string(" \\\n") + kIndent + "&& " + line;  // no second RUN (DL3059)
      return;
    }
    st.instructions.push_back(
        make(run_text({}, {line}), Layer::run, "the cache directories again, for Buildah",
             {"Buildah drops a cache mount's directory from the image (containers/buildah#4927):",
              "the user's cache directories again, so volumes mounted there stay the user's."}));
  }

  std::string user_instruction() const {
    return out_.uid == 0 ? std::string("USER root") : fmt::format("USER {}", owner_);
  }

  // The USER that a stage runs as; for root, with the suppression and its reason.
  Instruction user_step(Layer layer, const std::string& why) const {
    if (out_.uid != 0) return make(user_instruction(), layer, why);
    return make("USER root", layer, why,
                {"The spec asks for 'user root' (DL3002 is suppressed on purpose).",
                 "hadolint ignore=DL3002"});
  }

  std::string absolute_in_workdir(const std::string& path) const {
    if (path.empty() || path[0] == '/') return text::expand_home(path, out_.home);
    if (path[0] == '~') return text::expand_home(path, out_.home);
    return out_.workdir + (out_.workdir == "/" ? "" : "/") + path;
  }

  void pack_environment(ir::Stage& st) {
    std::vector<spec::Pair> env;
    std::vector<std::string> path;
    for (const ResolvedPack& rp : image_.packs) {
      for (const auto& p : rp.pack->paths)
        path.push_back(text::expand_home(p.value, out_.home));
      for (const spec::Pair& e : rp.pack->env)
        env.push_back(e);
    }
    std::vector<std::pair<std::string, std::string>> vars;
    for (const spec::Pair& e : env)
      vars.emplace_back(e.key, text::expand_home(e.value, out_.home));
    if (!path.empty()) {
      std::vector<std::string> unique;
      for (const std::string& p : path) {
        if (std::find(unique.begin(), unique.end(), p) == unique.end()) unique.push_back(p);
      }
      vars.emplace_back("PATH", text::join(unique, ":") + ":$PATH");
    }
    env_instructions(st, vars, Layer::tools, "changes when a pack's environment changes",
                     "The packs' environment.");
  }

  // ENV instructions: one per group of variables, split where a value refers to a
  // variable set earlier in the same instruction (DL3044). Later duplicates win.
  void env_instructions(ir::Stage& st, std::vector<std::pair<std::string, std::string>> vars,
                        Layer layer, const std::string& why, const std::string& comment) {
    std::vector<std::pair<std::string, std::string>> unique;
    for (auto& var : vars) {
      auto it = std::find_if(unique.begin(), unique.end(),
                             [&](const auto& u) { return u.first == var.first; });
      if (it != unique.end()) {
        it->second = var.second;
      } else {
        unique.push_back(var);
      }
    }
    if (unique.empty()) return;
    std::vector<std::vector<std::pair<std::string, std::string>>> groups(1);
    for (const auto& var : unique) {
      bool refers = false;
      // A value without '$' refers to nothing (most do; this loop is per pair).
      if (var.second.find('$') == std::string::npos) {
        groups.back().push_back(var);
        continue;
      }
      for (const auto& earlier : groups.back()) {
        const std::string& v = var.second;
        for (const std::string& form : {"$" + earlier.first, "${" + earlier.first + "}"}) {
          const auto at = v.find(form);
          if (at == std::string::npos) continue;
          const std::size_t end = at + form.size();
          const bool word_end =
              form.back() == '}' || end == v.size() ||
              !(std::isalnum(static_cast<unsigned char>(v[end])) || v[end] == '_');
          refers = refers || word_end;
        }
      }
      if (refers) groups.emplace_back();
      groups.back().push_back(var);
    }
    bool first = true;
    for (const auto& group : groups) {
      std::string line = "ENV";
      for (std::size_t i = 0; i < group.size(); ++i) {
        line += (i == 0 ? " " : std::string(" \\\n") + kIndent) + group[i].first + "=" +
                text::dockerfile_value(group[i].second, true);
      }
      st.instructions.push_back(make(line, layer, why,
                                     first && !comment.empty() ? std::vector<std::string>{comment}
                                                               : std::vector<std::string>{}));
      first = false;
    }
  }

  // Directories the user owns: the image's `dirs`, the packs' `dirs`, cache
  // mount points and their parents inside the home, so nothing is left root-owned.
  std::vector<std::string> owned_dirs() const {
    std::vector<std::string> dirs;
    const auto add_with_parents = [&](const std::string& path) {
      if (path.rfind(out_.home + "/", 0) == 0) {
        for (std::size_t at = path.find('/', out_.home.size() + 1); at != std::string::npos;
             at = path.find('/', at + 1)) {
          dirs.push_back(path.substr(0, at));
        }
      }
      dirs.push_back(path);
    };
    for (const ResolvedPack& rp : image_.packs) {
      for (const auto& d : rp.pack->dirs)
        add_with_parents(text::expand_home(d.value, out_.home));
      for (const spec::Cache& c : rp.pack->caches) {
        if (c.name != "apt") add_with_parents(cache_path(c.name, c.path));
      }
    }
    for (const ir::Cache& c : out_.caches)
      add_with_parents(c.path);
    // The workdir too: dependency installers and `run` steps run there as the
    // user and write into it (bundler's .bundle/config, npm's node_modules).
    if (out_.uid != 0 && out_.workdir != "/") add_with_parents(out_.workdir);
    for (const auto& d : image_.settings.dirs)
      add_with_parents(text::expand_home(d.value, out_.home));
    std::vector<std::string> unique;
    for (const std::string& d : dirs) {
      if (d != out_.home && std::find(unique.begin(), unique.end(), d) == unique.end())
        unique.push_back(d);
    }
    return unique;
  }

  void user_setup(ir::Stage& st) {
    std::vector<std::string> lines;
    if (out_.uid != 0) {
      lines = text::lines(render_template("useradd.sh", {{"uid", std::to_string(out_.uid)},
                                                         {"gid", std::to_string(out_.gid)},
                                                         {"user", out_.user},
                                                         {"home", out_.home}}));
    }
    const std::vector<std::string> dirs = owned_dirs();
    if (!dirs.empty()) {
      // install -d creates each directory and owns exactly that one: no recursion.
      std::string line = fmt::format("install -d -o {} -g {}", out_.uid, out_.gid);
      for (const std::string& d : dirs)
        line += " " + text::shell_quote(d);
      lines.push_back((lines.empty() ? "" : "&& ") + line);
    }
    std::vector<Step> steps;
    for (const ResolvedPack& rp : image_.packs) {
      for (const spec::Run& run : rp.pack->runs)
        steps.push_back({&run, rp.pack});
    }
    // The packs' first steps that run as root join this RUN while the stage still
    // is root: no USER switch to and fro, no second RUN in a row (DL3059).
    const auto first_as_user = std::find_if(steps.begin(), steps.end(), [&](const Step& step) {
      return !step.run->as_root || out_.uid == 0;
    });
    std::vector<std::string> mounts;
    for (auto step = steps.begin(); step != first_as_user; ++step) {
      add_mounts(mounts, *step);
      lines.push_back((lines.empty() ? "" : "&& ") + step->run->command);
    }
    if (!lines.empty()) {
      st.instructions.push_back(make(
          run_text(mounts, lines), Layer::user,
          "changes when the user, its directories or the packs' root steps change",
          {fmt::format("The user {} ({}) and the directories it owns, each chowned on its "
                       "own, never recursively{}.",
                       out_.user, owner_,
                       steps.begin() == first_as_user ? "" : "; then the packs' steps as root")}));
    }
    st.instructions.push_back(
        make("WORKDIR " + out_.workdir, Layer::user, "the working directory"));
    st.instructions.push_back(user_step(Layer::user, "later steps run as the user"));
    run_steps(st, {first_as_user, steps.end()}, Layer::user,
              "setup steps of the packs: change when a pack changes");
  }

  // Consecutive steps run as one RUN (DL3059) with the union of their mounts; a
  // step `as root` gets a RUN of its own between USER switches.
  struct Step {
    const spec::Run* run;
    const spec::PackDecl* pack;
  };

  // Adds the mounts of a step that `mounts` lacks: its pack's caches (a pack's
  // step gets no secrets).
  void add_mounts(std::vector<std::string>& mounts, const Step& step) {
    for (const std::string& m : step_mounts(step.pack)) {
      if (step.pack != nullptr && m.find("type=secret") != std::string::npos) continue;
      if (std::find(mounts.begin(), mounts.end(), m) == mounts.end()) mounts.push_back(m);
    }
  }

  void run_steps(ir::Stage& st, const std::vector<Step>& steps, Layer layer,
                 const std::string& why) {
    std::size_t i = 0;
    while (i < steps.size()) {
      const bool root = steps[i].run->as_root && out_.uid != 0;
      std::vector<std::string> mounts, commands;
      for (; i < steps.size() && (steps[i].run->as_root && out_.uid != 0) == root; ++i) {
        const Step& step = steps[i];
        add_mounts(mounts, step);
        if (commands.empty() && step.pack == nullptr) {
          commands.push_back(with_secret_env(step.run->command));
        } else {
          commands.push_back(commands.empty() ? step.run->command : "&& " + step.run->command);
        }
        if (root) {
          ++i;
          break;
        }
      }
      if (root) st.instructions.push_back(make("USER root", layer, "the next step runs as root"));
      st.instructions.push_back(make(run_text(mounts, commands), layer, why));
      if (root)
        st.instructions.push_back(make(user_instruction(), layer, "back to the image user"));
    }
  }

  void run_steps(ir::Stage& st, const std::vector<spec::Run>& runs, const spec::PackDecl* pack,
                 Layer layer) {
    std::vector<Step> steps;
    for (const spec::Run& run : runs)
      steps.push_back({&run, pack});
    run_steps(st, steps, layer, "a custom step: changes when its command changes");
  }

  void deps_steps(ir::Stage& st) {
    for (const DepsStep& step : deps_) {
      // Manifests grouped by directory, copied to the same place under the workdir.
      std::string dir;
      const auto slash = step.deps->files.front().rfind('/');
      if (slash != std::string::npos) dir = step.deps->files.front().substr(0, slash);
      const std::string dest =
          out_.workdir + (out_.workdir == "/" ? "" : "/") + (dir.empty() ? "" : dir + "/");
      std::string copy = fmt::format("COPY --chown={}", owner_);
      for (const std::string& f : step.deps->files)
        copy += " " + f;
      copy += " " + dest;
      const std::string files = text::join(step.deps->files, " ");
      st.instructions.push_back(make(copy, Layer::deps,
                                     fmt::format("changes when {} changes", files),
                                     {fmt::format("Dependencies: installed before the sources, so "
                                                  "they rebuild only when {} changes.",
                                                  files)}));
      const bool moved = !dir.empty();
      if (moved)
        st.instructions.push_back(make("WORKDIR " + dest.substr(0, dest.size() - 1), Layer::deps,
                                       "the manifests' directory"));
      st.instructions.push_back(
          make(run_text(step_mounts(step.pack->pack), {with_secret_env(step.installer->command)}),
               Layer::deps, fmt::format("changes when {} changes", files)));
      if (moved)
        st.instructions.push_back(
            make("WORKDIR " + out_.workdir, Layer::deps, "back to the workdir"));
    }
  }

  void config(ir::Stage& st, const spec::Settings& s, Layer layer) {
    for (const spec::Pair& arg : s.args) {
      st.instructions.push_back(
          make(arg.has_value
                   ? fmt::format("ARG {}={}", arg.key, text::dockerfile_value(arg.value, false))
                   : fmt::format("ARG {}", arg.key),
               layer, "a build argument: steps after it rebuild when it changes"));
      if (arg.has_value) out_.build_args.emplace_back(arg.key, arg.value);
    }
    std::vector<std::pair<std::string, std::string>> vars;
    for (const spec::Pair& e : s.env)
      vars.emplace_back(e.key, e.value);
    env_instructions(st, vars, layer,
                     "the image's environment, after its dependencies so a change "
                     "does not reinstall them",
                     "");
  }

  void sources(ir::Stage& st, const spec::Settings& s) {
    bool first = true;
    for (const spec::Copy& copy : s.copies) {
      st.instructions.push_back(
          make(fmt::format("COPY --chown={} {} {}", owner_, copy.source, copy.dest), Layer::sources,
               "sources change most often, so they come last",
               first ? std::vector<std::string>{"Sources last: an edit rebuilds only what follows."}
                     : std::vector<std::string>{}));
      first = false;
    }
    if (out_.runner) {
      const std::string entry = options_.output_dir == "."
                                    ? "runner-entrypoint.sh"
                                    : options_.output_dir + "/runner-entrypoint.sh";
      st.instructions.push_back(make(
          fmt::format("COPY --chown=0:0 --chmod=755 {} /usr/local/bin/runner-entrypoint.sh", entry),
          Layer::sources, "changes when the runner entrypoint changes",
          {"The generated entrypoint: registers, runs and deregisters the runner."}));
    }
  }

  void metadata(ir::Stage& st, const spec::Settings& s) {
    std::vector<std::pair<std::string, std::string>> labels = {
        {"org.opencontainers.image.title", out_.name},
        {"org.opencontainers.image.version", out_.tag},
        {"org.opencontainers.image.base.name", base_},
    };
    std::vector<std::string> packs;
    for (const ir::Pack& p : out_.packs)
      packs.push_back(p.version.empty() ? p.name : p.name + "@" + p.version);
    labels.emplace_back("dev.rigc.packs", text::join(packs, " "));
    for (const spec::Pair& l : s.oci_labels) {
      auto it = std::find_if(labels.begin(), labels.end(),
                             [&](const auto& x) { return x.first == l.key; });
      if (it != labels.end()) {
        it->second = l.value;
      } else {
        labels.emplace_back(l.key, l.value);
      }
    }
    st.instructions.push_back(make(label_text(labels), Layer::metadata, "metadata: cheap to change",
                                   {"Metadata last: it changes nothing on disk."}));
    if (out_.runner) {
      std::vector<std::pair<std::string, std::string>> vars = {
          {"RUNNER_LABELS", text::join(out_.runner_labels, ",")},
          {"RUNNER_EPHEMERAL", out_.ephemeral ? "true" : "false"}};
      if (!out_.runner_group.empty()) vars.emplace_back("RUNNER_GROUP", out_.runner_group);
      if (vars[0].second.empty()) vars.erase(vars.begin());
      env_instructions(st, vars, Layer::metadata, "the runner's registration settings", "");
    }
    if (!out_.expose.empty()) {
      st.instructions.push_back(make("EXPOSE " + text::join(out_.expose, " "), Layer::metadata,
                                     "documentation of ports"));
    }
    if (s.healthcheck) st.instructions.push_back(healthcheck_instruction(*s.healthcheck));
    if (out_.runner && !s.entrypoint) {
      st.instructions.push_back(make(R"(ENTRYPOINT ["/usr/local/bin/runner-entrypoint.sh"])",
                                     Layer::metadata, "the runner entrypoint"));
    }
    if (s.entrypoint)
      st.instructions.push_back(make("ENTRYPOINT " + text::json_array(s.entrypoint->args),
                                     Layer::metadata, "the entrypoint"));
    if (s.cmd)
      st.instructions.push_back(
          make("CMD " + text::json_array(s.cmd->args), Layer::metadata, "the default command"));
  }

  void target_stages() {
    out_.default_target = "final";
    for (const spec::Target& target : image_.settings.targets) {
      if (target.name.value == "base" || target.name.value == "fetch" ||
          target.name.value == "final" || target.name.value == "build" ||
          target.name.value == "runtime" || target.name.value == "release" ||
          target.name.value.rfind("pack-", 0) == 0) {
        diagnostics_.error(
            target.name.location,
            fmt::format("target name '{}' is taken by a generated stage", target.name.value));
        continue;
      }
      const spec::Settings& t = target.settings;
      ir::Stage& st =
          stage(target.name.value, "final",
                fmt::format("target '{}': the final image plus its additions", target.name.value));
      std::vector<std::string> own;
      for (const auto& p : t.apt)
        own.push_back(p.value);
      own_packages(st, own, fmt::format("OS packages of target {}.", target.name.value),
                   "changes when the target's apt list changes");
      if (!t.dirs.empty()) {
        std::string line = fmt::format("install -d -o {} -g {}", out_.uid, out_.gid);
        for (const auto& d : t.dirs)
          line += " " + text::shell_quote(text::expand_home(d.value, out_.home));
        st.instructions.push_back(
            make("USER root", Layer::user, "directories are created by root"));
        st.instructions.push_back(
            make(run_text({}, {line}), Layer::user, "the target's owned directories"));
        st.instructions.push_back(make(user_instruction(), Layer::user, "back to the image user"));
      }
      if (t.workdir)
        st.instructions.push_back(
            make("WORKDIR " + t.workdir->value, Layer::user, "the target's working directory"));
      config(st, t, Layer::config);
      run_steps(st, t.runs, nullptr, Layer::run);
      sources(st, t);
      // Only the target's own metadata; the final stage's is inherited.
      if (!t.oci_labels.empty()) {
        std::vector<std::pair<std::string, std::string>> labels;
        for (const spec::Pair& l : t.oci_labels)
          labels.emplace_back(l.key, l.value);
        st.instructions.push_back(make(label_text(labels), Layer::metadata, "the target's labels"));
      }
      if (!t.expose.empty()) {
        std::vector<std::string> ports;
        for (const auto& p : t.expose)
          ports.push_back(p.value);
        st.instructions.push_back(
            make("EXPOSE " + text::join(ports, " "), Layer::metadata, "the target's ports"));
      }
      if (t.healthcheck) st.instructions.push_back(healthcheck_instruction(*t.healthcheck));
      if (t.entrypoint)
        st.instructions.push_back(make("ENTRYPOINT " + text::json_array(t.entrypoint->args),
                                       Layer::metadata, "the target's entrypoint"));
      if (t.cmd)
        st.instructions.push_back(
            make("CMD " + text::json_array(t.cmd->args), Layer::metadata, "the target's command"));
      out_.targets.push_back(target.name.value);
    }
    if (!out_.targets.empty()) {
      out_.default_target = "release";
      // The last stage is what a plain `docker build` builds: keep it the lean one.
      out_.stages.push_back({"release",
                             "final",
                             "the default target: the lean final image (a plain "
                             "`docker build` builds the last stage)",
                             {},
                             {}});
    }
  }

  static Instruction healthcheck_instruction(const spec::Healthcheck& h) {
    std::string line = "HEALTHCHECK";
    if (!h.interval.empty()) line += " --interval=" + h.interval;
    if (!h.timeout.empty()) line += " --timeout=" + h.timeout;
    if (!h.start.empty()) line += " --start-period=" + h.start;
    if (h.retries > 0) line += fmt::format(" --retries={}", h.retries);
    return make(line + " CMD " + h.command, Layer::metadata, "the container's health check");
  }

  static std::string label_text(const std::vector<std::pair<std::string, std::string>>& labels) {
    std::string label = "LABEL";
    for (std::size_t i = 0; i < labels.size(); ++i) {
      label += (i == 0 ? " " : std::string(" \\\n") + kIndent) + labels[i].first + "=" +
               text::dockerfile_value(labels[i].second, false);
    }
    return label;
  }

  // The stage graph: which stages each stage copies files from.
  void record_copies() {
    for (ir::Stage& stage : out_.stages) {
      for (const Instruction& in : stage.instructions) {
        const auto at = in.text.find("--from=");
        if (in.text.rfind("COPY", 0) != 0 || at == std::string::npos) continue;
        const std::string from = in.text.substr(at + 7, in.text.find(' ', at) - at - 7);
        if (std::find(stage.copies_from.begin(), stage.copies_from.end(), from) ==
            stage.copies_from.end()) {
          stage.copies_from.push_back(from);
        }
      }
    }
  }

  // --- .dockerignore --------------------------------------------------------
  void dockerignore() {
    std::vector<std::string> lines;
    const std::vector<std::string>& user = resolved_.ignore;
    const bool allow_list = !user.empty() && user.front() == "*";
    const std::vector<std::string> defaults =
        text::lines(render_template("dockerignore-defaults.txt", {}));
    const auto add_generated = [&]() {
      lines.push_back("# The spec and rigc's outputs are not sources.");
      lines.push_back(options_.spec_name);
      if (options_.output_dir == ".") {
        lines.push_back("*.Dockerfile");
        lines.push_back("*.Dockerfile.dockerignore");
        lines.push_back(".rigc-manifest");
      } else {
        lines.push_back(options_.output_dir);
      }
    };
    if (allow_list) {
      lines.push_back("# Allow-list mode (the spec's ignore block starts with '*').");
      for (const std::string& p : user)
        lines.push_back(p);
      lines.insert(lines.end(), defaults.begin(), defaults.end());
      add_generated();
    } else {
      lines.insert(lines.end(), defaults.begin(), defaults.end());
      add_generated();
      if (!user.empty()) {
        lines.push_back("# From the spec's ignore block.");
        for (const std::string& p : user)
          lines.push_back(p);
      }
    }
    if (out_.runner) {
      lines.push_back("# What this image needs from the output directory.");
      lines.push_back("!" + (options_.output_dir == "."
                                 ? std::string("runner-entrypoint.sh")
                                 : options_.output_dir + "/runner-entrypoint.sh"));
    }
    out_.ignore = lines;
  }

  const ResolvedImage& image_;
  const Resolved& resolved_;
  const LowerOptions& options_;
  Diagnostics& diagnostics_;
  ir::Image out_;
  std::string base_;
  std::string owner_;
  bool build_stage_ = false;
  bool modern_ = false;  // `dockerfile 1.7`: COPY --link for independent layers
  std::vector<DepsStep> deps_;
};

}  // namespace

const char* ir::layer_name(Layer layer) {
  switch (layer) {
    case Layer::stage:
      return "stage";
    case Layer::os_packages:
      return "os-packages";
    case Layer::toolchains:
      return "toolchains";
    case Layer::tools:
      return "tools";
    case Layer::image_packages:
      return "image-packages";
    case Layer::user:
      return "user";
    case Layer::deps:
      return "deps";
    case Layer::config:
      return "config";
    case Layer::run:
      return "run";
    case Layer::sources:
      return "sources";
    case Layer::metadata:
      return "metadata";
  }
  return "stage";
}

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

void build_targets(ir::Build& build, Diagnostics& diagnostics) {
  build.registry = most_common(build.images, [](const ir::Image& i) { return i.registry; });
  build.tag = most_common(build.images, [](const ir::Image& i) { return i.tag; });
  std::vector<ir::BuildTarget> extra;
  for (const ir::Image& image : build.images) {
    ir::BuildTarget t;
    t.name = image.name;
    t.image = image.name;
    t.dockerfile = image.dockerfile_in_context;
    // `docker build -f` (and so build-push-action's `file`) is read from the
    // working directory, the repository root, not from the context.
    t.dockerfile_in_repo =
        build.repo_dir == "." ? t.dockerfile : build.repo_dir + "/" + t.dockerfile;
    t.stage = image.default_target;
    t.registry = image.registry;
    t.repository = image.repository;
    t.tag = image.tag;
    t.platforms = image.platforms;
    t.cache_ref = image.cache_ref;
    if (!t.cache_ref.empty()) t.cache_from.push_back(t.cache_ref);
    t.args = image.build_args;
    for (const std::string& target : image.targets) {
      ir::BuildTarget x = t;
      x.name = image.name + "-" + target;
      x.stage = target;
      x.tag_suffix = "-" + target;
      if (!t.cache_ref.empty()) {
        x.cache_ref = t.cache_ref + "-" + target;
        x.cache_from = {x.cache_ref, t.cache_ref};
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

}  // namespace

ir::Build lower(const Resolved& resolved, const LowerOptions& options, Diagnostics& diagnostics) {
  ir::Build build;
  build.spec_name = options.spec_name;
  build.output_dir = options.output_dir;
  build.context = options.context;
  build.repo_dir = options.repo_dir;
  for (const ResolvedImage& image : resolved.images) {
    build.images.push_back(ImageLowering(image, resolved, options, diagnostics).run());
    build.entrypoint = build.entrypoint || image.decl->runner;
  }
  build_targets(build, diagnostics);
  return build;
}

}  // namespace rigc
