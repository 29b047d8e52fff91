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
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  if (!r.cpus.empty()) {
    out << YAML::Key << "cpus" << YAML::Value;
    yaml::quoted(out, r.cpus);
  }
  if (!r.memory.empty()) {
    out << YAML::Key << "memory" << YAML::Value;
    yaml::string(out, r.memory);
  }
  out << YAML::EndMap;
}

void service(YAML::Emitter& out, const ir::Build& build, const ir::Image& image) {
  out << YAML::Key << image.name << YAML::Value << YAML::BeginMap;

  out << YAML::Key << "build" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "context" << YAML::Value;
  yaml::string(out, build.context);
  out << YAML::Key << "dockerfile" << YAML::Value;
  yaml::string(out, image.dockerfile_in_context);
  out << YAML::Key << "target" << YAML::Value;
  yaml::string(out, image.default_target);
  if (!image.cache_ref.empty()) {
    out << YAML::Key << "cache_from" << YAML::Value;
    yaml::strings(out, {image.cache_ref});
  }
  out << YAML::EndMap;

  out << YAML::Key << "image" << YAML::Value;
  yaml::string(out, image.repository + ":" + image.tag);
  if (!image.restart.empty()) {
    out << YAML::Key << "restart" << YAML::Value;
    yaml::string(out, image.restart);  // quoted when "no"
  }
  if (image.runner) {
    // Time for the agent to stop and the entrypoint to deregister it.
    out << YAML::Key << "stop_grace_period" << YAML::Value << "60s";
    out << YAML::Key << "env_file" << YAML::Value;
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
    out << YAML::Key << "environment" << YAML::Value << YAML::BeginMap;
    for (const auto& [key, value] : environment) {
      out << YAML::Key << key << YAML::Value;
      yaml::string(out, literal(value));
    }
    out << YAML::EndMap;
  }

  if (!image.expose.empty()) {
    out << YAML::Key << "expose" << YAML::Value << YAML::BeginSeq;
    for (const std::string& port : image.expose)
      yaml::quoted(out, port);
    out << YAML::EndSeq;
    // Published on the host too, for an application run alone; a pool of
    // replicas or a runner would collide on the host port.
    if (!image.runner && image.replicas <= 1) {
      out << YAML::Key << "ports" << YAML::Value << YAML::BeginSeq;
      for (const std::string& port : image.expose)
        yaml::quoted(out, published(port));
      out << YAML::EndSeq;
    }
  }

  if (!image.caches.empty()) {
    out << YAML::Key << "volumes" << YAML::Value << YAML::BeginSeq;
    for (const ir::Cache& cache : image.caches)
      yaml::string(out, literal(cache.id + ":" + cache.path));
    out << YAML::EndSeq;
  }

  if (image.healthcheck) {
    const ir::Healthcheck& h = *image.healthcheck;
    out << YAML::Key << "healthcheck" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "test" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    yaml::quoted(out, "CMD-SHELL");
    yaml::quoted(out, literal(h.command));
    out << YAML::EndSeq;
    const std::pair<const char*, const std::string*> durations[] = {
        {"interval", &h.interval}, {"timeout", &h.timeout}, {"start_period", &h.start}};
    for (const auto& [key, value] : durations) {
      if (value->empty()) continue;
      out << YAML::Key << key << YAML::Value;
      yaml::string(out, *value);
    }
    if (h.retries > 0) out << YAML::Key << "retries" << YAML::Value << h.retries;
    out << YAML::EndMap;
  }

  const bool has_resources = !image.limits.cpus.empty() || !image.limits.memory.empty() ||
                             !image.reserve.cpus.empty() || !image.reserve.memory.empty();
  if (image.replicas >= 0 || has_resources) {
    out << YAML::Key << "deploy" << YAML::Value << YAML::BeginMap;
    if (image.replicas >= 0) out << YAML::Key << "replicas" << YAML::Value << image.replicas;
    if (has_resources) {
      out << YAML::Key << "resources" << YAML::Value << YAML::BeginMap;
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
    y << YAML::BeginMap << YAML::Key << "services" << YAML::Value << YAML::BeginMap;
    std::set<std::string> volumes;
    for (const ir::Image& image : build.images) {
      service(y, build, image);
      for (const ir::Cache& cache : image.caches)
        volumes.insert(cache.id);
    }
    y << YAML::EndMap;
    if (!volumes.empty()) {
      y << YAML::Key << "volumes" << YAML::Value << YAML::BeginMap;
      for (const std::string& volume : volumes)
        y << YAML::Key << volume << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::EndMap;
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
