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

struct Target;

/// The statements of `defaults`, `image`, `runner` and `target` blocks. Optional
/// members are single-valued (replaced by a later block), vectors are lists (added to).
struct Settings {
  std::optional<At<std::string>> base, registry, tag, workdir, restart, group, dockerfile;
  std::optional<At<std::string>> os;       ///< `os debian-12|ubuntu-24.04`: the base's release
  std::optional<At<std::string>> docker;   ///< runners: `docker none|socket|dind`
  std::optional<At<std::string>> drain;    ///< runners: how long a stop waits for a job
  std::optional<At<std::string>> auth;     ///< runners: `auth app|pat|token` (Compose secrets)
  std::optional<At<std::string>> runtime;  ///< the final image's own base (`scratch`, …)
  std::optional<At<std::vector<std::string>>> platforms;
  std::optional<User> user;
  std::optional<Healthcheck> healthcheck;
  std::optional<ExecForm> cmd, entrypoint;
  std::optional<Resources> limits, reserve;
  std::optional<At<int>> replicas;
  std::optional<At<bool>> ephemeral;
  std::optional<At<bool>> sudo;  ///< runners: passwordless sudo for jobs
  std::optional<At<bool>> init;  ///< an init (tini) as the image's PID 1
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
};

/// `target NAME { … }` inside an image: an extra build stage on top of the final one.
struct Target {
  At<std::string> name;
  Settings settings;
};

struct ImageDecl {
  bool runner = false;
  At<std::string> name;
  std::optional<At<std::string>> extends;
  Settings settings;
};

struct Checksum {
  std::string version;
  std::string arch;
  std::string sha256;
  Location location;
};

/// How a pack downloads an upstream archive.
struct Fetch {
  At<std::string> url;     ///< with @mirror@, @version@ and @arch@
  std::string mirror;      ///< default of the <PACK>_MIRROR build ARG
  std::vector<Pair> arch;  ///< TARGETARCH -> upstream spelling
  std::vector<Checksum> checksums;
  std::string extract;  ///< absolute directory
  int strip = 0;
  bool owned = false;
  Location location;
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
  bool stock = false;  ///< from packs/ (embedded) rather than a spec or --pack-path
};

struct Module {
  std::optional<At<Settings>> defaults;
  std::vector<ImageDecl> images;  ///< images and runners, in file order
  std::vector<PackDecl> packs;
  std::optional<At<std::vector<At<std::string>>>> ignore;
};

}  // namespace rigc::spec
