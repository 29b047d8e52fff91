// Pass 6 of resolution: what a resolved image may not be, although every name in
// it is known; and the output directory check, which runs once the driver knows
// where the files go.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

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

// Every platform needs a checksum for every fetched pack.
void check_checksums(const ResolvedImage& image, Diagnostics& diagnostics) {
  const spec::Settings& s = image.settings;
  const std::vector<std::string> archs = architectures(s);
  for (const ResolvedPack& rp : image.packs) {
    if (!rp.fetched) continue;
    const auto& sums = rp.pack->fetch->checksums;
    for (const std::string& arch : archs) {
      const bool has = std::any_of(sums.begin(), sums.end(), [&](const spec::Checksum& c) {
        return c.version == rp.version && c.arch == arch;
      });
      if (has) continue;
      const Location at = s.platforms ? s.platforms->location : image.decl->name.location;
      diagnostics.error(
          at, fmt::format("pack '{}' {} has no sha256 for {} (image '{}')", rp.pack->name.value,
                          rp.version, arch, image.decl->name.value));
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
  diagnostics.error(base_location(image),
                    fmt::format("base '{}' of image '{}' is {}, but the images rigc generates "
                                "install packages with apt and create their user with useradd; "
                                "supported bases are Debian 12 and Ubuntu 24.04 and images built "
                                "on them: use e.g. debian:bookworm-slim, ubuntu:24.04 or "
                                "python:3.12-slim-bookworm",
                                image.base, image.decl->name.value, family_description(family)));
}

// Docker refuses a memory limit or reservation below 6 MiB (its daemon's
// linuxMinMemory, "Minimum memory limit allowed is 6MB"; 4 MB before Docker 23)
// and a memory reservation above the limit ("Minimum memory limit can not be less
// than memory reservation limit"); a CPU reservation above the limit can never be
// met either.
constexpr std::uint64_t kMinMemory = 6 * 1024 * 1024;

void check_resources(const ResolvedImage& image, Diagnostics& diagnostics) {
  const spec::Settings& s = image.settings;
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
}

void check_image_packs(const ResolvedImage& image, Diagnostics& diagnostics) {
  check_checksums(image, diagnostics);
  check_pack_caches(image, diagnostics);
  check_deps_installed(image, diagnostics);
  check_os(image, diagnostics);
  check_runtime_in_base(image, diagnostics);
  check_apt_duplicates(image, diagnostics);
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
