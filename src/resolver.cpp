#include "rigc/resolver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "rigc/settings.hpp"
#include "rigc/text.hpp"

namespace rigc {
namespace {

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

// The names in `known` (packs or images), as "did you mean" candidates while the
// budget lasts; none after.
template <typename Map>
std::vector<std::string> candidates(const Map& known, ReportBudget& budget) {
  std::vector<std::string> names;
  if (!budget.take_suggestion()) return names;
  names.reserve(known.size());
  for (const auto& entry : known)
    names.push_back(entry.first);
  return names;
}

// --- Pass 1 helpers: one pack on its own -------------------------------------

// The default version and each `system` line name one of the pack's versions.
void check_listed_versions(const spec::PackDecl& pack, const std::vector<std::string>& versions,
                           Diagnostics& diagnostics) {
  const auto listed = [&](const std::string& v) {
    return std::find(versions.begin(), versions.end(), v) != versions.end();
  };
  if (pack.version && !pack.versions.empty() && !listed(pack.version->value)) {
    diagnostics.error(pack.version->location,
                      fmt::format("default version '{}' of pack '{}' is not in its versions",
                                  pack.version->value, pack.name.value));
  }
  for (const auto& system : pack.system) {
    if (!listed(system.version)) {
      diagnostics.error(system.location, fmt::format("version '{}' is not in the versions of "
                                                     "pack '{}'",
                                                     system.version, pack.name.value));
    }
  }
}

// Without a fetch, a pack with `system` lines can install only the versions they
// name.
void check_system_only(const spec::PackDecl& pack, const std::vector<std::string>& versions,
                       Diagnostics& diagnostics) {
  for (const std::string& version : versions) {
    if (!version.empty() && pack.system.size() > 0 &&
        find_system_version(pack, version) == nullptr) {
      diagnostics.error(pack.name.location,
                        fmt::format("pack '{}' version '{}' has neither a 'system' line nor "
                                    "a 'fetch'",
                                    pack.name.value, version));
    }
  }
}

// Reports a word between two '@' in `text` that looks like a placeholder but is
// none of those a fetch knows, such as a misspelt @verison@.
void check_placeholders(const spec::PackDecl& pack, const std::string& text, Location where,
                        Diagnostics& diagnostics) {
  static const char* const kKnown[] = {"mirror", "version", "version-base", "version-build",
                                       "arch"};
  for (std::size_t at = text.find('@'); at != std::string::npos;) {
    const std::size_t end = text.find('@', at + 1);
    if (end == std::string::npos) return;
    const std::string word = text.substr(at + 1, end - at - 1);
    const bool candidate =
        !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == std::string::npos;
    if (!candidate) {
      at = end;
      continue;
    }
    if (std::none_of(std::begin(kKnown), std::end(kKnown),
                     [&](const char* known) { return word == known; })) {
      diagnostics.error(where, fmt::format("unknown placeholder '@{}@' in pack '{}'; a fetch knows "
                                           "@mirror@, @version@, @version-base@, "
                                           "@version-build@ and @arch@",
                                           word, pack.name.value));
    }
    at = text.find('@', end + 1);
  }
}

// What a fetch adds to its URL: per-version URLs for versions the pack has, a
// fetch-run command, and the sources `rigc pin` reads, each with known
// placeholders only.
void check_fetch_extras(const spec::PackDecl& pack, const std::vector<std::string>& versions,
                        Diagnostics& diagnostics) {
  const spec::Fetch& fetch = *pack.fetch;
  check_placeholders(pack, fetch.url.value, fetch.url.location, diagnostics);
  for (const spec::VersionUrl& per_version : fetch.version_urls) {
    check_placeholders(pack, per_version.url.value, per_version.url.location, diagnostics);
    for (const auto& v : per_version.versions) {
      if (std::find(versions.begin(), versions.end(), v.value) == versions.end()) {
        diagnostics.error(v.location, fmt::format("URL for version '{}', which is not in the "
                                                  "versions of pack '{}'",
                                                  v.value, pack.name.value));
      }
    }
  }
  if (fetch.run) check_placeholders(pack, fetch.run->value, fetch.run->location, diagnostics);
  if (fetch.published) {
    check_placeholders(pack, fetch.published->url.value, fetch.published->url.location,
                       diagnostics);
  }
  if (fetch.releases) {
    check_placeholders(pack, fetch.releases->url.value, fetch.releases->url.location, diagnostics);
  }
}

// A fetch needs a URL that names each version, the directory to unpack into, its
// mirror when the URL uses one, and a sha256 only for versions the pack has.
void check_fetch(const spec::PackDecl& pack, const std::vector<std::string>& versions,
                 Diagnostics& diagnostics) {
  const spec::Fetch& fetch = *pack.fetch;
  const std::string& url = fetch.url.value;
  if (url.empty()) {
    diagnostics.error(fetch.location, fmt::format("pack '{}' has fetch settings but no 'fetch "
                                                  "URL'",
                                                  pack.name.value));
    return;
  }
  if (fetch.extract.empty()) {
    diagnostics.error(fetch.url.location, fmt::format("pack '{}' fetches an archive but has no "
                                                      "'extract /DIR'",
                                                      pack.name.value));
  }
  if (url.find("@mirror@") != std::string::npos && fetch.mirror.empty()) {
    diagnostics.error(fetch.url.location,
                      fmt::format("the URL of pack '{}' uses @mirror@ but the pack has no "
                                  "'mirror URL'",
                                  pack.name.value));
  }
  if (fetch.strip > 0 && url.size() >= 4 && url.compare(url.size() - 4, 4, ".zip") == 0) {
    diagnostics.error(fetch.url.location,
                      fmt::format("pack '{}' downloads a .zip archive, which cannot be unpacked "
                                  "with 'strip'; remove 'strip' or use a tar archive",
                                  pack.name.value));
  }
  if (versions.size() > 1 && url.find("@version") == std::string::npos) {
    diagnostics.error(
        fetch.url.location,
        fmt::format("pack '{}' has several versions, so its URL needs @version@", pack.name.value));
  }
  for (const auto& sum : fetch.checksums) {
    if (std::find(versions.begin(), versions.end(), sum.version) == versions.end()) {
      diagnostics.error(sum.location, fmt::format("sha256 for version '{}', which is not in "
                                                  "the versions of pack '{}'",
                                                  sum.version, pack.name.value));
    }
  }
  check_fetch_extras(pack, versions, diagnostics);
}

// --- Pass 2 helpers: the `extends` chain -------------------------------------

// Reports the cycle that `chain` closes (its last image extends its first), once:
// from the image of the cycle that comes first in the file. Every image of a cycle
// finds the same cycle from itself, and they are resolved in file order.
void report_inheritance_cycle(const std::vector<const spec::ImageDecl*>& chain,
                              Diagnostics& diagnostics) {
  const spec::ImageDecl* first =
      *std::min_element(chain.begin(), chain.end(), std::less<const spec::ImageDecl*>());
  if (first != chain.front()) return;
  std::vector<std::string> path;
  path.reserve(chain.size() + 1);
  for (const spec::ImageDecl* image : chain)
    path.push_back(image->name.value);
  path.push_back(chain.front()->name.value);
  diagnostics.error(chain.front()->extends->location,
                    fmt::format("inheritance cycle: {}", text::join(path, " -> ")));
  for (const spec::ImageDecl* image : chain) {
    diagnostics.note(
        image->extends->location,
        fmt::format("'{}' extends '{}' here", image->name.value, image->extends->value));
  }
}

// The `extends` chain of `image`, the image first; nothing after reporting why
// there is none.
std::optional<std::vector<const spec::ImageDecl*>> extends_chain(const spec::ImageDecl& image,
                                                                 const ImagesByName& images,
                                                                 ReportBudget& budget,
                                                                 Diagnostics& diagnostics) {
  std::vector<const spec::ImageDecl*> chain = {&image};
  for (const spec::ImageDecl* current = &image; current->extends;) {
    const std::string& parent_name = current->extends->value;
    const auto it = images.find(parent_name);
    if (it == images.end()) {
      diagnostics.error(
          current->extends->location,
          fmt::format("'{}' extends unknown image '{}'{}", current->name.value, parent_name,
                      did_you_mean(parent_name, candidates(images, budget))));
      return std::nullopt;
    }
    const spec::ImageDecl* parent = it->second;
    const auto seen = std::find(chain.begin(), chain.end(), parent);
    if (seen != chain.end()) {
      // A cycle through `image`; one that `image` only leads to is reported from
      // its own images.
      if (seen == chain.begin()) report_inheritance_cycle(chain, diagnostics);
      return std::nullopt;
    }
    if (parent->runner != image.runner) {
      diagnostics.error(
          current->extends->location,
          fmt::format("{} '{}' cannot extend {} '{}'", current->runner ? "runner" : "image",
                      current->name.value, parent->runner ? "runner" : "image", parent_name));
      return std::nullopt;
    }
    if (chain.size() == kMaxExtendsDepth) {
      if (!budget.deep_extends_reported) {
        diagnostics.error(image.extends->location,
                          fmt::format("'{}' extends a chain of more than {} images",
                                      image.name.value, kMaxExtendsDepth));
      }
      budget.deep_extends_reported = true;
      return std::nullopt;
    }
    chain.push_back(parent);
    current = parent;
  }
  return chain;
}

}  // namespace

bool version_less(const std::string& a, const std::string& b) {
  // Part by part; in each, the leading digits as a number, then the rest as text
  // ("14+20260814": 14, then "+20260814").
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const std::size_t ei = std::min(a.find('.', i), a.size());
    const std::size_t ej = std::min(b.find('.', j), b.size());
    std::size_t di = i, dj = j;
    while (di < ei && a[di] >= '0' && a[di] <= '9')
      ++di;
    while (dj < ej && b[dj] >= '0' && b[dj] <= '9')
      ++dj;
    if (di > i && dj > j) {
      const std::string na = a.substr(i, di - i), nb = b.substr(j, dj - j);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
    } else {
      di = i;
      dj = j;
    }
    const std::string ra = a.substr(di, ei - di), rb = b.substr(dj, ej - dj);
    if (ra != rb) return ra < rb;
    i = ei + 1;
    j = ej + 1;
  }
  return a.size() - std::min(a.size(), i) < b.size() - std::min(b.size(), j);
}

std::string version_line(const std::string& version, int parts) {
  std::size_t end = std::string::npos;
  for (std::size_t i = 0, from = 0; i < static_cast<std::size_t>(parts); ++i) {
    end = version.find('.', from);
    if (end == std::string::npos) break;
    from = end + 1;
  }
  return version.substr(0, end);
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

// --- Helpers shared by the passes and later stages ---------------------------

std::string version_for(const spec::PackDecl& pack, const std::string& asked) {
  if (!asked.empty()) return select_version(pack, asked);
  if (pack.version) return pack.version->value;
  return pack.versions.empty() ? "" : pack.versions.front().value;
}

const spec::SystemVersion* find_system_version(const spec::PackDecl& pack,
                                               const std::string& version) {
  for (const auto& system : pack.system) {
    if (system.version == version) return &system;
  }
  return nullptr;
}

void report_unknown_pack(const std::string& name, Location where, const PacksByName& known,
                         ReportBudget& budget, Diagnostics& diagnostics) {
  diagnostics.error(where, fmt::format("unknown pack '{}'{}", name,
                                       did_you_mean(name, candidates(known, budget))));
}

// --- Pass 1: the pack library ------------------------------------------------

PacksByName merge_pack_library(std::vector<spec::PackDecl> library,
                               const std::vector<spec::PackDecl>& own, Diagnostics& diagnostics) {
  PacksByName packs;
  for (spec::PackDecl& pack : library)
    packs[pack.name.value] = std::move(pack);
  std::map<std::string, Location> declared;
  for (const spec::PackDecl& pack : own) {
    const auto [it, fresh] = declared.emplace(pack.name.value, pack.name.location);
    if (!fresh) {
      diagnostics.error(pack.name.location, fmt::format("pack '{}' is already declared on line {}",
                                                        pack.name.value, it->second.line));
      continue;
    }
    packs[pack.name.value] = pack;
  }
  return packs;
}

void check_pack(const spec::PackDecl& pack, const PacksByName& known, ReportBudget& budget,
                Diagnostics& diagnostics) {
  const std::vector<std::string> versions = pack_versions(pack);
  check_listed_versions(pack, versions, diagnostics);
  for (const auto& name : pack.requires_) {
    if (known.count(name.value) == 0)
      report_unknown_pack(name.value, name.location, known, budget, diagnostics);
  }
  for (const auto& system : pack.system) {
    for (const auto& name : system.requires_) {
      if (known.count(name.value) == 0)
        report_unknown_pack(name.value, name.location, known, budget, diagnostics);
    }
  }
  if (pack.fetch) {
    check_fetch(pack, versions, diagnostics);
  } else {
    check_system_only(pack, versions, diagnostics);
  }
}

// --- Pass 2: inheritance -----------------------------------------------------

ImagesByName index_images(const std::vector<spec::ImageDecl>& images, Diagnostics& diagnostics) {
  ImagesByName by_name;
  for (const spec::ImageDecl& image : images) {
    const auto [it, fresh] = by_name.emplace(image.name.value, &image);
    if (!fresh) {
      diagnostics.error(
          image.name.location,
          fmt::format("{} '{}' is already declared on line {}", image.runner ? "runner" : "image",
                      image.name.value, it->second->name.location.line));
    }
  }
  return by_name;
}

std::optional<Inherited> inherit(const spec::ImageDecl& image, const ImagesByName& images,
                                 const spec::Settings* defaults, ReportBudget& budget,
                                 Diagnostics& diagnostics) {
  const auto chain = extends_chain(image, images, budget, diagnostics);
  if (!chain) return std::nullopt;
  Inherited out;
  for (auto i = chain->begin() + 1; i != chain->end(); ++i)
    out.ancestors.push_back((*i)->name.value);
  if (defaults != nullptr) out.settings = *defaults;
  for (auto i = chain->rbegin(); i != chain->rend(); ++i)
    merge_settings(out.settings, (*i)->settings);
  return out;
}

// --- Pass 3, second half: size limits ----------------------------------------

bool check_image_size(const spec::ImageDecl& image, const spec::Settings& settings,
                      const WantedPacks& wanted, const PacksByName& packs,
                      Diagnostics& diagnostics) {
  std::size_t values = list_values(settings);
  for (const auto& [name, w] : wanted)
    values += list_values(packs.at(name));
  if (wanted.size() <= kMaxPacksPerImage && values <= kMaxValuesPerImage) return true;
  diagnostics.error(image.name.location,
                    wanted.size() > kMaxPacksPerImage
                        ? fmt::format("image '{}' needs {} packs; at most {} are supported",
                                      image.name.value, wanted.size(), kMaxPacksPerImage)
                        : fmt::format("image '{}' has {} list values (packages, variables, "
                                      "labels, directories, steps…) with its packs; at "
                                      "most {} are supported",
                                      image.name.value, values, kMaxValuesPerImage));
  return false;
}

// --- The entry point: the passes in order ------------------------------------

namespace {

// The packs of one image, through passes 3 to 5. A pass that fails leaves the
// image without packs; the spec checks still run on it.
std::vector<ResolvedPack> image_packs(const ResolvedImage& image, const PacksByName& packs,
                                      ReportBudget& budget, Diagnostics& diagnostics) {
  const std::optional<WantedPacks> wanted =
      pack_closure(*image.decl, image.settings, packs, budget, diagnostics);
  if (!wanted || !check_image_size(*image.decl, image.settings, *wanted, packs, diagnostics)) {
    return {};
  }
  const std::optional<std::vector<ResolvedPack>> chosen =
      choose_versions(*wanted, packs, diagnostics);
  if (!chosen) return {};
  return install_order(*chosen, image.decl->name.location, diagnostics);
}

}  // namespace

Resolved resolve(const spec::Module& module, std::vector<spec::PackDecl> library,
                 Diagnostics& diagnostics) {
  Resolved out;
  ReportBudget budget;
  out.packs = merge_pack_library(std::move(library), module.packs, diagnostics);
  if (module.defaults) apply_pins(module.defaults->value.pins, out.packs, budget, diagnostics);
  for (const auto& [name, pack] : out.packs)
    check_pack(pack, out.packs, budget, diagnostics);
  if (module.ignore) {
    for (const auto& pattern : module.ignore->value)
      out.ignore.push_back(pattern.value);
  }
  const ImagesByName images = index_images(module.images, diagnostics);
  const spec::Settings* defaults = module.defaults ? &module.defaults->value : nullptr;
  for (const spec::ImageDecl& decl : module.images) {
    if (images.at(decl.name.value) != &decl) continue;  // a duplicate, reported
    std::optional<Inherited> inherited = inherit(decl, images, defaults, budget, diagnostics);
    if (!inherited) continue;
    ResolvedImage image{
        &decl,      std::move(inherited->settings), std::move(inherited->ancestors), {}, {},
        Os::unknown};
    image.base = image.settings.base ? image.settings.base->value
                 : decl.runner       ? kDefaultRunnerBase
                                     : kDefaultImageBase;
    image.os = image.settings.os ? parse_os(image.settings.os->value) : os_of_base(image.base);
    image.packs = image_packs(image, out.packs, budget, diagnostics);
    check_image(image, diagnostics);
    out.images.push_back(std::move(image));
  }
  return out;
}

}  // namespace rigc
