// Pass 1, second half: the spec's pins, applied to the pack library. A pin moves a
// fetching pack to another version by giving that version's checksums, so a spec
// follows upstream without a copy of the pack; everything after this pass (the
// version choice, the checksum check per platform, lowering, labels) sees the
// pinned version as one of the pack's own.

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "rigc/resolver.hpp"

namespace rigc {
namespace {

// The pin's version, with its checksums, in place of the pack's downloaded versions
// of its line; the default when the default was on that line.
void pin_pack(spec::PackDecl& pack, const spec::Pin& pin) {
  const std::string& version = pin.version.value;
  const int parts = pack.fetch->line();
  const std::string line = version_line(version, parts);
  const auto on_line = [&](const std::string& v) {
    return version_line(v, parts) == line && find_system_version(pack, v) == nullptr;
  };
  // A pack with one version lists none: list it, so the pin can take its place.
  if (pack.versions.empty() && pack.version) pack.versions.push_back(*pack.version);
  const bool moves_default = !pack.version || on_line(pack.version->value);
  auto& versions = pack.versions;
  versions.erase(std::remove_if(versions.begin(), versions.end(),
                                [&](const spec::At<std::string>& v) { return on_line(v.value); }),
                 versions.end());
  versions.push_back(pin.version);
  auto& sums = pack.fetch->checksums;
  sums.erase(std::remove_if(sums.begin(), sums.end(),
                            [&](const spec::Checksum& c) { return on_line(c.version); }),
             sums.end());
  for (const spec::PinnedSum& sum : pin.sums)
    sums.push_back({version, sum.arch.value, sum.sha256.value, pin.location, true});
  if (moves_default) pack.version = pin.version;
  pack.pins.push_back(pin);
}

}  // namespace

void apply_pins(const std::vector<spec::Pin>& pins, PacksByName& packs, ReportBudget& budget,
                Diagnostics& diagnostics) {
  std::map<std::pair<std::string, std::string>, Location> seen;
  for (const spec::Pin& pin : pins) {
    const auto it = packs.find(pin.pack.value);
    if (it == packs.end()) {
      report_unknown_pack(pin.pack.value, pin.pack.location, packs, budget, diagnostics);
      continue;
    }
    spec::PackDecl& pack = it->second;
    if (!pack.fetch) {
      diagnostics.error(pin.pack.location,
                        fmt::format("pack '{}' downloads nothing (it has no 'fetch'), so there is "
                                    "no checksum to pin",
                                    pin.pack.value));
      continue;
    }
    if (find_system_version(pack, pin.version.value) != nullptr) {
      diagnostics.error(pin.version.location,
                        fmt::format("version '{}' of pack '{}' is the distribution's own: it "
                                    "downloads nothing to pin",
                                    pin.version.value, pin.pack.value));
      continue;
    }
    const std::string line = version_line(pin.version.value, pack.fetch->line());
    const auto [first, fresh] = seen.emplace(std::make_pair(pin.pack.value, line), pin.location);
    if (!fresh) {
      diagnostics.error(pin.version.location,
                        fmt::format("pack '{}' is already pinned on line {} for its versions "
                                    "{}.x; one pin per line of versions",
                                    pin.pack.value, first->second.line, line));
      continue;
    }
    pin_pack(pack, pin);
  }
}

}  // namespace rigc
