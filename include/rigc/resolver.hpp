#pragma once
/// Stage 3: names to things. Applies `defaults` and `extends`, finds every pack an
/// image needs (with dependencies, versions and a deterministic install order), and
/// reports everything that is well-formed but wrong: unknown names, cycles,
/// conflicting versions, dependency manifests nobody installs.

#include <map>
#include <string>
#include <vector>

#include "rigc/diagnostics.hpp"
#include "rigc/spec.hpp"

namespace rigc {

/// A pack as one image uses it.
struct ResolvedPack {
  const spec::PackDecl* pack = nullptr;
  std::string version;                          ///< "" for a pack without versions
  const spec::SystemVersion* system = nullptr;  ///< set when the version is the distribution's
  bool fetched = false;                         ///< downloaded in its own stage
  std::string reason;                           ///< "asked for in the spec", "required by 'yarn'"
};

struct ResolvedImage {
  const spec::ImageDecl* decl = nullptr;
  spec::Settings settings;             ///< defaults, then each ancestor, then the image itself
  std::vector<std::string> ancestors;  ///< nearest first
  std::vector<ResolvedPack> packs;     ///< in install order
};

struct Resolved {
  std::vector<ResolvedImage> images;            ///< in file order
  std::vector<std::string> ignore;              ///< the spec's ignore patterns
  std::map<std::string, spec::PackDecl> packs;  ///< every known pack by name
};

/// Resolves `module` against `library` (stock and --pack-path packs; the module's
/// own packs replace library packs of the same name).
Resolved resolve(const spec::Module& module, std::vector<spec::PackDecl> library,
                 Diagnostics& diagnostics);

/// Adds `over` to `into` as `extends` does: lists append, single values replace.
void merge_settings(spec::Settings& into, const spec::Settings& over);

/// The version of `pack` that `asked` selects: itself when listed, otherwise the
/// highest listed version that starts with `asked` + "."; "" when none.
std::string select_version(const spec::PackDecl& pack, const std::string& asked);

/// The allowed versions of a pack (its `versions`, or just `version`).
std::vector<std::string> pack_versions(const spec::PackDecl& pack);

/// What a pack needs at one of its versions: its `requires`, then those of the
/// version's `system` line (`system` may be null).
std::vector<spec::At<std::string>> pack_requirements(const spec::PackDecl& pack,
                                                     const spec::SystemVersion* system);

/// The pack of `image` that installs `deps` (the one listing every file of it with
/// the fewest others), or null.
const spec::PackDeps* find_deps_installer(const ResolvedImage& image, const spec::Deps& deps);

}  // namespace rigc
