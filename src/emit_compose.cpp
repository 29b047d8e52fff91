#include <set>

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

void resources(YAML::Emitter& out, const char* key, const ir::Resources& r) {
  if (r.cpus.empty() && r.memory.empty()) return;
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
  out << YAML::EndMap;
}

void service(YAML::Emitter& out, const ir::Build& build, const ir::Image& image) {
  yaml::key(out, image.name);
  out << YAML::BeginMap;

  yaml::key(out, "build");
  out << YAML::BeginMap;
  yaml::key(out, "context");
  yaml::string(out, build.context);
  yaml::key(out, "dockerfile");
  yaml::string(out, image.dockerfile_in_context);
  yaml::key(out, "target");
  yaml::string(out, image.default_target);
  if (!image.cache_ref.empty()) {
    yaml::key(out, "cache_from");
    yaml::strings(out, {image.cache_ref});
  }
  out << YAML::EndMap;

  yaml::key(out, "image");
  yaml::string(out, image.repository + ":" + image.tag);
  if (!image.restart.empty()) {
    yaml::key(out, "restart");
    yaml::string(out, image.restart);  // quoted when "no"
  }
  if (image.runner) {
    // Time for the agent to stop and the entrypoint to deregister it.
    yaml::key(out, "stop_grace_period");
    yaml::scalar(out, "60s");
    yaml::key(out, "env_file");
    yaml::strings(out, {"runner.env"});
  }

  std::vector<std::pair<std::string, std::string>> environment;
  if (image.runner) {
    environment.emplace_back("RUNNER_LABELS", text::join(image.runner_labels, ","));
    environment.emplace_back("RUNNER_EPHEMERAL", image.ephemeral ? "true" : "false");
    if (!image.runner_group.empty()) environment.emplace_back("RUNNER_GROUP", image.runner_group);
  }
  environment.insert(environment.end(), image.env.begin(), image.env.end());
  if (!environment.empty()) {
    yaml::key(out, "environment");
    out << YAML::BeginMap;
    for (const auto& [key, value] : environment) {
      yaml::key(out, key);
      yaml::string(out, literal(value));
    }
    out << YAML::EndMap;
  }

  if (!image.expose.empty()) {
    yaml::key(out, "expose");
    out << YAML::BeginSeq;
    for (const std::string& port : image.expose)
      yaml::quoted(out, port);
    out << YAML::EndSeq;
    // Published on the host too, for an application run alone; a pool of
    // replicas or a runner would collide on the host port.
    if (!image.runner && image.replicas <= 1) {
      yaml::key(out, "ports");
      out << YAML::BeginSeq;
      for (const std::string& port : image.expose)
        yaml::quoted(out, published(port));
      out << YAML::EndSeq;
    }
  }

  if (!image.caches.empty()) {
    yaml::key(out, "volumes");
    out << YAML::BeginSeq;
    for (const ir::Cache& cache : image.caches)
      yaml::string(out, literal(cache.id + ":" + cache.path));
    out << YAML::EndSeq;
  }

  if (image.healthcheck) {
    const ir::Healthcheck& h = *image.healthcheck;
    yaml::key(out, "healthcheck");
    out << YAML::BeginMap;
    yaml::key(out, "test");
    yaml::flow_quoted(out, {"CMD-SHELL", literal(h.command)});
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
    out << YAML::EndMap;
  }

  const bool has_resources = !image.limits.cpus.empty() || !image.limits.memory.empty() ||
                             !image.reserve.cpus.empty() || !image.reserve.memory.empty();
  if (image.replicas >= 0 || has_resources) {
    yaml::key(out, "deploy");
    out << YAML::BeginMap;
    if (image.replicas >= 0) {
      yaml::key(out, "replicas");
      out << image.replicas;
    }
    if (has_resources) {
      yaml::key(out, "resources");
      out << YAML::BeginMap;
      resources(out, "limits", image.limits);
      resources(out, "reservations", image.reserve);
      out << YAML::EndMap;
    }
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
    std::set<std::string> volumes;
    for (const ir::Image& image : build.images) {
      service(y, build, image);
      for (const ir::Cache& cache : image.caches)
        volumes.insert(cache.id);
    }
    y << YAML::EndMap;
    if (!volumes.empty()) {
      yaml::key(y, "volumes");
      y << YAML::BeginMap;
      for (const std::string& volume : volumes) {
        yaml::key(y, volume);
        yaml::empty_map(y);
      }
      y << YAML::EndMap;
    }
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
