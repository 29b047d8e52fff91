#include "rigc/resolver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "rigc/packs.hpp"
#include "rigc/text.hpp"

namespace rigc {
namespace {

template <typename T>
void replace_if_set(std::optional<T>& into, const std::optional<T>& over) {
  if (over) into = over;
}

template <typename T>
void append(std::vector<T>& into, const std::vector<T>& over) {
  into.insert(into.end(), over.begin(), over.end());
}

// Compares dotted versions numerically where both parts are numbers.
bool version_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const std::size_t ei = std::min(a.find('.', i), a.size());
    const std::size_t ej = std::min(b.find('.', j), b.size());
    const std::string pa = a.substr(i, ei - i), pb = b.substr(j, ej - j);
    const bool na = !pa.empty() && pa.find_first_not_of("0123456789") == std::string::npos;
    const bool nb = !pb.empty() && pb.find_first_not_of("0123456789") == std::string::npos;
    if (na && nb && pa.size() != pb.size()) return pa.size() < pb.size();
    if (pa != pb) return pa < pb;
    i = ei + 1;
    j = ej + 1;
  }
  return a.size() - std::min(a.size(), i) < b.size() - std::min(b.size(), j);
}

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

// Explicit bounds, so that no spec, however large, makes resolution or lowering
// recurse without limit or take quadratic time on huge lists.
constexpr std::size_t kMaxExtendsDepth = 64;      // images in one `extends` chain
constexpr std::size_t kMaxPackDepth = 64;         // packs in one `requires` chain
constexpr std::size_t kMaxPacksPerImage = 256;    // packs of one image, dependencies included
constexpr std::size_t kMaxValuesPerImage = 4096;  // list values of an image and its packs
constexpr int kMaxSuggestions = 20;               // "did you mean" searches per run

std::size_t list_values(const spec::Settings& s) {
  std::size_t n = s.packs.size() + s.apt.size() + s.labels.size() + s.dirs.size() +
                  s.expose.size() + s.env.size() + s.args.size() + s.oci_labels.size() +
                  s.caches.size() + s.deps.size() + s.copies.size() + s.runs.size() +
                  s.secrets.size() + s.targets.size();
  for (const spec::Deps& d : s.deps)
    n += d.files.size();
  for (const spec::Target& t : s.targets)
    n += list_values(t.settings);
  return n;
}

std::size_t list_values(const spec::PackDecl& p) {
  std::size_t n = p.requires_.size() + p.after.size() + p.apt.size() + p.build_apt.size() +
                  p.paths.size() + p.dirs.size() + p.labels.size() + p.verify.size() +
                  p.env.size() + p.runs.size() + p.caches.size() + p.deps.size() +
                  p.versions.size() + p.system.size();
  for (const spec::SystemVersion& v : p.system)
    n += v.packages.size();
  if (p.fetch) n += p.fetch->arch.size() + p.fetch->checksums.size();
  return n;
}

class Resolver {
 public:
  Resolver(const spec::Module& module, Diagnostics& diagnostics)
      : module_(module), diagnostics_(diagnostics) {}

  Resolved run(std::vector<spec::PackDecl> library) {
    for (spec::PackDecl& pack : library)
      resolved_.packs[pack.name.value] = std::move(pack);
    std::map<std::string, Location> inline_packs;
    for (const spec::PackDecl& pack : module_.packs) {
      const auto [it, fresh] = inline_packs.emplace(pack.name.value, pack.name.location);
      if (!fresh) {
        diagnostics_.error(pack.name.location,
                           fmt::format("pack '{}' is already declared on line {}", pack.name.value,
                                       it->second.line));
        continue;
      }
      resolved_.packs[pack.name.value] = pack;
    }
    for (const auto& [name, pack] : resolved_.packs)
      check_pack(pack);
    if (module_.ignore) {
      for (const auto& pattern : module_.ignore->value)
        resolved_.ignore.push_back(pattern.value);
    }

    std::map<std::string, const spec::ImageDecl*> by_name;
    for (const spec::ImageDecl& image : module_.images) {
      const auto [it, fresh] = by_name.emplace(image.name.value, &image);
      if (!fresh) {
        diagnostics_.error(
            image.name.location,
            fmt::format("{} '{}' is already declared on line {}", image.runner ? "runner" : "image",
                        image.name.value, it->second->name.location.line));
      }
    }
    by_name_ = std::move(by_name);
    for (const spec::ImageDecl& image : module_.images) {
      if (by_name_.at(image.name.value) != &image) continue;  // a duplicate, reported
      ResolvedImage resolved;
      resolved.decl = &image;
      if (!inherit(image, resolved)) continue;
      resolve_packs(resolved);
      check_image(resolved);
      resolved_.images.push_back(std::move(resolved));
    }
    return std::move(resolved_);
  }

 private:
  // --- Packs on their own -------------------------------------------------
  void check_pack(const spec::PackDecl& pack) {
    const auto versions = pack_versions(pack);
    if (pack.version && !pack.versions.empty() &&
        std::find(versions.begin(), versions.end(), pack.version->value) == versions.end()) {
      diagnostics_.error(pack.version->location,
                         fmt::format("default version '{}' of pack '{}' is not in its versions",
                                     pack.version->value, pack.name.value));
    }
    for (const auto& system : pack.system) {
      if (std::find(versions.begin(), versions.end(), system.version) == versions.end()) {
        diagnostics_.error(system.location, fmt::format("version '{}' is not in the versions of "
                                                        "pack '{}'",
                                                        system.version, pack.name.value));
      }
    }
    for (const auto& name : pack.requires_) {
      if (resolved_.packs.count(name.value) == 0) unknown_pack(name.value, name.location);
    }
    for (const auto& system : pack.system) {
      for (const auto& name : system.requires_) {
        if (resolved_.packs.count(name.value) == 0) unknown_pack(name.value, name.location);
      }
    }
    if (!pack.fetch) {
      for (const std::string& version : versions) {
        if (!version.empty() && pack.system.size() > 0 && system_for(pack, version) == nullptr) {
          diagnostics_.error(pack.name.location,
                             fmt::format("pack '{}' version '{}' has neither a 'system' line nor "
                                         "a 'fetch'",
                                         pack.name.value, version));
        }
      }
      return;
    }
    const spec::Fetch& fetch = *pack.fetch;
    if (fetch.url.value.empty()) {
      diagnostics_.error(fetch.location, fmt::format("pack '{}' has fetch settings but no 'fetch "
                                                     "URL'",
                                                     pack.name.value));
      return;
    }
    if (fetch.extract.empty()) {
      diagnostics_.error(
          fetch.url.location,
          fmt::format("pack '{}' fetches an archive but has no 'extract /DIR'", pack.name.value));
    }
    if (fetch.url.value.find("@mirror@") != std::string::npos && fetch.mirror.empty()) {
      diagnostics_.error(fetch.url.location,
                         fmt::format("the URL of pack '{}' uses @mirror@ but the pack has no "
                                     "'mirror URL'",
                                     pack.name.value));
    }
    const std::string& url = fetch.url.value;
    if (fetch.strip > 0 && url.size() >= 4 && url.compare(url.size() - 4, 4, ".zip") == 0) {
      diagnostics_.error(fetch.url.location,
                         fmt::format("pack '{}' downloads a .zip archive, which cannot be unpacked "
                                     "with 'strip'; remove 'strip' or use a tar archive",
                                     pack.name.value));
    }
    if (versions.size() > 1 && fetch.url.value.find("@version@") == std::string::npos) {
      diagnostics_.error(fetch.url.location,
                         fmt::format("pack '{}' has several versions, so its URL needs @version@",
                                     pack.name.value));
    }
    for (const auto& sum : fetch.checksums) {
      if (std::find(versions.begin(), versions.end(), sum.version) == versions.end()) {
        diagnostics_.error(sum.location, fmt::format("sha256 for version '{}', which is not in "
                                                     "the versions of pack '{}'",
                                                     sum.version, pack.name.value));
      }
    }
  }

  // The version an image gets when it asks for `asked` ("" for the default);
  // "" when no version matches.
  static std::string version_for(const spec::PackDecl& pack, const std::string& asked) {
    if (!asked.empty()) return select_version(pack, asked);
    if (pack.version) return pack.version->value;
    const auto versions = pack_versions(pack);
    return versions.empty() ? "" : versions[0];
  }

  static const spec::SystemVersion* system_for(const spec::PackDecl& pack,
                                               const std::string& version) {
    for (const auto& system : pack.system) {
      if (system.version == version) return &system;
    }
    return nullptr;
  }

  void unknown_pack(const std::string& name, Location where) {
    std::vector<std::string> names;
    if (suggestions_left_-- > 0) {
      for (const auto& [known, pack] : resolved_.packs)
        names.push_back(known);
    }
    diagnostics_.error(where, fmt::format("unknown pack '{}'{}", name, did_you_mean(name, names)));
  }

  // --- Inheritance --------------------------------------------------------
  bool inherit(const spec::ImageDecl& image, ResolvedImage& out) {
    std::vector<const spec::ImageDecl*> chain = {&image};
    const spec::ImageDecl* current = &image;
    while (current->extends) {
      const auto& parent_name = current->extends->value;
      const auto it = by_name_.find(parent_name);
      if (it == by_name_.end()) {
        std::vector<std::string> names;
        if (suggestions_left_-- > 0) {
          for (const auto& [name, decl] : by_name_)
            names.push_back(name);
        }
        diagnostics_.error(current->extends->location,
                           fmt::format("'{}' extends unknown image '{}'{}", current->name.value,
                                       parent_name, did_you_mean(parent_name, names)));
        return false;
      }
      const spec::ImageDecl* parent = it->second;
      const auto seen = std::find(chain.begin(), chain.end(), parent);
      if (seen != chain.end()) {
        // Report once, at the first image of the cycle in file order.
        std::vector<std::string> path;
        for (auto i = seen; i != chain.end(); ++i)
          path.push_back((*i)->name.value);
        path.push_back(parent->name.value);
        // Report a cycle once, from the image that comes first in the file.
        std::vector<std::string> members(path.begin(), path.end() - 1);
        std::sort(members.begin(), members.end());
        if (seen == chain.begin() && reported_cycles_.insert(text::join(members, " ")).second) {
          diagnostics_.error(image.extends->location,
                             fmt::format("inheritance cycle: {}", text::join(path, " -> ")));
          for (auto i = seen; i != chain.end(); ++i) {
            diagnostics_.note(
                (*i)->extends->location,
                fmt::format("'{}' extends '{}' here", (*i)->name.value, (*i)->extends->value));
          }
        }
        return false;
      }
      if (parent->runner != image.runner) {
        diagnostics_.error(
            current->extends->location,
            fmt::format("{} '{}' cannot extend {} '{}'", current->runner ? "runner" : "image",
                        current->name.value, parent->runner ? "runner" : "image", parent_name));
        return false;
      }
      if (chain.size() == kMaxExtendsDepth) {
        if (!deep_extends_reported_) {
          diagnostics_.error(image.extends->location,
                             fmt::format("'{}' extends a chain of more than {} images",
                                         image.name.value, kMaxExtendsDepth));
        }
        deep_extends_reported_ = true;
        return false;
      }
      chain.push_back(parent);
      out.ancestors.push_back(parent_name);
      current = parent;
    }
    if (module_.defaults) out.settings = module_.defaults->value;
    for (auto i = chain.rbegin(); i != chain.rend(); ++i)
      merge_settings(out.settings, (*i)->settings);
    return true;
  }

  // --- Packs of one image ------------------------------------------------
  struct Wanted {
    std::string version;  // as asked ("" = default)
    Location location;    // where it was asked for (or the requiring pack's line)
    std::string reason;
  };

  void resolve_packs(ResolvedImage& image) {
    const std::string& image_name = image.decl->name.value;
    std::map<std::string, Wanted> wanted;
    std::vector<std::string> order_asked;
    bool ok = true;
    const auto want = [&](const std::string& name, const std::string& version, Location where,
                          const std::string& reason) {
      auto it = wanted.find(name);
      if (it == wanted.end()) {
        wanted.emplace(name, Wanted{version, where, reason});
        order_asked.push_back(name);
        return;
      }
      if (!version.empty() && !it->second.version.empty() && it->second.version != version) {
        diagnostics_.error(where, fmt::format("image '{}' asks for two versions of pack '{}': "
                                              "'{}' (line {}) and '{}'",
                                              image_name, name, it->second.version,
                                              it->second.location.line, version));
        ok = false;
      } else if (!version.empty()) {
        it->second.version = version;
        it->second.location = where;
      }
    };
    want("base", "", image.decl->name.location, "every image");
    if (image.decl->runner) want("gh-runner", "", image.decl->name.location, "every runner");
    for (const spec::PackRef& ref : image.settings.packs) {
      if (resolved_.packs.count(ref.name) == 0) {
        unknown_pack(ref.name, ref.location);
        ok = false;
        continue;
      }
      want(ref.name, ref.version, ref.location, "asked for in the spec");
    }
    if (!ok) return;

    // What a pack needs at the version this image gets: `requires` carry no
    // version, so a pack's version is already the one the spec asks for, or its
    // default.
    const auto needs = [&](const std::string& name) {
      const spec::PackDecl& pack = resolved_.packs.at(name);
      return pack_requirements(pack, system_for(pack, version_for(pack, wanted.at(name).version)));
    };

    // Dependencies, depth first, with the path kept for cycle reports.
    std::vector<std::string> path;
    std::set<std::string> done;
    std::function<bool(const std::string&)> visit = [&](const std::string& name) -> bool {
      if (done.count(name) != 0) return true;
      const auto on_path = std::find(path.begin(), path.end(), name);
      if (on_path != path.end()) {
        std::vector<std::string> cycle(on_path, path.end());
        cycle.push_back(name);
        Location where = resolved_.packs.at(*on_path).name.location;
        for (const auto& r : needs(*on_path)) {
          if (r.value == *(on_path + 1 == path.end() ? on_path : on_path + 1)) where = r.location;
        }
        diagnostics_.error(where,
                           fmt::format("pack dependency cycle: {}", text::join(cycle, " -> ")));
        for (std::size_t i = 0; i + 1 < cycle.size(); ++i) {
          for (const auto& r : needs(cycle[i])) {
            if (r.value == cycle[i + 1]) {
              diagnostics_.note(r.location,
                                fmt::format("'{}' requires '{}' here", cycle[i], cycle[i + 1]));
            }
          }
        }
        return false;
      }
      const auto found = resolved_.packs.find(name);
      if (found == resolved_.packs.end()) return false;  // reported by check_pack
      if (path.size() == kMaxPackDepth) {
        if (deep_packs_reported_.insert(path.front()).second) {
          diagnostics_.error(wanted.at(path.front()).location,
                             fmt::format("pack '{}' has a chain of requirements more than {} "
                                         "deep: {} -> …",
                                         path.front(), kMaxPackDepth,
                                         text::join({path.begin(), path.begin() + 4}, " -> ")));
        }
        return false;
      }
      path.push_back(name);
      for (const auto& dependency : needs(name)) {
        if (resolved_.packs.count(dependency.value) == 0) {
          path.pop_back();
          return false;
        }
        want(dependency.value, "", dependency.location, fmt::format("required by '{}'", name));
        if (!visit(dependency.value)) {
          path.pop_back();
          return false;
        }
      }
      path.pop_back();
      done.insert(name);
      return true;
    };
    for (std::size_t i = 0; i < order_asked.size(); ++i) {
      const std::string name = order_asked[i];  // a copy: visiting grows order_asked
      if (!visit(name)) return;
    }
    if (!ok) return;
    std::size_t values = list_values(image.settings);
    for (const auto& [name, w] : wanted)
      values += list_values(resolved_.packs.at(name));
    if (wanted.size() > kMaxPacksPerImage || values > kMaxValuesPerImage) {
      diagnostics_.error(image.decl->name.location,
                         wanted.size() > kMaxPacksPerImage
                             ? fmt::format("image '{}' needs {} packs; at most {} are supported",
                                           image_name, wanted.size(), kMaxPacksPerImage)
                             : fmt::format("image '{}' has {} list values (packages, variables, "
                                           "labels, directories, steps…) with its packs; at "
                                           "most {} are supported",
                                           image_name, values, kMaxValuesPerImage));
      return;
    }

    // Versions.
    std::map<std::string, ResolvedPack> chosen;
    for (const auto& [name, w] : wanted) {
      const spec::PackDecl& pack = resolved_.packs.at(name);
      ResolvedPack rp;
      rp.pack = &pack;
      rp.reason = w.reason;
      const auto versions = pack_versions(pack);
      rp.version = version_for(pack, w.version);
      if (!w.version.empty() && rp.version.empty()) {
        diagnostics_.error(w.location,
                           versions.empty()
                               ? fmt::format("pack '{}' has no versions to choose from", name)
                               : fmt::format("version '{}' of pack '{}' is not available; "
                                             "versions: {}",
                                             w.version, name, text::join(versions, ", ")));
        ok = false;
        continue;
      }
      rp.system = system_for(pack, rp.version);
      rp.fetched = pack.fetch.has_value() && rp.system == nullptr;
      chosen.emplace(name, rp);
    }
    if (!ok) return;

    // Install order: a pack after its requirements and its `after` packs that are
    // present; among the ready ones, by stability (system, toolchain, tool), then name.
    // Kahn's algorithm with the ready packs in a set ordered by (kind, name):
    // O(p log p + edges) rather than a scan of every pack for each one placed.
    std::map<std::string, std::size_t> waiting;  // pack -> packs still to precede it
    std::map<std::string, std::vector<const ResolvedPack*>> unblocks;  // pack -> packs after it
    for (const auto& [name, rp] : chosen) {
      std::set<std::string> before;
      for (const auto& r : pack_requirements(*rp.pack, rp.system))
        before.insert(r.value);
      for (const auto& a : rp.pack->after) {
        if (chosen.count(a.value) != 0) before.insert(a.value);
      }
      waiting[name] = before.size();
      for (const std::string& b : before)
        unblocks[b].push_back(&rp);
    }
    const auto key = [](const ResolvedPack* rp) {
      return std::make_pair(rp->pack->kind, std::cref(rp->pack->name.value));
    };
    const auto by_key = [&](const ResolvedPack* a, const ResolvedPack* b) {
      return key(a) < key(b);
    };
    std::set<const ResolvedPack*, decltype(by_key)> ready(by_key);
    for (const auto& [name, rp] : chosen) {
      if (waiting[name] == 0) ready.insert(&rp);
    }
    while (!ready.empty()) {
      const ResolvedPack* next = *ready.begin();
      ready.erase(ready.begin());
      image.packs.push_back(*next);
      for (const ResolvedPack* after : unblocks[next->pack->name.value]) {
        if (--waiting[after->pack->name.value] == 0) ready.insert(after);
      }
    }
    if (image.packs.size() < chosen.size()) {
      std::vector<std::string> stuck;
      for (const auto& [name, rp] : chosen) {
        if (waiting[name] != 0) stuck.push_back(name);
      }
      diagnostics_.error(
          image.decl->name.location,
          fmt::format("the 'after' orderings of packs {} form a cycle", text::join(stuck, ", ")));
      return;
    }
  }

  // --- Image checks -----------------------------------------------------
  void check_image(const ResolvedImage& image) {
    const spec::Settings& s = image.settings;
    const std::string& name = image.decl->name.value;
    if (s.user && s.user->uid == 0) {
      diagnostics_.warning(s.user->location,
                           fmt::format("image '{}' runs as root; prefer 'user NAME UID'", name));
    }
    // Every platform needs a checksum for every fetched pack.
    for (const ResolvedPack& rp : image.packs) {
      if (!rp.fetched) continue;
      for (const std::string& arch : architectures(s)) {
        const auto& sums = rp.pack->fetch->checksums;
        const bool has = std::any_of(sums.begin(), sums.end(), [&](const spec::Checksum& c) {
          return c.version == rp.version && c.arch == arch;
        });
        if (!has) {
          const Location at = s.platforms ? s.platforms->location : image.decl->name.location;
          diagnostics_.error(at, fmt::format("pack '{}' {} has no sha256 for {} (image '{}')",
                                             rp.pack->name.value, rp.version, arch, name));
        }
      }
    }
    // Caches: stock ones know their paths.
    for (const spec::Cache& cache : s.caches) {
      if (cache.path.empty() && find_stock_cache(cache.name) == nullptr) {
        std::vector<std::string> names;
        for (const auto& c : stock_caches())
          names.emplace_back(c.name);
        diagnostics_.error(cache.location,
                           fmt::format("cache '{}' is not a stock cache, so it needs a path: cache "
                                       "{} /PATH{}",
                                       cache.name, cache.name, did_you_mean(cache.name, names)));
      }
    }
    for (const ResolvedPack& rp : image.packs) {
      for (const spec::Cache& cache : rp.pack->caches) {
        if (cache.path.empty() && find_stock_cache(cache.name) == nullptr) {
          diagnostics_.error(cache.location,
                             fmt::format("cache '{}' of pack '{}' is not a stock cache, so it "
                                         "needs a path",
                                         cache.name, rp.pack->name.value));
        }
      }
    }
    // Each `deps` must be installed by one of the image's packs.
    for (const spec::Deps& deps : s.deps) {
      if (find_deps_installer(image, deps) == nullptr) {
        diagnostics_.error(deps.location,
                           fmt::format("no pack of image '{}' installs '{}'; add the pack that "
                                       "does (e.g. python for requirements.txt) to 'packs'",
                                       name, text::join(deps.files, " ")));
      }
    }
    // Docker's limits on what the names become: a repository of at most 255
    // characters, tags ("TAG-TARGET", "buildcache-TARGET") of at most 128.
    const std::string repository = s.registry ? s.registry->value + "/" + name : name;
    if (repository.size() > 255) {
      diagnostics_.error(s.registry ? s.registry->location : image.decl->name.location,
                         fmt::format("the repository of image '{}' would be {} characters long; "
                                     "Docker allows 255",
                                     name, repository.size()));
    }
    const std::string tag = s.tag ? s.tag->value : "latest";
    for (const spec::Target& target : s.targets) {
      const std::size_t longest =
          std::max(tag.size(), std::string("buildcache").size()) + 1 + target.name.value.size();
      if (longest > 128) {
        diagnostics_.error(target.name.location,
                           fmt::format("the tags of target '{}' of image '{}' would be {} "
                                       "characters long; Docker allows 128",
                                       target.name.value, name, longest));
      }
    }
    // A secret is declared once.
    std::set<std::string> secret_ids;
    for (const spec::Secret& secret : s.secrets) {
      if (!secret_ids.insert(secret.id).second) {
        diagnostics_.error(secret.location,
                           fmt::format("secret '{}' is declared twice", secret.id));
      }
    }
  }

 private:
  const spec::Module& module_;
  Diagnostics& diagnostics_;
  Resolved resolved_;
  std::map<std::string, const spec::ImageDecl*> by_name_;
  std::set<std::string> reported_cycles_;
  std::set<std::string> deep_packs_reported_;
  bool deep_extends_reported_ = false;
  int suggestions_left_ = kMaxSuggestions;
};

}  // namespace

void merge_settings(spec::Settings& into, const spec::Settings& over) {
  replace_if_set(into.base, over.base);
  replace_if_set(into.registry, over.registry);
  replace_if_set(into.tag, over.tag);
  replace_if_set(into.workdir, over.workdir);
  replace_if_set(into.restart, over.restart);
  replace_if_set(into.group, over.group);
  replace_if_set(into.dockerfile, over.dockerfile);
  replace_if_set(into.platforms, over.platforms);
  replace_if_set(into.user, over.user);
  replace_if_set(into.healthcheck, over.healthcheck);
  replace_if_set(into.cmd, over.cmd);
  replace_if_set(into.entrypoint, over.entrypoint);
  replace_if_set(into.limits, over.limits);
  replace_if_set(into.reserve, over.reserve);
  replace_if_set(into.replicas, over.replicas);
  replace_if_set(into.ephemeral, over.ephemeral);
  append(into.packs, over.packs);
  append(into.apt, over.apt);
  append(into.labels, over.labels);
  append(into.dirs, over.dirs);
  append(into.expose, over.expose);
  append(into.env, over.env);
  append(into.args, over.args);
  append(into.oci_labels, over.oci_labels);
  append(into.caches, over.caches);
  append(into.deps, over.deps);
  append(into.copies, over.copies);
  append(into.runs, over.runs);
  append(into.secrets, over.secrets);
  for (const spec::Target& target : over.targets) {
    auto it = std::find_if(into.targets.begin(), into.targets.end(), [&](const spec::Target& t) {
      return t.name.value == target.name.value;
    });
    if (it == into.targets.end()) {
      into.targets.push_back(target);
    } else {
      *it = target;
    }
  }
}

std::vector<std::string> pack_versions(const spec::PackDecl& pack) {
  std::vector<std::string> versions;
  for (const auto& v : pack.versions)
    versions.push_back(v.value);
  if (versions.empty() && pack.version) versions.push_back(pack.version->value);
  return versions;
}

std::vector<spec::At<std::string>> pack_requirements(const spec::PackDecl& pack,
                                                     const spec::SystemVersion* system) {
  std::vector<spec::At<std::string>> out = pack.requires_;
  if (system != nullptr) out.insert(out.end(), system->requires_.begin(), system->requires_.end());
  return out;
}

std::string select_version(const spec::PackDecl& pack, const std::string& asked) {
  std::string best;
  for (const std::string& v : pack_versions(pack)) {
    if (v == asked) return v;
    if (v.rfind(asked + ".", 0) == 0 && (best.empty() || version_less(best, v))) best = v;
  }
  return best;
}

const spec::PackDeps* find_deps_installer(const ResolvedImage& image, const spec::Deps& deps) {
  const spec::PackDeps* best = nullptr;
  std::size_t best_extra = 0;
  for (const ResolvedPack& rp : image.packs) {
    for (const spec::PackDeps& candidate : rp.pack->deps) {
      const bool covers = std::all_of(deps.files.begin(), deps.files.end(), [&](const auto& f) {
        const std::string base = f.substr(f.rfind('/') + 1);
        return std::find(candidate.files.begin(), candidate.files.end(), base) !=
               candidate.files.end();
      });
      if (!covers) continue;
      const std::size_t extra = candidate.files.size() - deps.files.size();
      if (best == nullptr || extra < best_extra) {
        best = &candidate;
        best_extra = extra;
      }
    }
  }
  return best;
}

Resolved resolve(const spec::Module& module, std::vector<spec::PackDecl> library,
                 Diagnostics& diagnostics) {
  return Resolver(module, diagnostics).run(std::move(library));
}

}  // namespace rigc
