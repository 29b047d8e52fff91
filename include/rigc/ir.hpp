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
  image_packages,  ///< the image's own apt list, a small later layer
  user,            ///< the user, owned directories, pack setup steps
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
  std::string dockerfile;   ///< output path, e.g. "api.Dockerfile"
  std::string syntax;       ///< `# syntax=` frontend, "" for the engine's built-in one
  std::string ignore_file;  ///< "api.Dockerfile.dockerignore"
  std::string repository;   ///< "ghcr.io/acme/runners/api" or "api"
  std::string tag;
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

struct Build {
  std::string spec_name;    ///< the spec's file name, as the header names it
  std::string output_dir;   ///< relative to the spec's directory, e.g. "docker"
  bool entrypoint = false;  ///< some image is a runner: runner-entrypoint.sh is generated
  std::vector<Image> images;
};

}  // namespace rigc::ir
