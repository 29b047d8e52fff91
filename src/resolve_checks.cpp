// Pass 6 of resolution: what a resolved image may not be, although every name in
// it is known; and the output directory check, which runs once the driver knows
// where the files go.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
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
}

void check_pack_caches(const ResolvedImage& image, Diagnostics& diagnostics) {
  for (const ResolvedPack& rp : image.packs) {
    for (const spec::Cache& cache : rp.pack->caches) {
      if (!cache.path.empty() || find_stock_cache(cache.name) != nullptr) continue;
      diagnostics.error(cache.location, fmt::format("cache '{}' of pack '{}' is not a stock "
                                                    "cache, so it needs a path",
                                                    cache.name, rp.pack->name.value));
    }
  }
}

// The files of `installer` that `deps` does not name (by file name), each in the
// directory of deps' first file: what its command needs besides.
std::vector<std::string> missing_files(const spec::PackDeps& installer, const spec::Deps& deps) {
  const std::string& first = deps.files.front();
  const std::string dir = first.substr(0, first.rfind('/') + 1);
  std::vector<std::string> missing;
  for (const std::string& file : installer.files) {
    const bool named = std::any_of(deps.files.begin(), deps.files.end(), [&](const auto& f) {
      return f.substr(f.rfind('/') + 1) == file;
    });
    if (!named) missing.push_back(dir + file);
  }
  return missing;
}

// `deps a b` as it would read with `more` added.
std::string deps_with(const spec::Deps& deps, const std::vector<std::string>& more) {
  std::vector<std::string> files = deps.files;
  files.insert(files.end(), more.begin(), more.end());
  return "deps " + text::join(files, " ");
}

// A pack's deps command as messages quote it: a long script is "its command".
std::string command_words(const spec::PackDeps& installer) {
  return installer.command.size() <= 40 ? "'" + installer.command + "'" : "its deps command";
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + ("'" + items[i] + "'");
  return out;
}

// Each `deps` must be installed by one of the image's packs, and name every file
// its command needs: a pack's `deps FILE …` line lists them (the lockfile with the
// manifest: `npm ci` fails without package-lock.json, `cargo fetch --locked`
// without Cargo.lock).
void check_deps_installed(const ResolvedImage& image, Diagnostics& diagnostics) {
  for (const spec::Deps& deps : image.settings.deps) {
    const spec::PackDeps* installer = find_deps_installer(image, deps);
    if (installer == nullptr) {
      diagnostics.error(deps.location,
                        fmt::format("no pack of image '{}' installs '{}'; add the pack that "
                                    "does (e.g. python for requirements.txt) to 'packs'",
                                    image.decl->name.value, text::join(deps.files, " ")));
      continue;
    }
    const std::vector<std::string> missing = missing_files(*installer, deps);
    if (missing.empty()) continue;
    // Another installer of the image that the same files would select (yarn's
    // yarn.lock where npm's package-lock.json is missing).
    std::vector<std::string> others;
    for (const ResolvedPack& rp : image.packs) {
      for (const spec::PackDeps& candidate : rp.pack->deps) {
        if (&candidate == installer) continue;
        const std::vector<std::string> need = missing_files(candidate, deps);
        if (need.size() + deps.files.size() != candidate.files.size()) continue;  // not a cover
        others.push_back(fmt::format("with {} of pack '{}': {}", command_words(candidate),
                                     rp.pack->name.value, deps_with(deps, need)));
      }
    }
    const std::string* owner = nullptr;
    for (const ResolvedPack& rp : image.packs) {
      for (const spec::PackDeps& candidate : rp.pack->deps) {
        if (&candidate == installer) owner = &rp.pack->name.value;
      }
    }
    diagnostics.error(deps.location,
                      fmt::format("pack '{}' installs '{}' with {}, which also needs {}; "
                                  "name {} too: {}{}",
                                  owner ? *owner : "?", text::join(deps.files, " "),
                                  command_words(*installer), quoted_list(missing),
                                  missing.size() == 1 ? "it" : "them", deps_with(deps, missing),
                                  others.empty() ? "" : "; or " + text::join(others, "; or ")));
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
  const BaseFamily family = s.os ? BaseFamily::debian : base_family(image.base);
  if (family != BaseFamily::debian && family != BaseFamily::unknown) return;  // reported
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

// Where errors about the base point: its `base` statement, or the image's name
// when it has the default base.
Location base_location(const ResolvedImage& image) {
  return image.settings.base ? image.settings.base->location : image.decl->name.location;
}

// The images rigc writes install their packages with apt and create their user
// with useradd: a base of another family cannot build them. (`os` vouches for a
// base whose reference says nothing, or says wrong.)
void check_base_family(const ResolvedImage& image, Diagnostics& diagnostics) {
  if (image.settings.os) return;
  const BaseFamily family = base_family(image.base);
  if (family == BaseFamily::debian || family == BaseFamily::unknown) return;
  // An image meant to end on scratch or distroless keeps a Debian base for its build
  // and says so with `runtime`.
  const bool final_only =
      !image.decl->runner && (family == BaseFamily::scratch || family == BaseFamily::distroless);
  diagnostics.error(
      base_location(image),
      fmt::format("base '{}' of image '{}' is {}, but the images rigc generates "
                  "install packages with apt and create their user with useradd; "
                  "supported bases are Debian 12 and Ubuntu 24.04 and images built "
                  "on them: use e.g. debian:bookworm-slim, ubuntu:24.04 or "
                  "python:3.12-slim-bookworm{}",
                  image.base, image.decl->name.value, family_description(family),
                  final_only ? fmt::format("; for a final image on '{}', keep such a base for the "
                                           "build and add 'runtime {}' with 'build' and "
                                           "'artifact' steps",
                                           image.base, image.base)
                             : ""));
}

// Docker refuses a memory limit or reservation below 6 MiB (its daemon's
// linuxMinMemory, "Minimum memory limit allowed is 6MB"; 4 MB before Docker 23)
// and a memory reservation above the limit ("Minimum memory limit can not be less
// than memory reservation limit"); a CPU reservation above the limit can never be
// met either.
constexpr std::uint64_t kMinMemory = 6 * 1024 * 1024;

void check_resources(const ResolvedImage& image, Diagnostics& diagnostics) {
  const spec::Settings& s = image.settings;
  // A runner scale set's pods run on Kubernetes, not Docker: its rules (quantities,
  // requests above limits) are checked where the values are made (lower_kubernetes).
  if (s.scale) return;
  for (const auto* r : {&s.limits, &s.reserve}) {
    if (!*r || (*r)->memory.empty() || (*r)->memory_bytes >= kMinMemory) continue;
    diagnostics.error(
        (*r)->location,
        fmt::format("{} memory {} is below Docker's minimum of 6M (6 MiB), so "
                    "the container of image '{}' would not start; give it at least "
                    "6M",
                    r == &s.limits ? "limits" : "reserve", (*r)->memory, image.decl->name.value));
  }
  if (!s.limits || !s.reserve) return;
  const spec::Resources& limit = *s.limits;
  const spec::Resources& reserve = *s.reserve;
  if (!limit.cpus.empty() && !reserve.cpus.empty() &&
      std::stod(reserve.cpus) > std::stod(limit.cpus)) {
    diagnostics.error(
        reserve.location,
        fmt::format("reserve cpus {} is above limits cpus {} (line {}): image '{}' "
                    "could never use what it reserves; lower the reservation or "
                    "raise the limit",
                    reserve.cpus, limit.cpus, limit.location.line, image.decl->name.value));
  }
  if (!limit.memory.empty() && !reserve.memory.empty() &&
      reserve.memory_bytes > limit.memory_bytes) {
    diagnostics.error(reserve.location,
                      fmt::format("reserve memory {} is above limits memory {} (line {}): Docker "
                                  "refuses a memory reservation above the limit; lower the "
                                  "reservation or raise the limit",
                                  reserve.memory, limit.memory, limit.location.line));
  }
}

// A base that already carries a pack's runtime (`provided-by`) gets a second one
// from the pack: it builds, but the image holds two, and the pack's is the one
// `rigc plan` names.
void check_runtime_in_base(const ResolvedImage& image, Diagnostics& diagnostics) {
  const std::string_view repository = repository_name(image.base);
  for (const ResolvedPack& rp : image.packs) {
    for (const auto& provider : rp.pack->provided_by) {
      if (provider.value != repository) continue;
      diagnostics.warning(
          base_location(image),
          fmt::format("base '{}' already carries what pack '{}' installs{}, so image '{}' gets "
                      "two; build on a plain base (debian:bookworm-slim, ubuntu:24.04) to have "
                      "only the pack's, or drop the pack to have only the base's",
                      image.base, rp.pack->name.value,
                      rp.version.empty() ? "" : " (version " + rp.version + ")",
                      image.decl->name.value));
      break;
    }
  }
}

// The packages a pack installs on this image's release: `apt`, the `apt-for` line
// of the release, and the `system` version's packages.
std::vector<std::string> pack_packages(const ResolvedPack& rp, Os os) {
  std::vector<std::string> packages;
  for (const auto& p : rp.pack->apt)
    packages.push_back(p.value);
  for (const spec::AptFor& line : rp.pack->apt_for) {
    if (parse_os(line.os.value) != os) continue;
    for (const auto& p : line.packages)
      packages.push_back(p.value);
  }
  if (rp.system != nullptr)
    packages.insert(packages.end(), rp.system->packages.begin(), rp.system->packages.end());
  return packages;
}

// An `apt` package a pack already installs is a second apt step for nothing.
void check_apt_duplicates(const ResolvedImage& image, Diagnostics& diagnostics) {
  std::map<std::string, std::string> installed;  // package -> the pack installing it
  for (const ResolvedPack& rp : image.packs) {
    for (const std::string& package : pack_packages(rp, image.os))
      installed.emplace(package, rp.pack->name.value);
  }
  const auto check = [&](const std::vector<spec::At<std::string>>& apt) {
    for (const auto& package : apt) {
      const auto it = installed.find(package.value);
      if (it == installed.end()) continue;
      diagnostics.warning(package.location,
                          fmt::format("'{}' is already installed by pack '{}' of image '{}'; "
                                      "remove it from this apt statement",
                                      package.value, it->second, image.decl->name.value));
    }
  };
  check(image.settings.apt);
  for (const spec::Target& target : image.settings.targets)
    check(target.settings.apt);
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

// Artifacts come from `build` steps (where they write needs the image's packs:
// a dependency install's output is one place).
void check_artifacts(const ResolvedImage& image, Diagnostics& diagnostics) {
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
}

// An image whose runtime has no shell takes no step that needs one.
void check_runtime_shell(const ResolvedImage& image, Diagnostics& diagnostics) {
  const spec::Settings& s = image.settings;
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
                                      s.runtime->value, image.decl->name.value, what));
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

void check_image_settings(const ResolvedImage& image, Diagnostics& diagnostics) {
  check_root_user(image, diagnostics);
  check_base_family(image, diagnostics);
  check_caches(image, diagnostics);
  check_name_lengths(image, diagnostics);
  check_secrets(image, diagnostics);
  check_resources(image, diagnostics);
  check_sudo(image, diagnostics);
  check_runtime_shell(image, diagnostics);
}

void check_image_packs(const ResolvedImage& image, Diagnostics& diagnostics) {
  check_checksums(image, diagnostics);
  check_pack_caches(image, diagnostics);
  check_deps_installed(image, diagnostics);
  check_os(image, diagnostics);
  check_runtime_in_base(image, diagnostics);
  check_apt_duplicates(image, diagnostics);
  check_artifacts(image, diagnostics);
}

void check_image(const ResolvedImage& image, Diagnostics& diagnostics) {
  check_image_settings(image, diagnostics);
  check_image_packs(image, diagnostics);
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
