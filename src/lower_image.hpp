#pragma once
// The lowering of one image, shared by the files that build its stages:
// lower_steps.cpp (instructions every stage uses), lower_base.cpp (base and OS
// layers), lower_fetch.cpp (fetching-pack stages), lower_build.cpp (the build
// stage), lower_final.cpp (runtime and final), lower_target.cpp (extra targets),
// lower_ignore.cpp (.dockerignore lines). Each reads an ImageContext, made once
// per image and never changed, and returns what it builds.

#include <string>
#include <vector>

#include "rigc/ir.hpp"
#include "rigc/lower.hpp"

namespace rigc::lowering {

/// A `deps` statement with the pack step that installs it.
struct DepsStep {
  const spec::Deps* deps = nullptr;
  const spec::PackDeps* installer = nullptr;
  const ResolvedPack* pack = nullptr;
};

/// Everything the stage builders of one image read.
struct ImageContext {
  ImageContext(const ResolvedImage& resolved, const LowerOptions& lower)
      : image(resolved), settings(resolved.settings), options(lower) {}
  const ResolvedImage& image;
  const spec::Settings& settings;
  const LowerOptions& options;
  std::string name;
  bool runner = false;
  std::string base;  ///< the base image reference
  Os os = Os::unknown;
  /// Applications: the final image's base when the spec names one (`runtime`),
  /// "" for the image's own runtime stage.
  std::string runtime_base;
  std::string final_base;    ///< what the final image is built on: runtime_base or base
  bool shell = true;         ///< the final image has a shell (not scratch, not distroless)
  bool init = false;         ///< an init (tini) as PID 1
  bool build_phase = false;  ///< applications: `build` steps after the sources
  bool split = false;        ///< the image has targets: its stages part before the sources
  std::string user;
  std::uint32_t uid = 0, gid = 0;
  std::string home, workdir;
  std::string owner;         ///< "UID:GID" for --chown
  bool modern = false;       ///< `dockerfile 1.7`: COPY --link
  bool build_stage = false;  ///< a deps installer needs build-only packages: runtime/build/final
  /// An application that no other image of the spec shares its base stage with: the
  /// packs' OS packages join the base pack's in the base stage's one apt layer.
  bool packs_in_base = false;
  std::vector<DepsStep> deps;
  std::vector<ir::Cache> caches;  ///< the image's `cache` statements, apt left out
};

ImageContext make_context(const ResolvedImage& image, const LowerOptions& options);

/// Appends `more` to `to`.
void append(std::vector<ir::Instruction>& to, std::vector<ir::Instruction> more);

// --- lower_steps.cpp: instructions --------------------------------------------

ir::Instruction instruction(ir::Op op, ir::Layer layer, std::string why,
                            std::vector<std::string> comments = {});

/// A stage that starts with `SHELL bash -o pipefail`.
ir::Stage new_stage(const std::string& name, const std::string& from, const std::string& purpose);

/// One apt layer: update and install a sorted, de-duplicated package set, with
/// the apt cache mounts; `keep_cache` first makes apt keep its .debs.
ir::Instruction apt_layer(const ImageContext& c, std::vector<std::string> packages, ir::Layer layer,
                          const std::string& what, const std::string& why, bool keep_cache);

/// A cache by name, its path from the spec or the stock caches, "~" expanded.
ir::Cache make_cache(const ImageContext& c, const spec::Cache& cache);
std::string cache_path(const ImageContext& c, const std::string& name, const std::string& written);

/// The mounts of a step of `pack` (null: of the image): the pack's caches, the
/// image's caches (those the pack also names, for a pack's step), the secrets.
std::vector<ir::Mount> step_mounts(const ImageContext& c, const spec::PackDecl* pack);

/// `command`, preceded by the export of the secrets given as `env NAME`.
std::string with_secret_env(const ImageContext& c, const std::string& command);

/// `USER UID:GID` (or root).
ir::User user_op(const ImageContext& c);
/// The USER a stage runs as; for root, with the suppression and its reason.
ir::Instruction user_step(const ImageContext& c, ir::Layer layer, const std::string& why);

/// ENV instructions for `vars` (later duplicates win), split where a value refers
/// to a variable set earlier in the same instruction (DL3044).
std::vector<ir::Instruction> env_instructions(const ir::Vars& vars, ir::Layer layer,
                                              const std::string& why, const std::string& comment);

/// A `run` step of a pack (null: of the image).
struct Step {
  const spec::Run* run = nullptr;
  const spec::PackDecl* pack = nullptr;
};

/// Adds the mounts of `step` that `mounts` lacks (a pack's step gets no secrets).
void add_mounts(const ImageContext& c, std::vector<ir::Mount>& mounts, const Step& step);

/// Consecutive steps as one RUN with the union of their mounts; a step `as root`
/// gets a RUN of its own between USER switches.
std::vector<ir::Instruction> run_steps(const ImageContext& c, const std::vector<Step>& steps,
                                       ir::StepKind kind, ir::Layer layer, const std::string& why);

/// The spec's `run` steps of `s` (an image's or a target's).
std::vector<ir::Instruction> custom_runs(const ImageContext& c, const spec::Settings& s);

/// The image's (or a target's) build args and environment.
std::vector<ir::Instruction> config(const spec::Settings& s, ir::Layer layer);

/// An apt layer after the image user is set: as root, then back to the user.
std::vector<ir::Instruction> own_packages(const ImageContext& c,
                                          const std::vector<std::string>& packages,
                                          const std::string& what, const std::string& why);

/// The dependency manifests' COPY and install steps, in the workdir.
std::vector<ir::Instruction> deps_steps(const ImageContext& c);

/// `path` from the workdir when relative, "~" expanded.
std::string absolute_in_workdir(const ImageContext& c, const std::string& path);

/// A runner's registration labels, without the fixed self-hosted, linux and
/// architecture labels: its pool's own (rig-NAME), then the packs' in install
/// order, each also with its version where the pack has versions (node, node24),
/// then the spec's.
std::vector<std::string> runner_labels(const ImageContext& c);

/// A runner's last steps: back to root (its entrypoint drops to the runner user),
/// the home directory's snapshot, the entrypoint.
std::vector<ir::Instruction> runner_tail(const ImageContext& c);

/// The environment variables (names) a runner's jobs get: the image's own and the
/// packs' (never `app-env`), PATH, ImageOS, and Docker's client settings.
std::vector<std::string> job_env(const ImageContext& c);

/// Where the Actions runner is installed: the gh-runner pack's directory.
std::string runner_home(const ImageContext& c);

/// A pack's OS packages for the image's release: `apt`, then `apt-for` of the release.
std::vector<std::string> pack_apt(const ImageContext& c, const spec::PackDecl& pack);

/// After the stages are made: `ARG TARGETARCH` in each stage whose cache mounts are
/// per platform, and the image's base and distinct cache mounts (what CI keeps).
void finish_cache_mounts(const ImageContext& c, ir::Image& image);

/// The runner entrypoint as the build context sees it.
std::string entrypoint_in_context(const LowerOptions& options);

// --- lower_runtime.cpp: what every image's runtime stage has, and metadata -------

std::vector<ir::Instruction> pack_packages(const ImageContext& c);
/// The packs' OS packages (the base pack's left out), tini for an init; `with`
/// gets the names of the packs that have some.
std::vector<std::string> runtime_packages(const ImageContext& c, std::vector<std::string>* with);
/// Whether pack stage `stage` adds nothing to the base stage but the directory the
/// runtime copies from it (no download tools of its own, no fetch-run), so the
/// runtime can start from it instead of copying.
bool pack_stage_adds_only(const ImageContext& c, const std::string& stage);
/// Whether `pack`'s setup steps run in the build stage rather than the runtime:
/// the build stage installs its dependencies into a directory of the pack's own,
/// which the final image copies from there.
bool setup_in_build(const ImageContext& c, const spec::PackDecl& pack);
/// The OS packages the base stage installs.
std::vector<std::string> base_packages(const ImageContext& c);
std::vector<ir::Instruction> pack_copies(const ImageContext& c);
std::vector<ir::Instruction> pack_environment(const ImageContext& c);
std::vector<std::string> owned_dirs(const ImageContext& c);
std::vector<ir::Instruction> user_setup(const ImageContext& c);
/// The user's cache directories made again after the last RUN that mounts them
/// (Buildah drops them), at the end of `final`.
void remake_cache_dirs(const ImageContext& c, const std::vector<const ir::Stage*>& image_stages,
                       ir::Stage& final);
ir::Vars image_labels(const ImageContext& c, const spec::Settings& s);
ir::Healthcheck healthcheck_op(const spec::Healthcheck& h);
/// Labels, ports, health check, entrypoint (behind an init when asked) and command
/// of `s` (an image's settings, or a target's merged over them).
std::vector<ir::Instruction> metadata(const ImageContext& c, const spec::Settings& s);

// --- lower_kubernetes.cpp: runner scale sets (ARC) ----------------------------------

/// The runner scale set of a runner with `scale`, from its context and its image's
/// settings (`image` filled by image_settings); nothing without `scale` or after an
/// error, reported at the statement responsible.
std::optional<ir::ScaleSet> scale_set(const ImageContext& c, const ir::Image& image,
                                      Diagnostics& d);
/// What a scale-set pool's jobs get besides job_env(): the variables ARC and the
/// chart give the runner.
std::vector<std::string> scale_set_job_env(const ImageContext& c);
/// The command that puts a dind scale-set pool's user in the group of the
/// sidecar's socket (gid 123); "" for other images.
std::string scale_set_docker_group(const ImageContext& c);

// --- one file each ---------------------------------------------------------------

/// The platform CI builds an image without `platforms` for (the runners' own).
inline constexpr const char* kCiDefaultPlatform = "linux/amd64";

/// "linux/arm/v7" -> "linux-arm-v7": a platform in a tag, a job or an artifact name.
std::string platform_pair(const std::string& platform);

/// What the workflow needs besides the targets (lower_ci.cpp): a build job per
/// platform with its runner and Bake group, where the workflow goes, and the cache
/// mounts it carries between runs with the helper Dockerfile that moves them.
ir::Ci lower_ci(const Resolved& resolved, const LowerOptions& options, const ir::Build& build,
                Diagnostics& diagnostics);

ir::Stage base_stage(const ImageContext& c);
std::vector<ir::Stage> fetch_stages(const ImageContext& c);
ir::Vars fetch_build_args(const ImageContext& c);
ir::Stage build_stage(const ImageContext& c);
/// A runner's stages after the pack stages (lower_runner.cpp).
std::vector<ir::Stage> runner_stages(const ImageContext& c);
/// An application's stages after the pack stages (lower_app.cpp).
std::vector<ir::Stage> app_stages(const ImageContext& c);
/// The stage an application's targets start from: everything before its sources.
std::string target_base_stage(const ImageContext& c);
/// The directories an application writes (`dirs`), made by root after its sources.
std::vector<ir::Instruction> source_dirs(const ImageContext& c, const spec::Settings& s);

/// The extra targets' stages, then `release` when there are any. Names taken by
/// generated stages are reported and skipped.
struct Targets {
  std::vector<ir::Stage> stages;
  std::vector<std::string> names;
};
Targets target_stages(const ImageContext& c, Diagnostics& diagnostics);

std::vector<std::string> dockerignore_lines(const ImageContext& c,
                                            const std::vector<std::string>& patterns);

}  // namespace rigc::lowering
