#include "rigc/plan.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "rigc/dockerfile_printer.hpp"
#include "rigc/text.hpp"

namespace rigc {
namespace {

// The first line of an instruction, shortened for a table.
std::string summary(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 2 && line.compare(line.size() - 2, 2, " \\") == 0) line.resize(line.size() - 2);
  if (text.find('\n') != std::string::npos) line += " …";
  return line.size() > 72 ? line.substr(0, 71) + "…" : line;
}

std::string pack_label(const ir::Pack& p) {
  return p.version.empty() ? p.name : p.name + " " + p.version;
}

}  // namespace

std::string plan_text(const ir::Build& build) {
  std::string out;
  for (const ir::Image& image : build.images) {
    out += fmt::format("{} {} -> {}:{} ({})\n", image.runner ? "runner" : "image", image.name,
                       image.repository, image.tag, image.dockerfile);
    out += "  packs, in install order:\n";
    for (const ir::Pack& p : image.packs) {
      out += fmt::format("    {:<22} {}{}\n", pack_label(p), p.reason,
                         p.fetched ? ", downloaded in its own stage" : "");
    }
    out += fmt::format("  user: {} ({}:{}), workdir {}\n", image.user, image.uid, image.gid,
                       image.workdir);
    if (image.runner) {
      out += fmt::format("  runner labels: self-hosted, linux, <arch>{}{}\n",
                         image.runner_labels.empty() ? "" : ", ",
                         text::join(image.runner_labels, ", "));
    }
    for (const ir::Cache& c : image.caches)
      out += fmt::format("  cache {} at {} (id {})\n", c.name, c.path, c.id);
    if (!image.limits.cpus.empty() || !image.limits.memory.empty()) {
      out += fmt::format("  limits: cpus {} memory {}\n",
                         image.limits.cpus.empty() ? "-" : image.limits.cpus,
                         image.limits.memory.empty() ? "-" : image.limits.memory);
    }
    if (!image.reserve.cpus.empty() || !image.reserve.memory.empty()) {
      out += fmt::format("  reserve: cpus {} memory {}\n",
                         image.reserve.cpus.empty() ? "-" : image.reserve.cpus,
                         image.reserve.memory.empty() ? "-" : image.reserve.memory);
    }
    if (image.replicas >= 0) out += fmt::format("  replicas: {}\n", image.replicas);
    if (image.scale_set) {
      out += fmt::format("  runner scale set {} (ARC): {} to {} runners -> {}\n",
                         image.scale_set->name, image.scale_set->min_runners,
                         image.scale_set->max_runners, image.scale_set->values_file);
    }
    out += fmt::format("  stages (default target: {}):\n", image.default_target);
    for (const ir::Stage& stage : image.stages) {
      out += fmt::format("    {:<14} FROM {:<24} {}\n", stage.name, stage.from, stage.purpose);
    }
    for (const ir::Stage& stage : image.stages) {
      if (stage.instructions.size() <= 1) continue;
      out += fmt::format("  layers of {}:\n", stage.name);
      int n = 0;
      for (const ir::Instruction& in : stage.instructions) {
        out += fmt::format("    {:>2}. {:<14} {}\n        {}\n", ++n, ir::layer_name(in.layer),
                           summary(print_instruction(in)), in.why);
      }
    }
    out += "\n";
  }
  return out;
}

namespace {

// What the workflow does, for tools: a job per platform and the cache mounts it keeps.
nlohmann::ordered_json ci_json(const ir::Ci& ci) {
  nlohmann::ordered_json j;
  j["workflow"] = ci.workflow.empty() ? "github/build-images.yml" : ":/" + ci.workflow;
  j["output_dir"] = ci.output_dir;
  j["platforms"] = nlohmann::ordered_json::array();
  for (const ir::CiPlatform& p : ci.platforms) {
    j["platforms"].push_back({{"platform", p.platform},
                              {"pair", p.pair},
                              {"runs_on", p.runs_on},
                              {"qemu", p.qemu},
                              {"group", p.group},
                              {"targets", p.targets}});
  }
  j["cache_mounts"] = nlohmann::ordered_json::array();
  for (const ir::CiCache& c : ci.caches) {
    nlohmann::ordered_json m = {
        {"id", c.mount.id}, {"per_platform", c.mount.per_platform}, {"slot", c.slot}};
    if (c.mount.uid) m["uid"] = *c.mount.uid;
    if (c.mount.gid) m["gid"] = *c.mount.gid;
    j["cache_mounts"].push_back(m);
  }
  j["cache_key_files"] = ci.cache_key_files;
  return j;
}

}  // namespace

namespace {

void runner_json(const ir::Image& image, nlohmann::ordered_json& j) {
  j["runner_labels"] = image.runner_labels;
  j["pool_label"] = image.pool_label;
  j["runner_arches"] = image.runner_arches;
  j["ephemeral"] = image.ephemeral;
  j["group"] = image.runner_group;
  j["docker"] = image.docker;
  j["auth"] = image.auth;
  j["drain_seconds"] = image.drain_seconds;
  j["sudo"] = image.sudo;
  j["runner_home"] = image.runner_home;
  j["job_env"] = image.job_env;
}

nlohmann::ordered_json scale_set_json(const ir::ScaleSet& set) {
  static const char* const kModes[] = {"none", "dind", "kubernetes", "kubernetes-novolume"};
  return {{"name", set.name},
          {"labels", set.labels},
          {"min_runners", set.min_runners},
          {"max_runners", set.max_runners},
          {"container_mode", kModes[static_cast<int>(set.mode)]},
          {"values_file", set.values_file}};
}

nlohmann::ordered_json dev_services_json(const std::vector<ir::DevService>& services) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const ir::DevService& dev : services) {
    nlohmann::ordered_json env = nlohmann::ordered_json::object();
    for (const auto& [key, value] : dev.env)
      env[key] = value;
    nlohmann::ordered_json binds = nlohmann::ordered_json::array();
    for (const auto& [source, dest] : dev.binds)
      binds.push_back({{"source", source}, {"target", dest}});
    out.push_back({{"target", dev.target},
                   {"env", env},
                   {"expose", dev.expose},
                   {"binds", binds},
                   {"keep", dev.keep},
                   {"rebuild_on", dev.rebuild_on}});
  }
  return out;
}

nlohmann::ordered_json stages_json(const std::vector<ir::Stage>& stages) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const ir::Stage& stage : stages) {
    nlohmann::ordered_json s;
    s["name"] = stage.name;
    s["from"] = stage.from;
    s["purpose"] = stage.purpose;
    s["layers"] = nlohmann::ordered_json::array();
    for (const ir::Instruction& in : stage.instructions) {
      s["layers"].push_back({{"group", ir::layer_name(in.layer)},
                             {"instruction", print_instruction(in)},
                             {"why", in.why}});
    }
    out.push_back(s);
  }
  return out;
}

// What an image runs with: environment, ports, health, limits, caches, secrets.
void runtime_json(const ir::Image& image, nlohmann::ordered_json& j) {
  j["env"] = nlohmann::ordered_json::object();
  for (const auto& [key, value] : image.env)
    j["env"][key] = value;
  j["build_args"] = nlohmann::ordered_json::object();
  for (const auto& [key, value] : image.build_args)
    j["build_args"][key] = value;
  j["expose"] = image.expose;
  if (image.healthcheck) {
    const ir::Healthcheck& h = *image.healthcheck;
    j["healthcheck"] = {{"command", h.command}, {"exec", h.exec},   {"interval", h.interval},
                        {"timeout", h.timeout}, {"start", h.start}, {"retries", h.retries}};
  }
  j["restart"] = image.restart;
  j["caches"] = nlohmann::ordered_json::array();
  for (const ir::Cache& c : image.caches)
    j["caches"].push_back({{"name", c.name}, {"path", c.path}, {"id", c.id}});
  j["limits"] = {{"cpus", image.limits.cpus}, {"memory", image.limits.memory}};
  j["reserve"] = {{"cpus", image.reserve.cpus}, {"memory", image.reserve.memory}};
  if (image.replicas >= 0) j["replicas"] = image.replicas;
  j["build_secrets"] = nlohmann::ordered_json::array();
  for (const ir::BuildSecret& secret : image.build_secrets)
    j["build_secrets"].push_back({{"id", secret.id}, {"env", secret.env}});
}

nlohmann::ordered_json image_json(const ir::Image& image) {
  nlohmann::ordered_json j;
  j["name"] = image.name;
  j["kind"] = image.runner ? "runner" : "image";
  j["own_init"] = image.own_init;
  j["dockerfile"] = image.dockerfile;
  j["image"] = image.repository + ":" + image.tag;
  j["platforms"] = image.platforms;
  j["user"] = {{"name", image.user}, {"uid", image.uid}, {"gid", image.gid}};
  j["workdir"] = image.workdir;
  j["packs"] = nlohmann::ordered_json::array();
  for (const ir::Pack& p : image.packs) {
    j["packs"].push_back({{"name", p.name},
                          {"version", p.version},
                          {"reason", p.reason},
                          {"fetched", p.fetched},
                          {"verify", p.verify}});
  }
  j["registry"] = image.registry;
  j["tag"] = image.tag;
  j["cache_ref"] = image.cache_ref;
  j["cache_refs"] = image.cache_refs;
  if (image.runner) runner_json(image, j);
  if (image.scale_set) j["scale_set"] = scale_set_json(*image.scale_set);
  runtime_json(image, j);
  j["dev_services"] = dev_services_json(image.dev_services);
  j["default_target"] = image.default_target;
  j["targets"] = image.targets;
  j["stages"] = stages_json(image.stages);
  return j;
}

}  // namespace

std::string plan_json(const ir::Build& build) {
  nlohmann::ordered_json root;
  root["spec"] = build.spec_name;
  root["output_dir"] = build.output_dir;
  root["images"] = nlohmann::ordered_json::array();
  for (const ir::Image& image : build.images)
    root["images"].push_back(image_json(image));
  root["ci"] = ci_json(build.ci);
  return root.dump(2) + "\n";
}

}  // namespace rigc
