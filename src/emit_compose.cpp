#include <map>
#include <set>
#include <string>

#include "rigc/emit.hpp"
#include "rigc/templates.hpp"
#include "rigc/text.hpp"
#include "rigc/yaml_text.hpp"

namespace rigc {
namespace {

// A port mapping that publishes `expose` on the same host port: "8000:8000",
// "53:53/udp".
std::string published(const std::string& port) {
  const auto slash = port.find('/');
  const std::string number = port.substr(0, slash);
  return number + ":" + port;
}

// Compose interpolates "$VAR" and "${VAR}" in every value; "$$" is a literal "$".
std::string literal(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '$') out += '$';
    out += c;
  }
  return out;
}

// A runner's bound on processes (a fork bomb in a job stops there). Compose v2
// takes it as deploy.resources.limits.pids, the same as pids_limit.
constexpr int kRunnerPids = 4096;

void resources(YAML::Emitter& out, const char* key, const ir::Resources& r, int pids = 0) {
  if (r.cpus.empty() && r.memory.empty() && pids == 0) return;
  yaml::key(out, key);
  out << YAML::BeginMap;
  if (!r.cpus.empty()) {
    yaml::key(out, "cpus");
    yaml::quoted(out, r.cpus);
  }
  if (!r.memory.empty()) {
    yaml::key(out, "memory");
    yaml::string(out, r.memory);
  }
  if (pids > 0) {
    yaml::key(out, "pids");
    out << pids;
  }
  out << YAML::EndMap;
}

// The Compose secret a runner's entrypoint reads its credential from
// (/run/secrets/NAME; docs/runners.md).
const char* runner_secret(const ir::Image& image) {
  if (image.auth == "pat") return "github_token";
  if (image.auth == "token") return "runner_token";
  return "github_app_private_key";
}

// Where a runner's jobs keep their work in Docker modes: the same path inside the
// runner and on the daemon's side, so that a job's bind mounts and `container:`
// jobs find their files. Compose interpolates the variable.
std::string runner_work(const ir::Image& image) {
  return "${RIGC_RUNNER_WORK:-/var/lib/rigc/runners}/" + image.name;
}

std::string dind_service(const ir::Image& image) {
  return image.name + "-dind";
}

void build_section(YAML::Emitter& out, const ir::Build& build, const ir::Image& image,
                   const std::string& target) {
  yaml::key(out, "build");
  out << YAML::BeginMap;
  yaml::key(out, "context");
  yaml::string(out, build.context);
  yaml::key(out, "dockerfile");
  yaml::string(out, image.dockerfile_in_context);
  yaml::key(out, "target");
  yaml::string(out, target);
  if (!image.cache_refs.empty()) {  // the registry cache CI writes, per platform
    yaml::key(out, "cache_from");
    yaml::strings(out, image.cache_refs);
  }
  if (!image.build_secrets.empty()) {
    std::vector<std::string> ids;
    for (const ir::BuildSecret& secret : image.build_secrets)
      ids.push_back(secret.id);
    yaml::key(out, "secrets");
    yaml::strings(out, ids);
  }
  out << YAML::EndMap;
}

// How operators run a runner: an init as PID 1, time to drain a job and
// deregister, bounded logs and processes, its credential as a secret.
void runner_operations(YAML::Emitter& out, const ir::Image& image) {
  yaml::key(out, "init");
  out << true;
  yaml::key(out, "stop_grace_period");
  yaml::scalar(out, std::to_string(image.drain_seconds + 60) + "s");
  yaml::key(out, "env_file");
  yaml::strings(out, {"runner.env"});
  yaml::key(out, "secrets");
  yaml::strings(out, {runner_secret(image)});
  yaml::key(out, "logging");
  out << YAML::BeginMap;
  yaml::key(out, "driver");
  yaml::scalar(out, "json-file");
  yaml::key(out, "options");
  out << YAML::BeginMap;
  yaml::key(out, "max-size");
  yaml::string(out, "10m");
  yaml::key(out, "max-file");
  yaml::quoted(out, "3");
  out << YAML::EndMap;
  out << YAML::EndMap;
  if (image.docker == "dind") {
    yaml::key(out, "depends_on");
    out << YAML::BeginMap;
    yaml::key(out, dind_service(image));
    out << YAML::BeginMap;
    yaml::key(out, "condition");
    yaml::scalar(out, "service_healthy");
    out << YAML::EndMap;
    out << YAML::EndMap;
  }
}

ir::Vars environment(const ir::Image& image) {
  ir::Vars environment;
  for (const auto& [key, value] : image.env)
    environment.emplace_back(key, literal(value));
  if (image.runner && image.docker != "none")
    environment.emplace_back("RUNNER_WORK_ROOT", runner_work(image));
  if (image.runner && image.docker == "dind") {
    environment.emplace_back("DOCKER_HOST", "tcp://" + dind_service(image) + ":2376");
    environment.emplace_back("DOCKER_TLS_VERIFY", "1");
    environment.emplace_back("DOCKER_CERT_PATH", "/certs/client");
  }
  return environment;
}

void environment_section(YAML::Emitter& out, const ir::Vars& environment) {
  if (environment.empty()) return;
  yaml::key(out, "environment");
  out << YAML::BeginMap;
  for (const auto& [key, value] : environment) {
    yaml::key(out, key);
    yaml::string(out, value);
  }
  out << YAML::EndMap;
}

void ports(YAML::Emitter& out, const ir::Image& image) {
  if (image.expose.empty()) return;
  yaml::key(out, "expose");
  out << YAML::BeginSeq;
  for (const std::string& port : image.expose)
    yaml::quoted(out, port);
  out << YAML::EndSeq;
  // Published on the host too, for an application run alone; a pool of replicas
  // or a runner would collide on the host port.
  if (!image.runner && image.replicas <= 1) {
    yaml::key(out, "ports");
    out << YAML::BeginSeq;
    for (const std::string& port : image.expose)
      yaml::quoted(out, published(port));
    out << YAML::EndSeq;
  }
}

void volumes(YAML::Emitter& out, const ir::Image& image) {
  std::vector<std::string> mounts;
  for (const ir::Cache& cache : image.caches)
    mounts.push_back(literal(cache.id + ":" + cache.path));
  if (image.runner && image.docker == "socket")
    mounts.push_back("/var/run/docker.sock:/var/run/docker.sock");
  if (image.runner && image.docker != "none")
    mounts.push_back(runner_work(image) + ":" + runner_work(image));
  if (image.runner && image.docker == "dind")
    mounts.push_back(image.name + "-docker-certs:/certs:ro");
  if (mounts.empty()) return;
  yaml::key(out, "volumes");
  yaml::strings(out, mounts);
}

void durations(YAML::Emitter& out, const ir::Healthcheck& h) {
  const std::pair<const char*, const std::string*> durations[] = {
      {"interval", &h.interval}, {"timeout", &h.timeout}, {"start_period", &h.start}};
  for (const auto& [key, value] : durations) {
    if (value->empty()) continue;
    yaml::key(out, key);
    yaml::string(out, *value);
  }
  if (h.retries > 0) {
    yaml::key(out, "retries");
    out << h.retries;
  }
}

// The image's own health check; a runner without one is healthy while its
// listener runs (the entrypoint's `health`).
void healthcheck(YAML::Emitter& out, const ir::Image& image) {
  if (!image.healthcheck && !image.runner) return;
  yaml::key(out, "healthcheck");
  out << YAML::BeginMap;
  yaml::key(out, "test");
  if (image.healthcheck && !image.healthcheck->exec.empty()) {
    std::vector<std::string> test = {"CMD"};
    for (const std::string& arg : image.healthcheck->exec)
      test.push_back(literal(arg));
    yaml::flow_quoted(out, test);
    durations(out, *image.healthcheck);
  } else if (image.healthcheck) {
    yaml::flow_quoted(out, {"CMD-SHELL", literal(image.healthcheck->command)});
    durations(out, *image.healthcheck);
  } else {
    yaml::flow_quoted(out, {"CMD", "/usr/local/bin/runner-entrypoint.sh", "health"});
    durations(out, {"", {}, "30s", "5s", "2m", 3});
  }
  out << YAML::EndMap;
}

void deploy(YAML::Emitter& out, const ir::Image& image) {
  const bool has_resources = image.runner || !image.limits.cpus.empty() ||
                             !image.limits.memory.empty() || !image.reserve.cpus.empty() ||
                             !image.reserve.memory.empty();
  if (image.replicas < 0 && !has_resources) return;
  yaml::key(out, "deploy");
  out << YAML::BeginMap;
  if (image.replicas >= 0) {
    yaml::key(out, "replicas");
    out << image.replicas;
  }
  if (has_resources) {
    yaml::key(out, "resources");
    out << YAML::BeginMap;
    resources(out, "limits", image.limits, image.runner ? kRunnerPids : 0);
    resources(out, "reservations", image.reserve);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void service(YAML::Emitter& out, const ir::Build& build, const ir::Image& image) {
  yaml::key(out, image.name);
  out << YAML::BeginMap;
  build_section(out, build, image, image.default_target);
  yaml::key(out, "image");
  yaml::string(out, image.repository + ":" + image.tag);
  if (!image.restart.empty()) {
    yaml::key(out, "restart");
    yaml::string(out, image.restart);  // quoted when "no"
  }
  if (image.runner) {
    runner_operations(out, image);
  } else {
    // An init as PID 1 passes `docker compose stop`'s SIGTERM on to the program.
    // Not a second one: tini under docker-init warns that it cannot reap.
    if (!image.own_init) {
      yaml::key(out, "init");
      out << true;
    }
  }
  environment_section(out, environment(image));
  ports(out, image);
  volumes(out, image);
  healthcheck(out, image);
  deploy(out, image);
  out << YAML::EndMap;
}

// A path of the build context as Compose sees it from the output directory.
std::string in_context(const ir::Build& build, const std::string& path) {
  if (path == "." || path.empty()) return build.context;
  return build.context == "." ? path : build.context + "/" + path;
}

// A target's development service (profile `dev`): the target built, the sources
// bind-mounted over what the image copied (an anonymous volume keeps each
// dependency install under them, e.g. node_modules, which the bind would hide),
// and `develop.watch` syncing source edits and rebuilding when a dependency
// manifest changes.
void dev_service(YAML::Emitter& out, const ir::Build& build, const ir::Image& image,
                 const ir::DevService& dev) {
  yaml::key(out, image.name + "-" + dev.target);
  out << YAML::BeginMap;
  build_section(out, build, image, dev.target);
  yaml::key(out, "image");
  yaml::string(out, image.repository + ":" + image.tag + "-" + dev.target);
  yaml::key(out, "profiles");
  yaml::strings(out, {"dev"});
  if (!image.own_init) {
    yaml::key(out, "init");
    out << true;
  }
  ir::Vars env;
  for (const auto& [key, value] : dev.env)
    env.emplace_back(key, literal(value));
  environment_section(out, env);
  if (!dev.expose.empty()) {
    yaml::key(out, "ports");
    out << YAML::BeginSeq;
    for (const std::string& port : dev.expose)
      yaml::quoted(out, published(port));
    out << YAML::EndSeq;
  }
  std::vector<std::string> volumes;
  for (const auto& [source, dest] : dev.binds)
    volumes.push_back(literal(in_context(build, source) + ":" + dest));
  for (const std::string& path : dev.keep)
    volumes.push_back(literal(path));
  if (!volumes.empty()) {
    yaml::key(out, "volumes");
    yaml::strings(out, volumes);
  }
  yaml::key(out, "develop");
  out << YAML::BeginMap;
  yaml::key(out, "watch");
  out << YAML::BeginSeq;
  for (const auto& [source, dest] : dev.binds) {
    out << YAML::BeginMap;
    yaml::key(out, "action");
    yaml::scalar(out, "sync");
    yaml::key(out, "path");
    yaml::string(out, literal(in_context(build, source)));
    yaml::key(out, "target");
    yaml::string(out, literal(dest));
    out << YAML::EndMap;
  }
  for (const std::string& file : dev.rebuild_on) {
    out << YAML::BeginMap;
    yaml::key(out, "action");
    yaml::scalar(out, "rebuild");
    yaml::key(out, "path");
    yaml::string(out, literal(in_context(build, file)));
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::EndMap;
  out << YAML::EndMap;
}

// Docker-in-Docker beside a runner pool (`docker dind`): privileged, its TLS
// client certificates shared with the runners, the runners' work path at the
// same place.
void dind(YAML::Emitter& out, const ir::Image& image) {
  yaml::key(out, dind_service(image));
  out << YAML::BeginMap;
  yaml::key(out, "image");
  yaml::scalar(out, "docker:29-dind");
  yaml::key(out, "privileged");
  out << true;
  yaml::key(out, "restart");
  yaml::string(out, "unless-stopped");
  environment_section(out, {{"DOCKER_TLS_CERTDIR", "/certs"}});
  yaml::key(out, "volumes");
  yaml::strings(
      out, {image.name + "-docker-certs:/certs", runner_work(image) + ":" + runner_work(image)});
  yaml::key(out, "healthcheck");
  out << YAML::BeginMap;
  yaml::key(out, "test");
  yaml::flow_quoted(out, {"CMD", "docker", "info"});
  durations(out, {"", {}, "10s", "5s", "30s", 10});
  out << YAML::EndMap;
  out << YAML::EndMap;
}

void named_volumes(YAML::Emitter& out, const std::set<std::string>& names) {
  if (names.empty()) return;
  yaml::key(out, "volumes");
  out << YAML::BeginMap;
  for (const std::string& volume : names) {
    yaml::key(out, volume);
    yaml::empty_map(out);
  }
  out << YAML::EndMap;
}

// The credentials the runners read, as files beside compose.yaml (secrets/NAME),
// and the build secrets, from the environment of `docker compose build`.
void secrets(YAML::Emitter& out, const std::set<std::string>& files,
             const std::map<std::string, std::string>& from_env) {
  if (files.empty() && from_env.empty()) return;
  yaml::key(out, "secrets");
  out << YAML::BeginMap;
  for (const std::string& name : files) {
    yaml::key(out, name);
    out << YAML::BeginMap;
    yaml::key(out, "file");
    yaml::string(out, "secrets/" + name);
    out << YAML::EndMap;
  }
  for (const auto& [id, env] : from_env) {
    yaml::key(out, id);
    out << YAML::BeginMap;
    yaml::key(out, "environment");
    yaml::string(out, env);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

class ComposeEmitter final : public Emitter {
 public:
  const char* name() const override { return "compose"; }
  const char* describe() const override {
    return "compose.yaml: every image as a service, caches as named volumes";
  }
  void emit(const ir::Build& build, std::vector<OutputFile>& out) const override {
    YAML::Emitter y;
    yaml::configure(y);
    y << YAML::BeginMap;
    yaml::key(y, "services");
    y << YAML::BeginMap;
    std::set<std::string> volume_names, secret_names;
    std::map<std::string, std::string> build_secrets;
    for (const ir::Image& image : build.images) {
      if (image.scale_set) continue;  // a runner scale set runs on Kubernetes (arc/)
      service(y, build, image);
      for (const ir::Cache& cache : image.caches)
        volume_names.insert(cache.id);
      for (const ir::BuildSecret& secret : image.build_secrets)
        build_secrets.emplace(secret.id, secret.env);
      for (const ir::DevService& dev : image.dev_services)
        dev_service(y, build, image, dev);
      if (!image.runner) continue;
      secret_names.insert(runner_secret(image));
      if (image.docker != "dind") continue;
      dind(y, image);
      volume_names.insert(image.name + "-docker-certs");
    }
    y << YAML::EndMap;
    named_volumes(y, volume_names);
    secrets(y, secret_names, build_secrets);
    y << YAML::EndMap;
    out.push_back(
        {"compose.yaml",
         yaml::document(render_template("compose-header.txt", {{"spec", build.spec_name}}), y),
         false,
         {}});
    if (build.entrypoint) {
      out.push_back({"runner.env.example",
                     render_template("runner.env.example", {{"spec", build.spec_name}}),
                     false,
                     {}});
    }
  }
};

}  // namespace

const Emitter& compose_emitter() {
  static const ComposeEmitter emitter;
  return emitter;
}

}  // namespace rigc
