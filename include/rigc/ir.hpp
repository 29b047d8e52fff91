#pragma once
/// The build IR: plain, typed values, everything the emitters print already decided.
/// Emitters read it and never derive anything; what they need is computed in lower().
///
/// A Dockerfile is a list of stages, each a list of typed instructions (Run, Copy,
/// Env, …) that carry the facts later stages need as fields: mounts, `--from`,
/// `--chown`, the user. Only the Dockerfile printer (dockerfile_printer.hpp) turns
/// them into text; nothing reads generated text back.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rigc/diagnostics.hpp"

namespace rigc::ir {

/// Where an instruction sits in the layer order of §4 rule 2, earliest first.
enum class Layer {
  stage,           ///< FROM, SHELL, ARG: stage setup
  os_packages,     ///< the packs' apt packages, one layer
  toolchains,      ///< toolchains copied from their pack stages
  tools,           ///< tools copied from their pack stages, pack environment
  user,            ///< the user, owned directories, pack setup steps
  image_packages,  ///< the image's own apt list, a small later layer
  deps,            ///< dependency manifests and their install
  config,          ///< the image's env and build args
  run,             ///< the image's custom run steps
  sources,         ///< application sources
  metadata,        ///< labels, ports, health check, command
};

/// A short name of a layer for `rigc plan`.
const char* layer_name(Layer layer);

using Vars = std::vector<std::pair<std::string, std::string>>;

/// A `RUN --mount`: a BuildKit cache, a build secret, or the build context (bind).
struct Mount {
  enum class Type { cache, secret, bind };
  Type type = Type::cache;
  std::string target;  ///< absolute path in the build container
  std::string id;      ///< cache id (shared across images) or secret id
  /// cache: the content is platform-specific, so the id ends in -${TARGETARCH} (apt's
  /// lists and archives, compiler caches) and the stage declares ARG TARGETARCH
  bool per_platform = false;
  bool locked = false;               ///< cache: sharing=locked
  std::optional<std::uint32_t> uid;  ///< owner of the cache directory or secret file
  std::optional<std::uint32_t> gid;  ///< cache only
  bool required = false;             ///< secret: the build fails without it
};

/// What a RUN step does, for validation and `rigc plan`.
enum class StepKind {
  apt,         ///< apt-get update and install
  download,    ///< a fetching pack's download, checksum and unpack
  user_setup,  ///< the user, its directories, the packs' first root steps
  pack_setup,  ///< the packs' setup steps
  deps,        ///< a dependency manifest's install
  custom,      ///< the spec's `run` steps
  build,       ///< the spec's `build` steps, after the sources
  cache_dirs,  ///< the user's cache directories made again (Buildah)
};

/// `RUN [mounts] script`: a shell script whose lines ('\n'-separated) are each
/// printed on a continuation line; a command after the first starts with "&& "
/// (see append_command).
struct Run {
  std::vector<Mount> mounts;
  std::string script;
  StepKind kind = StepKind::custom;
};

/// `COPY [--link] [--from=STAGE] [--chown=U:G] [--chmod=MODE] SOURCES… DEST`.
struct Copy {
  std::vector<std::string> sources;
  std::string dest;
  std::string from;   ///< an earlier stage; "" for the build context
  std::string chown;  ///< "UID:GID"; "" for none
  std::string chmod;  ///< e.g. "755"; "" for none
  bool link = false;  ///< COPY --link (dockerfile 1.7 only)
};

struct Env {
  Vars vars;  ///< values may refer to earlier variables ($PATH)
};

struct Label {
  Vars labels;
};

struct Arg {
  std::string name;
  std::optional<std::string> value;  ///< the default
};

/// `USER UID:GID` or `USER root`.
struct User {
  std::string user;
};

struct Workdir {
  std::string path;  ///< absolute
};

struct Expose {
  std::vector<std::string> ports;  ///< "8000", "53/udp"
};

/// The container health check, durations as written ("30s"); "" / 0 when unset.
struct Healthcheck {
  std::string command;            ///< a shell command, or
  std::vector<std::string> exec;  ///< the exec form (no shell needed)
  std::string interval, timeout, start;
  int retries = 0;
};

struct Cmd {
  std::vector<std::string> args;  ///< exec form
};

struct Entrypoint {
  std::vector<std::string> args;  ///< exec form
};

/// `SHELL [...]`, exec form.
struct Shell {
  std::vector<std::string> args;
};

using Op = std::variant<Run, Copy, Env, Label, Arg, User, Workdir, Expose, Healthcheck, Cmd,
                        Entrypoint, Shell>;

struct Instruction {
  Op op;
  std::vector<std::string> comments;  ///< comment lines above it, without "# "
  Layer layer = Layer::stage;
  std::string why;  ///< why it sits here / what invalidates it (for plan)
};

/// Appends a command to a RUN script: "&& " before it when the script already has
/// one, so consecutive steps make one RUN (DL3059). A command may span lines
/// ('\n'-separated; a final line break is dropped).
void append_command(Run& run, std::string_view command);

struct Stage {
  std::string name;
  std::string from;     ///< an image reference or an earlier stage
  std::string purpose;  ///< one line, printed above FROM
  std::vector<Instruction> instructions;
};

/// The stages `stage` copies files from (COPY --from), in order of first use.
std::vector<std::string> copied_from(const Stage& stage);

struct Cache {
  std::string name;
  std::string path;  ///< absolute, home expanded
  std::string id;    ///< the BuildKit cache id, shared across images
};

struct Pack {
  std::string name;
  std::string version;
  std::string reason;
  bool fetched = false;
  std::vector<std::string> verify;
};

struct Resources {
  std::string cpus;
  std::string memory;
};

/// A build secret and the environment variable Compose, Bake and the workflow read
/// its value from (the id in upper case: gem_credentials -> GEM_CREDENTIALS).
struct BuildSecret {
  std::string id;
  std::string env;
};

/// A development service of Compose for an extra target: the target built, the
/// sources bind-mounted over what the image copied (with a volume of its own
/// over each dependency install under them, which the bind would hide), and
/// `develop.watch` rules (sync the sources, rebuild on a dependency manifest).
struct DevService {
  std::string target;
  Vars env;                         ///< the image's environment with the target's over it
  std::vector<std::string> expose;  ///< the image's ports and the target's
  std::vector<std::pair<std::string, std::string>> binds;  ///< context path -> container path
  std::vector<std::string> keep;        ///< dependency installs under a bind (anonymous volumes)
  std::vector<std::string> rebuild_on;  ///< dependency manifests (context paths)
};

/// A path of the build context that the Dockerfile copies, with the spec line
/// that asks for it (validate checks it against the .dockerignore).
struct ContextInput {
  enum class Kind { deps, copy };
  Kind kind = Kind::copy;
  std::string path;
  Location location;
};

// --- Runner scale sets on Kubernetes (ARC's gha-runner-scale-set chart) ----------

/// CPU and memory as Kubernetes quantities ("500m", "2", "1536Mi"); "" when unset.
struct Quantities {
  std::string cpu, memory;
};

struct KubeResources {
  Quantities requests, limits;
};

/// A volume of a pod: an emptyDir, or a PersistentVolumeClaim by name.
struct KubeVolume {
  std::string name;
  std::string claim;  ///< "" for an emptyDir
};

struct KubeMount {
  std::string volume;
  std::string path;
};

/// One container of a runner pod, as the values file writes it.
struct KubeContainer {
  std::string name;
  std::string image;
  std::vector<std::string> command, args;
  Vars env;
  KubeResources resources;
  std::vector<KubeMount> mounts;
  std::optional<std::uint32_t> run_as_user, run_as_group;  ///< numeric, non-root
  bool privileged = false;
  bool no_privilege_escalation = false;  ///< allowPrivilegeEscalation: false
  /// An init container that keeps running beside the others (restartPolicy:
  /// Always, Kubernetes 1.29+), ready once `startup_probe` succeeds.
  bool sidecar = false;
  std::vector<std::string> startup_probe;
};

/// A toleration of a node taint; operator Exists when `value` is unset.
struct KubeToleration {
  std::string key;
  std::optional<std::string> value;
  std::string effect;  ///< "" for every effect
};

/// ARC's container modes: what the chart's containerMode.type says, or `none` (a
/// full template, which dind also uses, so that its sidecar has resources).
enum class ContainerMode { none, dind, kubernetes, kubernetes_novolume };

/// A runner pool as a runner scale set: everything its values file says, already
/// decided (names, quantities, containers, volumes, scheduling).
struct ScaleSet {
  std::string values_file;          ///< "arc/cpp.values.yaml"
  std::string name;                 ///< runnerScaleSetName, the pool's own label: "rig-cpp"
  std::vector<std::string> labels;  ///< scaleSetLabels: the pool's labels, its name first
  std::uint32_t min_runners = 0, max_runners = 0;
  std::string github_url;     ///< "" when the spec names none (helm --set)
  std::string github_secret;  ///< the Secret's name
  std::string runner_group;   ///< "" for the default group
  std::string controller_namespace, controller_account;
  ContainerMode mode = ContainerMode::none;
  /// The chart's containerMode.type: "" for a full template (none, dind).
  std::string chart_mode;
  std::string work_claim_size;   ///< kubernetes mode: the work volume claim ("10Gi")
  std::string work_claim_class;  ///< "" for the cluster's default class
  std::vector<KubeContainer> init_containers, containers;  ///< containers[0] is the runner
  std::vector<KubeVolume> volumes;
  std::uint32_t fs_group = 0;
  std::vector<std::uint32_t> supplemental_groups;
  std::uint64_t termination_grace_seconds = 0;
  Vars node_selector;
  std::vector<KubeToleration> tolerations;
  KubeResources listener;
};

struct Image {
  std::string name;
  bool runner = false;
  bool own_init = false;  ///< the image runs its command under an init of its own (tini)
  Location location;
  std::string dockerfile;             ///< output path, e.g. "api.Dockerfile"
  std::string dockerfile_in_context;  ///< the same from the build context: "docker/api.Dockerfile"
  std::string syntax;                 ///< `# syntax=` frontend, "" for the engine's built-in one
  std::string ignore_file;            ///< "api.Dockerfile.dockerignore"
  std::string registry;               ///< "ghcr.io/acme/runners", "" when the spec names none
  std::string repository;             ///< "ghcr.io/acme/runners/api" or "api"
  std::string tag;
  std::string cache_ref;  ///< the registry build cache, "REGISTRY/NAME:buildcache"; "" without one
  /// The registry cache as CI writes it, one per platform (cache_ref-linux-amd64, …): each
  /// platform is built by a job of its own, which would overwrite a shared one.
  std::vector<std::string> cache_refs;
  std::string base;  ///< the base image reference
  std::vector<std::string> platforms;
  std::string default_target;        ///< the stage Compose and Bake build
  std::vector<std::string> targets;  ///< extra targets
  std::vector<Stage> stages;
  /// The .dockerignore lines (without header); images with the same lines share them.
  std::shared_ptr<const std::vector<std::string>> ignore;
  std::vector<ContextInput> context_inputs;  ///< what the Dockerfile copies from the context
  std::vector<Pack> packs;
  std::vector<Cache> caches;  ///< the image's `cache` statements (volumes at run time)
  /// Every distinct cache mount of its stages (apt's included), in order of first use:
  /// what CI carries from one run to the next. Kept when the stages are released.
  std::vector<Mount> cache_mounts;
  std::string user;
  std::uint32_t uid = 0, gid = 0;
  std::string home;
  std::string workdir;
  /// A runner's labels besides self-hosted, linux and the architecture: its pool's
  /// own label (rig-NAME) first, then its tools' (node, node24, …), then the spec's.
  std::vector<std::string> runner_labels;
  std::string pool_label;                  ///< runners: the label only this pool has (rig-NAME)
  std::vector<std::string> runner_arches;  ///< the runner's architecture labels ("x64", "arm64")
  bool ephemeral = true;
  std::string runner_group;
  std::string docker = "none";        ///< runners: how jobs reach Docker (none, socket, dind)
  std::string auth = "app";           ///< runners: the credential Compose mounts (app, pat, token)
  std::uint64_t drain_seconds = 900;  ///< runners: how long a stop waits for a running job
  bool sudo = false;                  ///< runners: passwordless sudo for jobs
  /// Runners: the image ends as root and its entrypoint runs the runner, and every
  /// job, as the numeric user (setpriv); validate holds the final USER to that.
  bool drops_privileges = false;
  std::string runner_home;           ///< runners: where the Actions runner is installed
  std::vector<std::string> job_env;  ///< runners: the variables jobs get (names)
  Resources limits, reserve;
  int replicas = -1;  ///< -1: unset
  std::string restart;
  std::vector<std::string> expose;  ///< "8000", "53/udp"
  std::optional<Healthcheck> healthcheck;
  Vars env;                                ///< the image's own `env`, in order
  Vars build_args;                         ///< pack versions, mirrors, args
  std::vector<BuildSecret> build_secrets;  ///< what the build mounts (`secret`)
  std::vector<DevService> dev_services;    ///< applications: one per extra target
  /// Runners with `scale`: a runner scale set on Kubernetes (ARC), which is then
  /// not a Compose service.
  std::optional<ScaleSet> scale_set;
};

/// One build as Bake and the workflow run it: an image's default target, or one
/// of its extra `target` blocks ("api-dev"). Both files list the same ones.
struct BuildTarget {
  std::string name;                ///< "api", "api-dev"
  std::string image;               ///< the image's name
  std::string dockerfile;          ///< relative to the build context, e.g. "docker/api.Dockerfile"
  std::string dockerfile_in_repo;  ///< from the repository root: "app/docker/api.Dockerfile"
  std::string stage;               ///< the Dockerfile stage: "final", "release", "dev"
  std::string registry;            ///< "" for an image without a registry (built, not pushed)
  std::string repository;          ///< "ghcr.io/acme/api" or "api"
  std::string tag;                 ///< the image's tag
  std::string tag_suffix;          ///< "-dev" for an extra target, "" otherwise
  std::vector<std::string> platforms;
  std::string cache_ref;  ///< its registry cache, less the platform: "" without one
  /// The caches it reads, per platform (cache_ref-linux-amd64 …): its own, then its image's.
  std::vector<std::string> cache_from;
  Vars args;
  std::vector<BuildSecret> secrets;
};

/// A pinned pack in renovate.json: a custom manager that finds its pin in the spec.
struct RenovatePin {
  std::string pack;        ///< the pack's name, as the pin writes it
  std::string datasource;  ///< the pack's `renovate DATASOURCE PACKAGE`
  std::string package;
  int line = 1;  ///< Fetch::line(): updates that change these leading components are off
};

/// renovate.json (`renovate true` in defaults): how Renovate finds the spec's pins,
/// looks their versions up, and runs `rigc pin` on an update.
struct Renovate {
  std::string spec_path;               ///< the spec from the repository root
  std::vector<RenovatePin> pins;       ///< pinned packs Renovate can look up, by name
  std::vector<std::string> unmanaged;  ///< pinned packs without a datasource
};

/// A build job of the generated workflow: one platform, on a runner of its own.
struct CiPlatform {
  std::string platform;              ///< "linux/arm64"
  std::string pair;                  ///< "linux-arm64": the job, its cache refs and artifacts
  std::vector<std::string> runs_on;  ///< the job's runner labels
  bool qemu = false;                 ///< emulated on an amd64 runner: QEMU is set up first
  std::string group;                 ///< the Bake group of what it builds: "ci-linux-arm64"
  std::vector<std::string> targets;  ///< the Bake targets that have this platform
  Location location;                 ///< the `platforms` (or `ci-runner`) statement behind it
};

/// A cache mount the workflow carries from one run to the next.
struct CiCache {
  Mount mount;       ///< as the images' Dockerfiles mount it (sharing aside)
  std::string slot;  ///< its archive (SLOT-ARCH.tar) and its directory in the helper
};

/// What the generated workflow needs besides the targets.
struct Ci {
  std::vector<CiPlatform> platforms;
  /// Where the workflow goes: "" for github/build-images.yml in the output directory, or
  /// ".github/workflows/NAME.yml" from the repository root (`ci-workflow`).
  std::string workflow;
  std::string output_dir;  ///< the output directory from the repository root ("." at the root)
  std::vector<CiCache> caches;
  /// github/cache-mounts.Dockerfile: `inject` fills the builder's cache mounts from
  /// archives in its context, `export` writes them out (after `extract`).
  std::vector<Stage> cache_stages;
  /// What the saved cache mounts are keyed on (from the repository root): every image's
  /// dependency manifests and the Dockerfiles (their package lists and versions).
  std::vector<std::string> cache_key_files;
  std::string cache_key;  ///< the key's fixed start: "rigc-cache-mounts-SPECDIR"
};

struct Build {
  std::string spec_name;    ///< the spec's file name, as the header names it
  std::string output_dir;   ///< relative to the spec's directory, e.g. "docker"
  std::string context;      ///< the build context (the spec's directory) from the output directory
  std::string repo_dir;     ///< the spec's directory from the repository root ("." at the root)
  bool entrypoint = false;  ///< some image is a runner: runner-entrypoint.sh is generated
  std::vector<Image> images;
  std::vector<BuildTarget> targets;  ///< every image's default target, then each extra target
  std::string registry;  ///< the registry most images use ("" if none): Bake's REGISTRY default
  std::string tag;       ///< the tag most images use: Bake's TAG default
  std::optional<Renovate> renovate;  ///< with `renovate true`
  Ci ci;
};

}  // namespace rigc::ir
