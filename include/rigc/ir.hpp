#pragma once
/// The build IR: plain values, everything the emitters print already decided.
/// Emitters read it and never derive anything; what they need is computed in lower().

#include <optional>
#include <string>
#include <utility>
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

struct Instruction {
  std::vector<std::string> comments;  ///< comment lines above it, without "# "
  std::string text;                   ///< the instruction; continuation lines already laid out
  Layer layer = Layer::stage;
  std::string why;  ///< why it sits here / what invalidates it (for plan)
};

struct Stage {
  std::string name;
  std::string from;     ///< an image reference or an earlier stage
  std::string purpose;  ///< one line, printed above FROM
  std::vector<Instruction> instructions;
  std::vector<std::string> copies_from;  ///< stages this one copies files from (COPY --from)
};

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

/// The container health check, durations as written ("30s"); "" / 0 when unset.
struct Healthcheck {
  std::string command;  ///< a shell command
  std::string interval, timeout, start;
  int retries = 0;
};

struct Image {
  std::string name;
  bool runner = false;
  Location location;
  std::string dockerfile;             ///< output path, e.g. "api.Dockerfile"
  std::string dockerfile_in_context;  ///< the same from the build context: "docker/api.Dockerfile"
  std::string syntax;                 ///< `# syntax=` frontend, "" for the engine's built-in one
  std::string ignore_file;            ///< "api.Dockerfile.dockerignore"
  std::string registry;               ///< "ghcr.io/acme/runners", "" when the spec names none
  std::string repository;             ///< "ghcr.io/acme/runners/api" or "api"
  std::string tag;
  std::string cache_ref;  ///< the registry build cache, "REGISTRY/NAME:buildcache"; "" without one
  std::vector<std::string> platforms;
  std::string default_target;        ///< the stage Compose and Bake build
  std::vector<std::string> targets;  ///< extra targets
  std::vector<Stage> stages;
  std::vector<std::string> ignore;  ///< the .dockerignore lines (without header)
  std::vector<Pack> packs;
  std::vector<Cache> caches;  ///< the image's `cache` statements (volumes at run time)
  std::string user;
  std::uint32_t uid = 0, gid = 0;
  std::string home;
  std::string workdir;
  std::vector<std::string> runner_labels;  ///< without self-hosted, linux and the architecture
  std::vector<std::string> runner_arches;  ///< the runner's architecture labels ("x64", "arm64")
  bool ephemeral = true;
  std::string runner_group;
  Resources limits, reserve;
  int replicas = -1;  ///< -1: unset
  std::string restart;
  std::vector<std::string> expose;  ///< "8000", "53/udp"
  std::optional<Healthcheck> healthcheck;
  std::vector<std::pair<std::string, std::string>> env;         ///< the image's own `env`, in order
  std::vector<std::pair<std::string, std::string>> build_args;  ///< pack versions, mirrors, args
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
  std::string cache_ref;                ///< where this build exports its cache, "" without one
  std::vector<std::string> cache_from;  ///< the caches it reads (its own, then its image's)
  std::vector<std::pair<std::string, std::string>> args;
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
};

}  // namespace rigc::ir
