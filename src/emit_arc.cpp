// arc/<pool>.values.yaml: the values of each runner scale set (a runner pool with
// `scale`) for Actions Runner Controller's gha-runner-scale-set chart (0.14).
// Every decision is in the IR (ir::ScaleSet, lower_kubernetes.cpp); this file lays
// it out where the chart reads it: scale-set fields at the top, the listener's
// pod under listenerTemplate.spec, the runner's pod under template.spec (a full
// one, which the chart copies as it is, or the kubernetes modes' runner container
// that the chart completes), containerMode only for the kubernetes modes.
#include "rigc/emit.hpp"
#include "rigc/templates.hpp"
#include "rigc/yaml_text.hpp"

namespace rigc {
namespace {

using yaml::key;

void entry(YAML::Emitter& out, const char* k, const std::string& value) {
  key(out, k);
  yaml::string(out, value);
}

void quantities(YAML::Emitter& out, const char* k, const ir::Quantities& q) {
  key(out, k);
  out << YAML::BeginMap;
  entry(out, "cpu", q.cpu);
  entry(out, "memory", q.memory);
  out << YAML::EndMap;
}

void resources(YAML::Emitter& out, const ir::KubeResources& r) {
  key(out, "resources");
  out << YAML::BeginMap;
  quantities(out, "requests", r.requests);
  quantities(out, "limits", r.limits);
  out << YAML::EndMap;
}

void env(YAML::Emitter& out, const ir::Vars& vars) {
  if (vars.empty()) return;
  key(out, "env");
  out << YAML::BeginSeq;
  for (const auto& [name, value] : vars) {
    out << YAML::BeginMap;
    entry(out, "name", name);
    entry(out, "value", value);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void security_context(YAML::Emitter& out, const ir::KubeContainer& c) {
  if (!c.run_as_user && !c.privileged) return;
  key(out, "securityContext");
  out << YAML::BeginMap;
  if (c.privileged) {
    key(out, "privileged");
    out << true;
  }
  if (c.run_as_user) {
    key(out, "runAsUser");
    out << *c.run_as_user;
    key(out, "runAsGroup");
    out << *c.run_as_group;
    key(out, "runAsNonRoot");
    out << true;
  }
  if (c.no_privilege_escalation) {
    key(out, "allowPrivilegeEscalation");
    out << false;
  }
  out << YAML::EndMap;
}

void container(YAML::Emitter& out, const ir::KubeContainer& c) {
  out << YAML::BeginMap;
  entry(out, "name", c.name);
  entry(out, "image", c.image);
  if (!c.command.empty()) {
    key(out, "command");
    yaml::strings(out, c.command);
  }
  if (!c.args.empty()) {
    key(out, "args");
    yaml::strings(out, c.args);
  }
  env(out, c.env);
  if (c.sidecar) {
    entry(out, "restartPolicy", "Always");
    key(out, "startupProbe");
    out << YAML::BeginMap;
    key(out, "exec");
    out << YAML::BeginMap;
    key(out, "command");
    yaml::strings(out, c.startup_probe);
    out << YAML::EndMap;
    key(out, "failureThreshold");
    out << 24;
    key(out, "periodSeconds");
    out << 5;
    out << YAML::EndMap;
  }
  resources(out, c.resources);
  security_context(out, c);
  if (!c.mounts.empty()) {
    key(out, "volumeMounts");
    out << YAML::BeginSeq;
    for (const ir::KubeMount& m : c.mounts) {
      out << YAML::BeginMap;
      entry(out, "name", m.volume);
      entry(out, "mountPath", m.path);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

// Pod-level scheduling, the same for the runners' pods and the listener's: under
// the pod's spec, never under a container (actions-runner-controller#3424).
void scheduling(YAML::Emitter& out, const ir::ScaleSet& set) {
  if (!set.node_selector.empty()) {
    key(out, "nodeSelector");
    out << YAML::BeginMap;
    for (const auto& [k, v] : set.node_selector)
      entry(out, k.c_str(), v);
    out << YAML::EndMap;
  }
  if (set.tolerations.empty()) return;
  key(out, "tolerations");
  out << YAML::BeginSeq;
  for (const ir::KubeToleration& t : set.tolerations) {
    out << YAML::BeginMap;
    entry(out, "key", t.key);
    entry(out, "operator", t.value ? "Equal" : "Exists");
    if (t.value) entry(out, "value", *t.value);
    if (!t.effect.empty()) entry(out, "effect", t.effect);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void listener_template(YAML::Emitter& out, const ir::ScaleSet& set) {
  key(out, "listenerTemplate");
  out << YAML::BeginMap;
  key(out, "spec");
  out << YAML::BeginMap;
  key(out, "containers");
  out << YAML::BeginSeq << YAML::BeginMap;
  entry(out, "name", "listener");  // the name ARC merges into its listener container
  resources(out, set.listener);
  out << YAML::EndMap << YAML::EndSeq;
  scheduling(out, set);
  out << YAML::EndMap << YAML::EndMap;
}

void pod_security(YAML::Emitter& out, const ir::ScaleSet& set) {
  key(out, "securityContext");
  out << YAML::BeginMap;
  // Volumes (caches, the work folder) writable by the runner's group; checked only
  // at the volume's root, so that a large cache is not chowned at every start.
  key(out, "fsGroup");
  out << set.fs_group;
  entry(out, "fsGroupChangePolicy", "OnRootMismatch");
  if (!set.supplemental_groups.empty()) {
    key(out, "supplementalGroups");
    out << YAML::BeginSeq;
    for (const std::uint32_t gid : set.supplemental_groups)
      out << gid;
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

void runner_template(YAML::Emitter& out, const ir::ScaleSet& set) {
  key(out, "template");
  out << YAML::BeginMap;
  key(out, "spec");
  out << YAML::BeginMap;
  pod_security(out, set);
  key(out, "terminationGracePeriodSeconds");
  out << set.termination_grace_seconds;
  scheduling(out, set);
  if (!set.init_containers.empty()) {
    key(out, "initContainers");
    out << YAML::BeginSeq;
    for (const ir::KubeContainer& c : set.init_containers)
      container(out, c);
    out << YAML::EndSeq;
  }
  key(out, "containers");
  out << YAML::BeginSeq;
  for (const ir::KubeContainer& c : set.containers)
    container(out, c);
  out << YAML::EndSeq;
  if (!set.volumes.empty()) {
    key(out, "volumes");
    out << YAML::BeginSeq;
    for (const ir::KubeVolume& v : set.volumes) {
      out << YAML::BeginMap;
      entry(out, "name", v.name);
      if (v.claim.empty()) {
        key(out, "emptyDir");
        yaml::empty_map(out);
      } else {
        key(out, "persistentVolumeClaim");
        out << YAML::BeginMap;
        entry(out, "claimName", v.claim);
        out << YAML::EndMap;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap << YAML::EndMap;
}

void container_mode(YAML::Emitter& out, const ir::ScaleSet& set) {
  if (set.chart_mode.empty()) return;
  key(out, "containerMode");
  out << YAML::BeginMap;
  entry(out, "type", set.chart_mode);
  if (!set.work_claim_size.empty()) {
    key(out, "kubernetesModeWorkVolumeClaim");
    out << YAML::BeginMap;
    key(out, "accessModes");
    yaml::strings(out, {"ReadWriteOnce"});
    if (!set.work_claim_class.empty()) entry(out, "storageClassName", set.work_claim_class);
    key(out, "resources");
    out << YAML::BeginMap;
    key(out, "requests");
    out << YAML::BeginMap;
    entry(out, "storage", set.work_claim_size);
    out << YAML::EndMap << YAML::EndMap;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

std::string values(const ir::Build& build, const ir::Image& image, const ir::ScaleSet& set) {
  YAML::Emitter out;
  yaml::configure(out);
  out << YAML::BeginMap;
  entry(out, "githubConfigUrl", set.github_url);
  entry(out, "githubConfigSecret", set.github_secret);  // a Secret's name, never a credential
  if (!set.runner_group.empty()) entry(out, "runnerGroup", set.runner_group);
  entry(out, "runnerScaleSetName", set.name);
  key(out, "scaleSetLabels");
  yaml::strings(out, set.labels);
  key(out, "minRunners");
  out << set.min_runners;
  key(out, "maxRunners");
  out << set.max_runners;
  // Named, so that `helm template` needs no cluster to look the controller up.
  key(out, "controllerServiceAccount");
  out << YAML::BeginMap;
  entry(out, "namespace", set.controller_namespace);
  entry(out, "name", set.controller_account);
  out << YAML::EndMap;
  container_mode(out, set);
  listener_template(out, set);
  runner_template(out, set);
  out << YAML::EndMap;
  std::string header = render_template("arc-values-header.txt", {{"spec", build.spec_name},
                                                                 {"name", set.name},
                                                                 {"pool", image.name},
                                                                 {"file", set.values_file}});
  if (set.github_url.empty()) header += render_template("arc-values-url.txt", {});
  return yaml::document(header, out);
}

class ArcEmitter final : public Emitter {
 public:
  const char* name() const override { return "arc"; }
  const char* describe() const override {
    return "arc/<pool>.values.yaml: ARC's gha-runner-scale-set values of each runner pool with "
           "`scale`";
  }
  void emit_image(const ir::Build& build, const ir::Image& image,
                  std::vector<OutputFile>& out) const override {
    if (!image.scale_set) return;
    out.push_back({image.scale_set->values_file, values(build, image, *image.scale_set), false,
                   image.location});
  }
};

}  // namespace

const Emitter& arc_emitter() {
  static const ArcEmitter emitter;
  return emitter;
}

}  // namespace rigc
