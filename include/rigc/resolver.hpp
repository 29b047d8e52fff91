#pragma once
/// Stage 3: names to things. Applies `defaults` and `extends`, finds every pack an
/// image needs (with dependencies, versions and a deterministic install order), and
/// reports everything that is well-formed but wrong: unknown names, cycles,
/// conflicting versions, dependency manifests nobody installs.
///
/// resolve() runs the passes declared below in order: the pack library once, then
/// for each image inheritance, pack closure, size limits, versions, install order
/// and the spec checks, so that an image's diagnostics come together, in file order.
/// check_output_directory() runs after it, once the driver knows the output
/// directory. Each pass is a free function, tested on its own.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rigc/diagnostics.hpp"
#include "rigc/distro.hpp"
#include "rigc/settings.hpp"  // merge_settings, for code that found it here
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
  std::string base;                    ///< the base image, the default one when unset
  Os os = Os::unknown;                 ///< the base's release (`os`, or from the reference)
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

/// The version of `pack` that `asked` selects: itself when listed, otherwise the
/// highest listed version that starts with `asked` + "."; "" when none.
std::string select_version(const spec::PackDecl& pack, const std::string& asked);

/// True when version `a` sorts before `b`: dot-separated parts, those that are both
/// numbers compared as numbers ("1.9" < "1.10"), the others as text.
bool version_less(const std::string& a, const std::string& b);

/// The first `parts` dot-separated components of `version`: its line ("24" of
/// 24.21.0 with 1, "3.13" of 3.13.15+20260814 with 2).
std::string version_line(const std::string& version, int parts);

/// The allowed versions of a pack (its `versions`, or just `version`).
std::vector<std::string> pack_versions(const spec::PackDecl& pack);

/// What a pack needs at one of its versions: its `requires`, then those of the
/// version's `system` line (`system` may be null).
std::vector<spec::At<std::string>> pack_requirements(const spec::PackDecl& pack,
                                                     const spec::SystemVersion* system);

/// The pack of `image` that installs `deps` (the one listing every file of it with
/// the fewest others), or null.
const spec::PackDeps* find_deps_installer(const ResolvedImage& image, const spec::Deps& deps);

/// Every known pack by name (Resolved::packs).
using PacksByName = std::map<std::string, spec::PackDecl>;

/// The images of a module by name: the first declaration of each name.
using ImagesByName = std::map<std::string, const spec::ImageDecl*>;

// --- Limits ------------------------------------------------------------------
// Explicit bounds, so that no spec, however large, makes resolution or lowering
// recurse without limit or take quadratic time on huge lists.

inline constexpr std::size_t kMaxExtendsDepth = 64;      ///< images in one `extends` chain
inline constexpr std::size_t kMaxPackDepth = 64;         ///< packs in one `requires` chain
inline constexpr std::size_t kMaxPacksPerImage = 256;    ///< packs of one image, with dependencies
inline constexpr std::size_t kMaxValuesPerImage = 4096;  ///< list values of an image and its packs
inline constexpr int kMaxSuggestions = 20;               ///< "did you mean" searches per run

/// What one resolve() run reports a bounded number of times, whichever image meets
/// it; the passes share one. A "did you mean" search compares a name with every
/// known one, so a spec full of misspellings would otherwise be quadratic.
struct ReportBudget {
  int suggestions_left = kMaxSuggestions;
  bool deep_extends_reported = false;         ///< an `extends` chain over kMaxExtendsDepth
  std::set<std::string> deep_packs_reported;  ///< first packs of chains over kMaxPackDepth

  /// True while "did you mean" searches are left; uses one up.
  bool take_suggestion() { return suggestions_left-- > 0; }
};

// --- Pass 1: the pack library ------------------------------------------------

/// `library`, with each of `own` (the spec's packs) replacing the library pack of
/// its name. A pack the spec declares twice is an error; the first one counts.
PacksByName merge_pack_library(std::vector<spec::PackDecl> library,
                               const std::vector<spec::PackDecl>& own, Diagnostics& diagnostics);

/// Applies the spec's `pin`s (of `defaults`) to `packs`, without copying a pack
/// into the spec: a pinned version, with the pin's checksums, replaces the pack's
/// downloaded versions of its line (Fetch::line(): node 24.22.3 replaces 24.21.0),
/// and becomes the default when the default was on that line. Reports, at the pin,
/// an unknown pack, a pack that downloads nothing, a `system` version and a second
/// pin on one line of a pack.
void apply_pins(const std::vector<spec::Pin>& pins, PacksByName& packs, ReportBudget& budget,
                Diagnostics& diagnostics);

/// Checks one pack on its own: its default and `system` versions are among its
/// versions, the packs it requires exist in `known`, every version has a `system`
/// line or a `fetch`, and the fetch settings are complete.
void check_pack(const spec::PackDecl& pack, const PacksByName& known, ReportBudget& budget,
                Diagnostics& diagnostics);

// --- Pass 2: inheritance -----------------------------------------------------

/// `images` by name. A name declared twice is an error; the first one counts.
ImagesByName index_images(const std::vector<spec::ImageDecl>& images, Diagnostics& diagnostics);

/// What an image inherits.
struct Inherited {
  spec::Settings settings;             ///< defaults, then each ancestor from the farthest, then
                                       ///< the image itself
  std::vector<std::string> ancestors;  ///< nearest first
};

/// Follows the `extends` chain of `image` through `images` and merges the
/// settings, after `defaults` (null when the spec has none). Nothing, after
/// reporting it, for an unknown parent, a runner and an image in one chain, a chain
/// longer than kMaxExtendsDepth (reported once per run), or a cycle; a cycle is
/// reported as a path from the image of the cycle that comes first in the file
/// (`images` point into one vector in file order), with a note per `extends`.
std::optional<Inherited> inherit(const spec::ImageDecl& image, const ImagesByName& images,
                                 const spec::Settings* defaults, ReportBudget& budget,
                                 Diagnostics& diagnostics);

// --- Pass 3: pack closure and size limits ------------------------------------

/// A pack an image needs, before its version is chosen.
struct WantedPack {
  std::string version;  ///< as asked ("" = the pack's default)
  Location location;    ///< where it was asked for, or the requiring pack's `requires`
  std::string reason;   ///< "every image", "asked for in the spec", "required by 'lang'"
};
using WantedPacks = std::map<std::string, WantedPack>;

/// The packs `image` needs: `base`, `gh-runner` for a runner, `docker-cli` for a
/// runner whose jobs use Docker, the packs it asks for (`settings.packs`, merged)
/// and everything they require at the versions
/// they get, depth first. Nothing, after reporting it, for an unknown pack, two
/// versions asked of one pack, a requirement cycle (a path from the first pack of
/// the cycle, with a note per edge), or a chain deeper than kMaxPackDepth
/// (reported once per first pack of the chain in a run).
std::optional<WantedPacks> pack_closure(const spec::ImageDecl& image,
                                        const spec::Settings& settings, const PacksByName& packs,
                                        ReportBudget& budget, Diagnostics& diagnostics);

/// False, after reporting it, when `image` needs more than kMaxPacksPerImage packs
/// or has more than kMaxValuesPerImage list values with them.
bool check_image_size(const spec::ImageDecl& image, const spec::Settings& settings,
                      const WantedPacks& wanted, const PacksByName& packs,
                      Diagnostics& diagnostics);

// --- Pass 4: versions --------------------------------------------------------

/// Each wanted pack at the version it gets (see version_for), with its `system`
/// line and whether it is fetched, in name order. Nothing when a version asked for
/// is not available (each one reported).
std::optional<std::vector<ResolvedPack>> choose_versions(const WantedPacks& wanted,
                                                         const PacksByName& packs,
                                                         Diagnostics& diagnostics);

// --- Pass 5: install order ---------------------------------------------------

/// `packs` (as choose_versions gives them) in install order: each after its
/// requirements and the packs of its `after` that are present; among the packs
/// ready at once, by kind (system, toolchain, tool), then by name. When orderings
/// form a cycle (or a requirement is missing), reports the packs left, in the order
/// of `packs`, at `image` (the image's name) and returns those placed before.
std::vector<ResolvedPack> install_order(const std::vector<ResolvedPack>& packs, Location image,
                                        Diagnostics& diagnostics);

// --- Pass 6: spec checks -----------------------------------------------------

/// The checks on a resolved image, in this order: a root user (a warning), a
/// sha256 for each fetched pack on each platform, a path for every cache that is
/// not a stock one, a pack installing each `deps`, Docker's length limits on the
/// repository and the target tags, and secrets declared twice.
void check_image(const ResolvedImage& image, Diagnostics& diagnostics);

/// After resolve(), once the output directory is known: a runner's build context
/// is the spec's directory and must hold the generated runner-entrypoint.sh, so the
/// output directory cannot be outside it. `output_dir` is the directory as the
/// driver opens it (shown in the error), `output_dir_from_spec` the same directory
/// relative to the spec's directory (LowerOptions::output_dir). Reports the first
/// runner only.
void check_output_directory(const std::vector<ResolvedImage>& images, const std::string& output_dir,
                            const std::string& output_dir_from_spec, Diagnostics& diagnostics);

// --- More helpers the passes and later stages share --------------------------

/// The version an image gets when it asks for `asked` ("" for the pack's default
/// version, or its first one); "" when no version matches.
std::string version_for(const spec::PackDecl& pack, const std::string& asked);

/// The `system` line of `pack` for `version`, or null.
const spec::SystemVersion* find_system_version(const spec::PackDecl& pack,
                                               const std::string& version);

/// Reports "unknown pack 'NAME'" at `where`, with a "did you mean" among `known`
/// while `budget` lasts.
void report_unknown_pack(const std::string& name, Location where, const PacksByName& known,
                         ReportBudget& budget, Diagnostics& diagnostics);

}  // namespace rigc
