#pragma once
/// The typed declarations of a Rig file, as elaborate() reads them from the syntax
/// tree: every statement checked for shape and turned into values, each with the
/// location it came from. Nothing is looked up or inherited yet.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rigc/diagnostics.hpp"

namespace rigc::spec {

/// A value and where it was written.
template <typename T>
struct At {
  T value{};
  Location location;
};

struct PackRef {
  std::string name;
  std::string version;  ///< "" when none was asked for
  Location location;
};

/// `env K=V`, `arg K=V`, `label K=V`.
struct Pair {
  std::string key;
  std::string value;
  bool has_value = true;  ///< false for a bare `arg NAME`
  Location location;
};

struct User {
  std::string name;
  std::uint32_t uid = 1001;
  std::uint32_t gid = 1001;
  Location location;
};

struct Cache {
  std::string name;
  std::string path;  ///< as written (may start with ~); "" for the stock path
  Location location;
};

struct Deps {
  std::vector<std::string> files;
  Location location;
};

struct Copy {
  std::string source;
  std::string dest;
  Location location;
  bool writable = false;  ///< `copy SRC DEST writable`: owned by the image user
};

/// `artifact SRC [DEST]`: what the final image takes from the build phase.
struct Artifact {
  std::string source;  ///< absolute, in the build stage
  std::string dest;    ///< absolute, in the final image (the source's path when unset)
  Location location;
};

struct Run {
  std::string command;
  bool as_root = false;
  Location location;
};

struct Secret {
  std::string id;
  std::string env;     ///< `env NAME`: exported to the step's command
  std::string target;  ///< `target PATH`: mounted as a file there
  Location location;
};

struct Healthcheck {
  std::string command;                   ///< a shell command, or
  std::vector<std::string> exec;         ///< the exec form, for images without a shell
  std::string interval, timeout, start;  ///< canonical durations, "" when unset
  int retries = 0;                       ///< 0 when unset
  Location location;
};

struct Resources {
  std::string cpus;    ///< as written, e.g. "1.5"; "" when unset
  std::string memory;  ///< as written, e.g. "4G"; "" when unset
  std::uint64_t memory_bytes = 0;
  Location location;
  Location cpus_location, memory_location;  ///< the values, for errors about them
};

/// `scale MIN MAX`: the runner is a scale set of Actions Runner Controller (ARC)
/// on Kubernetes, of MIN to MAX runners, instead of a Compose service.
struct Scale {
  std::uint32_t min = 0, max = 0;
  Location location;  ///< the statement
  Location min_location, max_location;
};

/// `tolerations KEY[=VALUE][:EFFECT] …`: one toleration of a node taint (no VALUE:
/// any value, operator Exists; no EFFECT: every effect).
struct Toleration {
  std::string key, value, effect;
  bool has_value = false;
  Location location;
};

/// `work-volume SIZE [class NAME]`: the volume claim of ARC's kubernetes container
/// mode, which the job pods share with the runner.
struct WorkVolume {
  std::string size;  ///< as written, e.g. "10G"
  std::uint64_t bytes = 0;
  std::string storage_class;  ///< "" for the cluster's default
  Location location, size_location;
};

struct ExecForm {
  std::vector<std::string> args;
  Location location;
};

/// `ci-runner PLATFORM LABEL …` or `ci-runner PLATFORM qemu`: where the generated
/// workflow builds one platform.
struct CiRunner {
  std::string platform;
  std::vector<std::string> labels;  ///< the job's runs-on labels; empty with `qemu`
  bool qemu = false;                ///< built on the default amd64 runner under emulation
  Location location;
};

struct Target;

/// One architecture's checksum in a `pin`.
struct PinnedSum {
  At<std::string> arch;
  At<std::string> sha256;
};

/// `pin PACK VERSION sha256 ARCH HEX …` in `defaults`: moves a fetching pack to
/// VERSION with these checksums, without a copy of the pack.
struct Pin {
  At<std::string> pack;
  At<std::string> version;
  std::vector<PinnedSum> sums;
  Location location;  ///< the statement
};

/// The statements of `defaults`, `image`, `runner` and `target` blocks. Optional
/// members are single-valued (replaced by a later block), vectors are lists (added to).
struct Settings {
  std::optional<At<std::string>> base, registry, tag, workdir, restart, group, dockerfile;
  std::optional<At<std::string>> os;       ///< `os debian-12|ubuntu-24.04`: the base's release
  std::optional<At<std::string>> docker;   ///< runners: `docker none|socket|dind`
  std::optional<At<std::string>> drain;    ///< runners: how long a stop waits for a job
  std::optional<At<std::string>> auth;     ///< runners: `auth app|pat|token` (Compose secrets)
  std::optional<At<std::string>> runtime;  ///< the final image's own base (`scratch`, …)
  /// defaults: `ci-workflow .github/workflows/NAME.yml`, where the workflow is written
  std::optional<At<std::string>> ci_workflow;
  std::optional<At<std::vector<std::string>>> platforms;
  std::optional<User> user;
  std::optional<Healthcheck> healthcheck;
  std::optional<ExecForm> cmd, entrypoint;
  std::optional<Resources> limits, reserve;
  std::optional<At<int>> replicas;
  std::optional<At<bool>> ephemeral;
  std::optional<At<bool>> sudo;      ///< runners: passwordless sudo for jobs
  std::optional<At<bool>> init;      ///< an init (tini) as the image's PID 1
  std::optional<At<bool>> renovate;  ///< defaults: write renovate.json for the pins
  std::vector<PackRef> packs;
  std::vector<At<std::string>> apt, labels, dirs, expose;
  std::vector<Pair> env, args, oci_labels;
  std::vector<Cache> caches;
  std::vector<Deps> deps;
  std::vector<Copy> copies;
  std::vector<Run> runs;
  std::vector<Run> builds;  ///< `build` steps: after the sources, in the build stage
  std::vector<Artifact> artifacts;
  std::vector<Secret> secrets;
  std::vector<CiRunner> ci_runners;  ///< defaults only: the workflow's runner per platform
  std::vector<Target> targets;
  // Runner scale sets on Kubernetes (ARC): docs/kubernetes.md.
  std::optional<Scale> scale;
  std::optional<At<std::string>> container_mode;  ///< none|dind|kubernetes|kubernetes-novolume
  std::optional<WorkVolume> work_volume;
  std::optional<At<std::string>> github_url;      ///< ARC's githubConfigUrl
  std::optional<At<std::string>> github_secret;   ///< the Kubernetes Secret ARC reads
  std::optional<At<std::string>> arc_controller;  ///< NAMESPACE/NAME of ARC's service account
  std::optional<Resources> listener, dind;  ///< the listener's and the dind sidecar's resources
  std::vector<Pair> node_selector;
  std::vector<Toleration> tolerations;
  std::vector<Pin> pins;  ///< defaults only: the resolver applies them to the packs
};

/// `target NAME { … }` inside an image: an extra build stage on top of the final one.
struct Target {
  At<std::string> name;
  Settings settings;
};

struct ImageDecl {
  bool runner = false;
  /// The declaration had errors: only its name is kept, and later stages leave out
  /// the image and every image that extends it, without reporting more.
  bool broken = false;
  At<std::string> name;
  std::optional<At<std::string>> extends;
  Settings settings;
};

struct Checksum {
  std::string version;
  std::string arch;
  std::string sha256;
  Location location;
  bool pinned = false;  ///< from the spec's `pin`, not the pack
};

/// `fetch URL for VERSION …`: the download of some versions, when it differs from
/// the pack's default URL (another file name, another build flavour).
struct VersionUrl {
  At<std::string> url;
  std::vector<At<std::string>> versions;
};

/// `checksums sha256sums|json URL`: where upstream publishes the archives'
/// SHA-256, for `rigc pin` (absent: it downloads the archives and hashes them).
struct ChecksumSource {
  At<std::string> format;  ///< "sha256sums" or "json"
  At<std::string> url;     ///< with the URL placeholders of `fetch`
};

/// `releases URL "PATTERN" [line N]`: where upstream lists its versions, for
/// `rigc pin --check`. PATTERN is the text around each version (@version@ in it).
struct ReleaseSource {
  At<std::string> url;
  At<std::string> pattern;
  int line = 1;  ///< leading version components an update keeps (node 24 -> 24.x)
  Location location;
};

/// `renovate DATASOURCE PACKAGE`: how Renovate looks this pack's versions up.
struct RenovateSource {
  At<std::string> datasource;  ///< e.g. github-releases, node-version
  At<std::string> package;     ///< e.g. actions/runner
};

/// How a pack downloads an upstream archive (or a single file).
struct Fetch {
  At<std::string> url;  ///< with @mirror@, @version@, @version-base@, @version-build@, @arch@
  std::vector<VersionUrl> version_urls;  ///< `fetch URL for VERSION …`
  std::string mirror;                    ///< default of the <PACK>_MIRROR build ARG
  std::vector<Pair> arch;                ///< TARGETARCH -> upstream spelling
  std::vector<Checksum> checksums;
  std::string extract;  ///< absolute directory
  int strip = 0;
  bool owned = false;
  std::vector<std::string> only;       ///< `only MEMBER …`: the archive members unpacked
  std::string file;                    ///< `file NAME`: a single file, installed as DIR/NAME
  std::optional<At<std::string>> run;  ///< `fetch-run "CMD"`: run in DIR after unpacking
  std::string into;  ///< `fetch-run … into /DIR`: what is copied out instead of DIR
  std::optional<ChecksumSource> published;  ///< `checksums`
  std::optional<ReleaseSource> releases;
  std::optional<RenovateSource> renovate;
  Location location;

  /// The directory the final image copies: `into`, or the extract directory.
  const std::string& copied() const { return into.empty() ? extract : into; }
  /// How many leading version components make a line (`releases … line N`, default
  /// 1): a pin replaces the versions of its line, and an update stays on it.
  int line() const { return releases ? releases->line : 1; }
};

struct PackDeps {
  std::vector<std::string> files;
  std::string command;
  std::string into;
  Location location;
};

struct SystemVersion {
  std::string version;
  std::vector<std::string> packages;
  Location location;
  std::vector<At<std::string>> requires_;  ///< packs this version needs besides the pack's own
};

enum class PackKind { system, toolchain, tool };

/// `apt-for OS PACKAGE …`: packages whose names differ between releases.
struct AptFor {
  At<std::string> os;
  std::vector<At<std::string>> packages;
};

struct PackDecl {
  At<std::string> name;
  std::string description;
  PackKind kind = PackKind::tool;
  std::optional<At<std::string>> version;
  std::vector<At<std::string>> versions;
  std::vector<SystemVersion> system;
  std::vector<At<std::string>> requires_, after, apt, build_apt, paths, dirs, labels, verify;
  std::vector<Pair> env;
  std::vector<AptFor> apt_for;
  /// Environment and PATH of application images only: never a runner's (its jobs'),
  /// e.g. a virtual environment that an application runs in.
  std::vector<Pair> app_env;
  std::vector<At<std::string>> app_paths;
  std::vector<Run> runs;
  std::vector<Cache> caches;
  std::vector<PackDeps> deps;
  std::optional<Fetch> fetch;
  /// Other names people give the pack (`aliases golang`): an unknown pack of one of
  /// these names is answered with "did you mean" the pack.
  std::vector<At<std::string>> aliases;
  /// Base images that already carry the pack's runtime, by repository name (the
  /// last path component of the reference: `provided-by python`): an image built
  /// on one of them with the pack gets two and a warning.
  std::vector<At<std::string>> provided_by;
  std::vector<Pin> pins;  ///< the spec's pins applied to this pack (by the resolver)
  bool stock = false;     ///< from packs/ (embedded) rather than a spec or --pack-path
  /// The declaration had errors (or resolution found it wrong, or a pin of it):
  /// only its name is kept, and later stages leave out every image that needs it,
  /// without reporting more.
  bool broken = false;
};

struct Module {
  std::optional<At<Settings>> defaults;
  std::vector<ImageDecl> images;  ///< images and runners, in file order
  std::vector<PackDecl> packs;
  std::optional<At<std::vector<At<std::string>>>> ignore;
  /// The `defaults` or `ignore` block had errors. Every image depends on them, so
  /// later stages leave every image out.
  bool shared_broken = false;
};

}  // namespace rigc::spec
