// Passes 3 to 5 of resolution: the packs an image needs, their versions, and the
// order they are installed in.

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "rigc/resolver.hpp"
#include "rigc/text.hpp"

namespace rigc {
namespace {

// One image's walk through requirements, depth first. A walk that fails is
// abandoned: nothing reads its state afterwards.
struct Walk {
  const PacksByName& packs;
  const std::string& image;  // its name, for messages
  WantedPacks wanted;
  std::vector<std::string> order;  // the wanted packs, in the order first wanted
  std::vector<std::string> path;   // the chain of requirements being followed
  std::set<std::string> done;      // packs whose requirements are all wanted
};

// Adds `name` to the wanted packs, or gives an already wanted pack the version
// now asked for; false after reporting two different versions asked for.
bool want(Walk& walk, const std::string& name, const std::string& version, Location where,
          std::string reason, Diagnostics& diagnostics) {
  const auto it = walk.wanted.find(name);
  if (it == walk.wanted.end()) {
    walk.wanted.emplace(name, WantedPack{version, where, std::move(reason)});
    walk.order.push_back(name);
    return true;
  }
  WantedPack& first = it->second;
  if (!version.empty() && !first.version.empty() && first.version != version) {
    diagnostics.error(where,
                      fmt::format("image '{}' asks for two versions of pack '{}': "
                                  "'{}' (line {}) and '{}'",
                                  walk.image, name, first.version, first.location.line, version));
    return false;
  }
  if (!version.empty()) {
    first.version = version;
    first.location = where;
  }
  return true;
}

// What a wanted pack needs at the version this image gets. `requires` carry no
// version, so a pack's version is already the one the spec asks for, or its
// default.
std::vector<spec::At<std::string>> needs(const Walk& walk, const std::string& name) {
  const spec::PackDecl& pack = walk.packs.at(name);
  const std::string version = version_for(pack, walk.wanted.at(name).version);
  return pack_requirements(pack, find_system_version(pack, version));
}

// Reports the cycle closed by requiring `cycle` (the end of the walk's path) again:
// the path, at the requirement of its first edge, with a note on every edge.
void report_pack_cycle(const Walk& walk, std::vector<std::string> cycle, Diagnostics& diagnostics) {
  cycle.push_back(cycle.front());
  Location where = walk.packs.at(cycle[0]).name.location;
  for (const auto& r : needs(walk, cycle[0])) {
    if (r.value == cycle[1]) where = r.location;
  }
  diagnostics.error(where, fmt::format("pack dependency cycle: {}", text::join(cycle, " -> ")));
  for (std::size_t i = 0; i + 1 < cycle.size(); ++i) {
    for (const auto& r : needs(walk, cycle[i])) {
      if (r.value == cycle[i + 1]) {
        diagnostics.note(r.location,
                         fmt::format("'{}' requires '{}' here", cycle[i], cycle[i + 1]));
      }
    }
  }
}

// Reports a chain of requirements over kMaxPackDepth, once per run for the pack
// that starts it.
void report_deep_chain(const Walk& walk, ReportBudget& budget, Diagnostics& diagnostics) {
  const std::string& first = walk.path.front();
  if (!budget.deep_packs_reported.insert(first).second) return;
  diagnostics.error(
      walk.wanted.at(first).location,
      fmt::format("pack '{}' has a chain of requirements more than {} deep: {} -> …", first,
                  kMaxPackDepth, text::join({walk.path.begin(), walk.path.begin() + 4}, " -> ")));
}

// Wants everything `name` requires, and what that requires in turn. `name` must
// not refer into `walk`, which grows.
bool visit(Walk& walk, const std::string& name, ReportBudget& budget, Diagnostics& diagnostics) {
  if (walk.done.count(name) != 0) return true;
  const auto on_path = std::find(walk.path.begin(), walk.path.end(), name);
  if (on_path != walk.path.end()) {
    report_pack_cycle(walk, {on_path, walk.path.end()}, diagnostics);
    return false;
  }
  if (walk.packs.count(name) == 0) return false;  // reported by check_pack
  if (walk.path.size() == kMaxPackDepth) {
    report_deep_chain(walk, budget, diagnostics);
    return false;
  }
  walk.path.push_back(name);
  for (const auto& dependency : needs(walk, name)) {
    if (walk.packs.count(dependency.value) == 0) return false;  // reported by check_pack
    want(walk, dependency.value, "", dependency.location, fmt::format("required by '{}'", name),
         diagnostics);
    if (!visit(walk, dependency.value, budget, diagnostics)) return false;
  }
  walk.path.pop_back();
  walk.done.insert(name);
  return true;
}

// The names of the packs that must come before `rp`: its requirements, and the
// packs of its `after` that the image has.
std::set<std::string> predecessors(const ResolvedPack& rp,
                                   const std::map<std::string, std::size_t>& present) {
  std::set<std::string> before;
  for (const auto& r : pack_requirements(*rp.pack, rp.system))
    before.insert(r.value);
  for (const auto& a : rp.pack->after) {
    if (present.count(a.value) != 0) before.insert(a.value);
  }
  return before;
}

}  // namespace

// --- Pass 3: pack closure ----------------------------------------------------

std::optional<WantedPacks> pack_closure(const spec::ImageDecl& image,
                                        const spec::Settings& settings, const PacksByName& packs,
                                        ReportBudget& budget, Diagnostics& diagnostics) {
  Walk walk{packs, image.name.value, {}, {}, {}, {}};
  want(walk, "base", "", image.name.location, "every image", diagnostics);
  if (image.runner) want(walk, "gh-runner", "", image.name.location, "every runner", diagnostics);
  if (image.runner && settings.docker && settings.docker->value != "none") {
    want(walk, "docker-cli", "", settings.docker->location,
         fmt::format("for 'docker {}'", settings.docker->value), diagnostics);
  }
  bool ok = true;
  for (const spec::PackRef& ref : settings.packs) {
    if (packs.count(ref.name) == 0) {
      report_unknown_pack(ref.name, ref.location, packs, budget, diagnostics);
      ok = false;
      continue;
    }
    ok =
        want(walk, ref.name, ref.version, ref.location, "asked for in the spec", diagnostics) && ok;
  }
  if (!ok) return std::nullopt;
  for (std::size_t i = 0; i < walk.order.size(); ++i) {
    const std::string name = walk.order[i];  // a copy: visiting grows walk.order
    if (!visit(walk, name, budget, diagnostics)) return std::nullopt;
  }
  return std::move(walk.wanted);
}

// --- Pass 4: versions --------------------------------------------------------

std::optional<std::vector<ResolvedPack>> choose_versions(const WantedPacks& wanted,
                                                         const PacksByName& packs,
                                                         Diagnostics& diagnostics) {
  std::vector<ResolvedPack> chosen;
  chosen.reserve(wanted.size());
  bool ok = true;
  for (const auto& [name, w] : wanted) {
    const spec::PackDecl& pack = packs.at(name);
    ResolvedPack rp{&pack, version_for(pack, w.version), nullptr, false, w.reason};
    if (!w.version.empty() && rp.version.empty()) {
      const std::vector<std::string> versions = pack_versions(pack);
      diagnostics.error(w.location,
                        versions.empty()
                            ? fmt::format("pack '{}' has no versions to choose from", name)
                            : fmt::format("version '{}' of pack '{}' is not available; "
                                          "versions: {}{}",
                                          w.version, name, text::join(versions, ", "),
                                          pack.fetch ? fmt::format("; another one needs its "
                                                                   "checksums: `rigc pin {} "
                                                                   "VERSION` adds them",
                                                                   name)
                                                     : ""));
      ok = false;
      continue;
    }
    rp.system = find_system_version(pack, rp.version);
    rp.fetched = pack.fetch.has_value() && rp.system == nullptr;
    chosen.push_back(std::move(rp));
  }
  if (!ok) return std::nullopt;
  return chosen;
}

// --- Pass 5: install order ---------------------------------------------------

// Kahn's algorithm with the ready packs in a set ordered by (kind, name):
// O(p log p + edges) rather than a scan of every pack for each one placed.
std::vector<ResolvedPack> install_order(const std::vector<ResolvedPack>& packs, Location image,
                                        Diagnostics& diagnostics) {
  std::map<std::string, std::size_t> position;  // name -> index in packs
  for (std::size_t i = 0; i < packs.size(); ++i)
    position.emplace(packs[i].pack->name.value, i);
  std::vector<std::size_t> waiting(packs.size());                // packs still to precede each
  std::vector<std::vector<std::size_t>> unblocks(packs.size());  // packs after each
  for (std::size_t i = 0; i < packs.size(); ++i) {
    const std::set<std::string> before = predecessors(packs[i], position);
    waiting[i] = before.size();  // a requirement the image lacks never comes: a cycle below
    for (const std::string& name : before) {
      const auto it = position.find(name);
      if (it != position.end()) unblocks[it->second].push_back(i);
    }
  }
  const auto by_kind_and_name = [&](std::size_t a, std::size_t b) {
    return std::tie(packs[a].pack->kind, packs[a].pack->name.value) <
           std::tie(packs[b].pack->kind, packs[b].pack->name.value);
  };
  std::set<std::size_t, decltype(by_kind_and_name)> ready(by_kind_and_name);
  for (std::size_t i = 0; i < packs.size(); ++i) {
    if (waiting[i] == 0) ready.insert(i);
  }
  std::vector<ResolvedPack> ordered;
  ordered.reserve(packs.size());
  while (!ready.empty()) {
    const std::size_t next = *ready.begin();
    ready.erase(ready.begin());
    ordered.push_back(packs[next]);
    for (const std::size_t after : unblocks[next]) {
      if (--waiting[after] == 0) ready.insert(after);
    }
  }
  if (ordered.size() < packs.size()) {
    std::vector<std::string> stuck;  // in name order, as `packs` is
    for (std::size_t i = 0; i < packs.size(); ++i) {
      if (waiting[i] != 0) stuck.push_back(packs[i].pack->name.value);
    }
    diagnostics.error(image, fmt::format("the 'after' orderings of packs {} form a cycle",
                                         text::join(stuck, ", ")));
  }
  return ordered;
}

}  // namespace rigc
