// Pass 6 of resolution: what a resolved image may not be, although every name in
// it is known; and the output directory check, which runs once the driver knows
// where the files go.

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "rigc/packs.hpp"
#include "rigc/resolver.hpp"
#include "rigc/text.hpp"

namespace rigc {
namespace {

// The architectures of an image's platforms ("linux/arm64/v8" -> "arm64"), sorted;
// amd64 when it names none.
std::vector<std::string> architectures(const spec::Settings& settings) {
  std::vector<std::string> archs;
  if (!settings.platforms) return {"amd64"};
  for (const std::string& platform : settings.platforms->value) {
    std::string arch = platform.substr(platform.find('/') + 1);
    arch = arch.substr(0, arch.find('/'));
    archs.push_back(arch);
  }
  return text::sorted_unique(archs);
}

void check_root_user(const ResolvedImage& image, Diagnostics& diagnostics) {
  const spec::Settings& s = image.settings;
  if (s.user && s.user->uid == 0) {
    diagnostics.warning(s.user->location, fmt::format("image '{}' runs as root; prefer 'user NAME "
                                                      "UID'",
                                                      image.decl->name.value));
  }
}

// The pin that gives `pack` its `version`, or null.
const spec::Pin* pin_of(const spec::PackDecl& pack, const std::string& version) {
  for (const spec::Pin& pin : pack.pins) {
    if (pin.version.value == version) return &pin;
  }
  return nullptr;
}

// Every platform needs a checksum for every fetched pack: a missing one is an
// error now, not a failed build later; at the pin when the version is pinned, and
// saying so when the pack ships no checksum at all (its users pin their own).
void check_checksums(const ResolvedImage& image, Diagnostics& diagnostics) {
  const spec::Settings& s = image.settings;
  const std::string& name = image.decl->name.value;
  for (const ResolvedPack& rp : image.packs) {
    if (!rp.fetched) continue;
    const auto& sums = rp.pack->fetch->checksums;
    std::vector<std::string> missing;
    for (const std::string& arch : architectures(s)) {
      const bool has = std::any_of(sums.begin(), sums.end(), [&](const spec::Checksum& c) {
        return c.version == rp.version && c.arch == arch;
      });
      if (!has) missing.push_back(arch);
    }
    if (missing.empty()) continue;
    const std::string& pack = rp.pack->name.value;
    const std::string archs = text::join(missing, " and ");
    const std::string pin_line =
        fmt::format("pin {} {} sha256 {} HEX", pack, rp.version, text::join(missing, " HEX "));
    const Location at = s.platforms ? s.platforms->location : image.decl->name.location;
    if (const spec::Pin* pin = pin_of(*rp.pack, rp.version)) {
      diagnostics.error(pin->location,
                        fmt::format("the pin of pack '{}' {} has no sha256 for {}, which image "
                                    "'{}' builds; `rigc pin {} {}` writes one for every platform",
                                    pack, rp.version, archs, name, pack, rp.version));
    } else if (sums.empty()) {
      diagnostics.error(at, fmt::format("pack '{}' ships no checksum (its upstream publishes "
                                        "none that rigc could check), so image '{}' needs a pin "
                                        "with yours in 'defaults': '{}'; `rigc pin {} {}` "
                                        "downloads it and writes its SHA-256 (compare it with "
                                        "what upstream says)",
                                        pack, name, pin_line, pack, rp.version));
    } else {
      diagnostics.error(at, fmt::format("pack '{}' {} has no sha256 for {} (image '{}'); give its "
                                        "checksums in 'defaults' with '{}', which `rigc pin {} "
                                        "{}` writes",
                                        pack, rp.version, archs, name, pin_line, pack, rp.version));
    }
  }
}

// Only the stock caches know their paths.
void check_caches(const ResolvedImage& image, Diagnostics& diagnostics) {
  for (const spec::Cache& cache : image.settings.caches) {
    if (!cache.path.empty() || find_stock_cache(cache.name) != nullptr) continue;
    std::vector<std::string> names;
    for (const auto& c : stock_caches())
      names.emplace_back(c.name);
    diagnostics.error(cache.location,
                      fmt::format("cache '{}' is not a stock cache, so it needs a path: cache "
                                  "{} /PATH{}",
                                  cache.name, cache.name, did_you_mean(cache.name, names)));
  }
  for (const ResolvedPack& rp : image.packs) {
    for (const spec::Cache& cache : rp.pack->caches) {
      if (!cache.path.empty() || find_stock_cache(cache.name) != nullptr) continue;
      diagnostics.error(cache.location, fmt::format("cache '{}' of pack '{}' is not a stock "
                                                    "cache, so it needs a path",
                                                    cache.name, rp.pack->name.value));
    }
  }
}

// Each `deps` must be installed by one of the image's packs.
void check_deps_installed(const ResolvedImage& image, Diagnostics& diagnostics) {
  for (const spec::Deps& deps : image.settings.deps) {
    if (find_deps_installer(image, deps) != nullptr) continue;
    diagnostics.error(deps.location,
                      fmt::format("no pack of image '{}' installs '{}'; add the pack that "
                                  "does (e.g. python for requirements.txt) to 'packs'",
                                  image.decl->name.value, text::join(deps.files, " ")));
  }
}

// Docker's limits on what the names become: a repository of at most 255
// characters, tags ("TAG-TARGET", "buildcache-TARGET") of at most 128.
void check_name_lengths(const ResolvedImage& image, Diagnostics& diagnostics) {
  const spec::Settings& s = image.settings;
  const std::string& name = image.decl->name.value;
  const std::string repository = s.registry ? s.registry->value + "/" + name : name;
  if (repository.size() > 255) {
    diagnostics.error(s.registry ? s.registry->location : image.decl->name.location,
                      fmt::format("the repository of image '{}' would be {} characters long; "
                                  "Docker allows 255",
                                  name, repository.size()));
  }
  const std::string tag = s.tag ? s.tag->value : "latest";
  for (const spec::Target& target : s.targets) {
    const std::size_t longest =
        std::max(tag.size(), std::string("buildcache").size()) + 1 + target.name.value.size();
    if (longest <= 128) continue;
    diagnostics.error(target.name.location,
                      fmt::format("the tags of target '{}' of image '{}' would be {} "
                                  "characters long; Docker allows 128",
                                  target.name.value, name, longest));
  }
}

void check_secrets(const ResolvedImage& image, Diagnostics& diagnostics) {
  std::set<std::string> ids;
  for (const spec::Secret& secret : image.settings.secrets) {
    if (!ids.insert(secret.id).second) {
      diagnostics.error(secret.location, fmt::format("secret '{}' is declared twice", secret.id));
    }
  }
}

// A pack whose packages are named per release (`apt-for`) needs to know the base's
// release, and to have packages for it.
void check_os(const ResolvedImage& image, Diagnostics& diagnostics) {
  const spec::Settings& s = image.settings;
  for (const ResolvedPack& rp : image.packs) {
    const auto& apt_for = rp.pack->apt_for;
    if (apt_for.empty()) continue;
    const Location at = s.base ? s.base->location : image.decl->name.location;
    if (image.os == Os::unknown) {
      diagnostics.error(at, fmt::format("pack '{}' installs packages whose names depend on the "
                                        "OS release, and rigc cannot tell the release of base "
                                        "'{}'; say which it is with 'os debian-12' or 'os "
                                        "ubuntu-24.04'",
                                        rp.pack->name.value, image.base));
      return;
    }
    const bool has = std::any_of(apt_for.begin(), apt_for.end(), [&](const spec::AptFor& a) {
      return parse_os(a.os.value) == image.os;
    });
    if (!has) {
      diagnostics.error(at, fmt::format("pack '{}' has no 'apt-for {}' line for base '{}'",
                                        rp.pack->name.value, os_name(image.os), image.base));
    }
  }
}

// Whether `path` is `dir` or inside it.
bool within(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || path.rfind(dir + "/", 0) == 0;
}

// Where the build phase writes: the sources' destinations, the workdir, the
// dependency installs' output, and any absolute path a build command names.
bool produced_by_build(const ResolvedImage& image, const std::string& path) {
  const spec::Settings& s = image.settings;
  for (const spec::Copy& copy : s.copies) {
    if (within(path, copy.dest)) return true;
  }
  if (s.workdir && within(path, s.workdir->value)) return true;
  for (const ResolvedPack& rp : image.packs) {
    for (const spec::PackDeps& deps : rp.pack->deps) {
      if (!deps.into.empty() && deps.into[0] == '/' && within(path, deps.into)) return true;
    }
  }
  for (const spec::Run& build : s.builds) {
    // The command names the path or a directory holding it (`-o /out/server`).
    for (std::size_t at = build.command.find('/'); at != std::string::npos;
         at = build.command.find('/', at + 1)) {
      const std::size_t end = build.command.find_first_of(" \t;&|'\"", at);
      const std::string named = build.command.substr(at, end - at);
      if (named.size() > 1 && within(path, named)) return true;
    }
  }
  return false;
}

// The build phase and the runtime image: artifacts come from `build` steps, and
// an image without a shell takes no step that needs one.
void check_build_phase(const ResolvedImage& image, Diagnostics& diagnostics) {
  const spec::Settings& s = image.settings;
  const std::string& name = image.decl->name.value;
  for (const spec::Artifact& a : s.artifacts) {
    if (s.builds.empty()) {
      diagnostics.error(a.location, fmt::format("image '{}' takes an artifact but has no 'build' "
                                                "step to make it; add the build steps, or copy "
                                                "the file with 'copy'",
                                                name));
    } else if (!produced_by_build(image, a.source) && a.source.rfind("/etc/", 0) != 0 &&
               a.source.rfind("/usr/", 0) != 0 && a.source.rfind("/opt/", 0) != 0) {
      diagnostics.error(a.location, fmt::format("no build step of image '{}' produces '{}': it "
                                                "is not under the sources, the workdir or a "
                                                "dependency install, and no build command names "
                                                "it",
                                                name, a.source));
    }
  }
  if (!s.runtime || has_shell(s.runtime->value)) return;
  // Each use of a shell, reported in the order of the text.
  std::vector<std::pair<Location, std::string>> uses;
  for (const spec::Run& run : s.runs)
    uses.emplace_back(run.location, "run a shell-form step; make it a 'build' step");
  if (!s.apt.empty()) uses.emplace_back(s.apt.front().location, "install OS packages");
  if (!s.dirs.empty()) uses.emplace_back(s.dirs.front().location, "create directories with 'dirs'");
  if (s.healthcheck && s.healthcheck->exec.empty())
    uses.emplace_back(s.healthcheck->location,
                      "run a shell-form health check; give it as a list: "
                      "healthcheck [\"/app\", \"-health\"]");
  if (s.builds.empty())
    uses.emplace_back(s.runtime->location,
                      "get its sources without a build phase ('build' and 'artifact')");
  std::stable_sort(uses.begin(), uses.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.file, a.first.line, a.first.column) <
           std::tie(b.first.file, b.first.line, b.first.column);
  });
  for (const auto& [at, what] : uses)
    diagnostics.error(at, fmt::format("runtime '{}' has no shell, so image '{}' cannot {}",
                                      s.runtime->value, name, what));
}

// Passwordless sudo lets every job do what root can in the container.
void check_sudo(const ResolvedImage& image, Diagnostics& diagnostics) {
  const spec::Settings& s = image.settings;
  if (!image.decl->runner || !s.sudo || !s.sudo->value) return;
  diagnostics.warning(s.sudo->location,
                      fmt::format("runner '{}' gives its jobs passwordless sudo: a job can then "
                                  "do anything root can do in the container",
                                  image.decl->name.value));
}

}  // namespace

void check_image(const ResolvedImage& image, Diagnostics& diagnostics) {
  check_root_user(image, diagnostics);
  check_checksums(image, diagnostics);
  check_caches(image, diagnostics);
  check_deps_installed(image, diagnostics);
  check_name_lengths(image, diagnostics);
  check_secrets(image, diagnostics);
  check_os(image, diagnostics);
  check_sudo(image, diagnostics);
  check_build_phase(image, diagnostics);
}

void check_output_directory(const std::vector<ResolvedImage>& images, const std::string& output_dir,
                            const std::string& output_dir_from_spec, Diagnostics& diagnostics) {
  if (output_dir_from_spec.rfind("..", 0) != 0) return;
  for (const ResolvedImage& image : images) {
    if (!image.decl->runner) continue;
    diagnostics.error(image.decl->name.location,
                      fmt::format("runner '{}' needs runner-entrypoint.sh in its build context, "
                                  "but the output directory '{}' is outside the spec's directory",
                                  image.decl->name.value, output_dir));
    return;  // the same for every runner: once is enough
  }
}

}  // namespace rigc
