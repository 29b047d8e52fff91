// A runner pool with `scale` as a runner scale set of Actions Runner Controller
// (ARC): everything its values file for the gha-runner-scale-set chart says,
// decided here — the scale-set name and labels, Kubernetes quantities from
// `limits` and `reserve`, the runner container (ARC's pod is started with the
// image's own entrypoint, which takes the JIT configuration ARC injects), the dind
// sidecar or the kubernetes mode's hooks, cache volumes, the security context,
// scheduling. A spec the chart or the API server would refuse is an error here,
// at the statement responsible (docs/kubernetes.md).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "lower_image.hpp"
#include "rigc/value_syntax.hpp"

namespace rigc::lowering {
namespace {

constexpr std::size_t kMaxScaleSetName = 45;    // the chart's limit
constexpr std::size_t kMaxScaleSetLabel = 255;  // the chart: "less than 256 characters"
constexpr std::uint32_t kDockerGid = 123;       // the chart's dind --group default
constexpr const char* kDindImage = "docker:29-dind";
constexpr const char* kHooksEnv = "ACTIONS_RUNNER_CONTAINER_HOOKS";
constexpr const char* kDefaultController = "arc-systems/arc-gha-rs-controller";
// The listener's default: a small Go program that long-polls GitHub.
const spec::Resources kListenerDefault = {"0.1", "128M", 128ull << 20, {}, {}, {}};

__extension__ using u128 = unsigned __int128;

// A decimal "12.345" as digits and the number of digits after the point; nothing
// for more digits than a quantity can be exact in.
std::optional<std::pair<u128, int>> decimal(const std::string& text) {
  u128 value = 0;
  int fraction = -1, digits = 0;
  for (const char ch : text) {
    if (ch == '.') {
      fraction = 0;
      continue;
    }
    if (++digits > 19) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(ch - '0');
    if (fraction >= 0) ++fraction;
  }
  return std::make_pair(value, std::max(fraction, 0));
}

u128 power(u128 base, int n) {
  u128 out = 1;
  for (int i = 0; i < n; ++i)
    out *= base;
  return out;
}

std::string to_string(u128 n) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(n % 10)));
    n /= 10;
  } while (n != 0);
  return out;
}

// A size of the spec (binary K, M, G, T, P in any case, as Docker reads them) as
// whole bytes: a quantity of memory is a whole number of bytes.
std::optional<u128> whole_bytes(const std::string& size) {
  const auto parts = syntax::size(size);
  if (!parts) return std::nullopt;
  const auto number = decimal(parts->number);
  if (!number) return std::nullopt;
  const auto letter = static_cast<char>(std::toupper(static_cast<unsigned char>(parts->unit)));
  const int unit = letter == 0 ? 0 : static_cast<int>(std::string("KMGTP").find(letter)) + 1;
  const u128 scaled = number->first * power(1024, unit);
  const u128 divisor = power(10, number->second);
  if (scaled % divisor != 0) return std::nullopt;
  return scaled / divisor;
}

// Whole bytes as the shortest exact quantity: 4Gi, 1536Mi, 1000.
std::string memory_quantity(u128 bytes) {
  static const char* const kSuffixes[] = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
  for (int i = 0; i < 6; ++i) {
    const u128 unit = power(1024, 6 - i);
    if (bytes >= unit && bytes % unit == 0) return to_string(bytes / unit) + kSuffixes[i];
  }
  return to_string(bytes);
}

// CPUs as millicores: Kubernetes counts CPU in thousandths.
std::optional<u128> millicores(const std::string& cpus) {
  const auto number = decimal(cpus);
  if (!number || number->second > 3) return std::nullopt;
  const u128 millis = number->first * power(10, 3 - number->second);
  if (millis == 0) return std::nullopt;
  return millis;
}

std::string cpu_quantity(u128 millis) {
  return millis % 1000 == 0 ? to_string(millis / 1000) : to_string(millis) + "m";
}

// One set of resources as quantities, both CPU and memory required; errors at the
// value (or the statement, when one is missing). `amounts` keeps the numbers for
// comparisons.
struct Amounts {
  u128 millis = 0, bytes = 0;
};

std::optional<ir::Quantities> quantities(const spec::Resources& r, const char* statement,
                                         Diagnostics& d, Amounts* amounts = nullptr) {
  if (r.cpus.empty() || r.memory.empty()) {
    d.error(r.location, fmt::format("a runner scale set needs both 'cpus' and 'memory' in '{}': "
                                    "Kubernetes namespaces with a quota refuse pods without them",
                                    statement));
    return std::nullopt;
  }
  const auto millis = millicores(r.cpus);
  if (!millis) {
    d.error(r.cpus_location,
            fmt::format("CPU count '{}' cannot be a Kubernetes quantity: Kubernetes counts CPU "
                        "in thousandths (at least 0.001, at most three decimals)",
                        r.cpus));
  }
  const auto bytes = whole_bytes(r.memory);
  if (!bytes) {
    d.error(r.memory_location,
            fmt::format("memory size '{}' cannot be a Kubernetes quantity: it is not a whole "
                        "number of bytes; write it in a smaller unit",
                        r.memory));
  }
  if (!millis || !bytes) return std::nullopt;
  if (amounts != nullptr) *amounts = {*millis, *bytes};
  return ir::Quantities{cpu_quantity(*millis), memory_quantity(*bytes)};
}

// Requests from `reserve` (or the limits when there is none), limits from `limits`.
std::optional<ir::KubeResources> runner_resources(const spec::Settings& s, const Location& scale_at,
                                                  Diagnostics& d) {
  if (!s.limits) {
    d.error(scale_at,
            "a runner scale set needs 'limits cpus N memory SIZE': they become its "
            "pods' requests and limits, which namespaces with a quota require");
    return std::nullopt;
  }
  Amounts limit, request;
  const auto limits = quantities(*s.limits, "limits", d, &limit);
  if (!s.reserve) {
    if (!limits) return std::nullopt;
    return ir::KubeResources{*limits, *limits};
  }
  const auto requests = quantities(*s.reserve, "reserve", d, &request);
  if (!limits || !requests) return std::nullopt;
  if (request.millis > limit.millis) {
    d.error(s.reserve->cpus_location,
            fmt::format("reserve cpus {} is more than limits cpus {}: Kubernetes refuses "
                        "requests above limits",
                        s.reserve->cpus, s.limits->cpus));
    return std::nullopt;
  }
  if (request.bytes > limit.bytes) {
    d.error(s.reserve->memory_location,
            fmt::format("reserve memory {} is more than limits memory {}: Kubernetes refuses "
                        "requests above limits",
                        s.reserve->memory, s.limits->memory));
    return std::nullopt;
  }
  return ir::KubeResources{*requests, *limits};
}

std::optional<ir::KubeResources> fixed_resources(const spec::Resources& r, const char* statement,
                                                 Diagnostics& d) {
  const auto q = quantities(r, statement, d);
  if (!q) return std::nullopt;
  return ir::KubeResources{*q, *q};
}

ir::ContainerMode mode_of(const std::string& word) {
  if (word == "dind") return ir::ContainerMode::dind;
  if (word == "kubernetes") return ir::ContainerMode::kubernetes;
  if (word == "kubernetes-novolume") return ir::ContainerMode::kubernetes_novolume;
  return ir::ContainerMode::none;
}

// The value the packs give ACTIONS_RUNNER_CONTAINER_HOOKS, and the pack.
std::pair<std::string, const spec::PackDecl*> hooks(const ImageContext& c) {
  for (const ResolvedPack& rp : c.image.packs) {
    for (const spec::Pair& e : rp.pack->env) {
      if (e.key == kHooksEnv) return {e.value, rp.pack};
    }
  }
  return {"", nullptr};
}

// The container mode, checked against what it needs: dind the Docker client
// (`docker dind`), the kubernetes modes the runner container hooks (and a work
// volume claim, or the k8s-novolume hooks).
std::optional<ir::ContainerMode> container_mode(const ImageContext& c, Diagnostics& d) {
  const spec::Settings& s = c.settings;
  const std::string docker = s.docker ? s.docker->value : "none";
  const ir::ContainerMode mode =
      s.container_mode ? mode_of(s.container_mode->value)
                       : (docker == "dind" ? ir::ContainerMode::dind : ir::ContainerMode::none);
  const Location at = s.container_mode ? s.container_mode->location : c.settings.scale->location;
  if (docker == "socket") {
    d.error(s.docker->location,
            "a runner scale set cannot mount the host's Docker socket: use 'docker dind' (a "
            "Docker-in-Docker sidecar) or 'container-mode kubernetes'");
    return std::nullopt;
  }
  if (mode == ir::ContainerMode::dind && docker != "dind") {
    d.error(at,
            "container mode 'dind' needs 'docker dind': the Docker client in the image and "
            "the runner user in the sidecar socket's group");
    return std::nullopt;
  }
  if (mode != ir::ContainerMode::dind && docker == "dind") {
    d.error(at, fmt::format("container mode '{}' starts no Docker daemon, but the pool asks for "
                            "'docker dind': use container mode dind, or drop 'docker dind'",
                            s.container_mode->value));
    return std::nullopt;
  }
  const bool kube =
      mode == ir::ContainerMode::kubernetes || mode == ir::ContainerMode::kubernetes_novolume;
  const auto [hooks_path, hooks_pack] = hooks(c);
  if (kube && hooks_pack == nullptr) {
    d.error(at, fmt::format("container mode '{}' needs the runner container hooks: add 'packs "
                            "runner-container-hooks' (a pack that sets {})",
                            s.container_mode->value, kHooksEnv));
    return std::nullopt;
  }
  if (mode == ir::ContainerMode::kubernetes_novolume && hooks_pack->stock &&
      hooks_pack->name.value == "runner-container-hooks") {
    d.error(at,
            "container mode 'kubernetes-novolume' needs the k8s-novolume hooks; the stock "
            "runner-container-hooks pack holds the k8s hooks, which share a work volume with "
            "the job pods: use 'container-mode kubernetes' with 'work-volume SIZE', or a pack "
            "of actions-runner-hooks-k8s-novolume");
    return std::nullopt;
  }
  if (mode == ir::ContainerMode::kubernetes && !s.work_volume) {
    d.error(at,
            "container mode 'kubernetes' needs 'work-volume SIZE [class STORAGECLASS]': the "
            "claim of the work volume that the job pods share with the runner");
    return std::nullopt;
  }
  if (mode != ir::ContainerMode::kubernetes && s.work_volume) {
    d.error(s.work_volume->location,
            "'work-volume' is the work volume claim of container mode 'kubernetes', and this "
            "pool has another mode");
    return std::nullopt;
  }
  return mode;
}

// What ARC and the chart refuse of the pool, and what a scale set cannot be.
bool check_pool(const ImageContext& c, const std::string& name, Diagnostics& d) {
  const spec::Settings& s = c.settings;
  const std::size_t errors = d.error_count();
  const Location pool = c.image.decl->name.location;
  if (name.size() > kMaxScaleSetName) {
    d.error(pool, fmt::format("runner '{}' cannot be a runner scale set: its name '{}' has {} "
                              "characters, and ARC allows at most {}; shorten the runner's name",
                              c.name, name, name.size(), kMaxScaleSetName));
  }
  if (!s.registry) {
    d.error(s.scale->location,
            "a runner scale set needs 'registry HOST/PATH': Kubernetes pulls "
            "its image from a registry");
  }
  if (s.auth && s.auth->value == "token") {
    d.error(s.auth->location,
            "ARC registers runners with a GitHub App or a personal access "
            "token, not a one-off registration token: use 'auth app' or "
            "'auth pat'");
  }
  if (s.replicas) {
    d.error(s.replicas->location,
            "'replicas' is the warm pool of a Compose service; a runner "
            "scale set keeps 'scale MIN MAX' runners");
  }
  if (s.ephemeral && !s.ephemeral->value) {
    d.error(s.ephemeral->location,
            "the runners of a scale set are ephemeral: ARC gives each pod "
            "one job's JIT configuration");
  }
  for (const auto& label : s.labels) {
    if (label.value.size() > kMaxScaleSetLabel) {
      d.error(label.location,
              fmt::format("label of {} characters: a scale set's labels have at most {}",
                          label.value.size(), kMaxScaleSetLabel));
    }
  }
  for (const spec::Cache& cache : s.caches) {
    if (cache.name.back() == '-' || cache.name.size() + 6 > 63) {
      d.error(cache.location,
              fmt::format("cache '{}' cannot name a Kubernetes volume (cache-{}): at most 57 "
                          "characters, not ending with '-'",
                          cache.name, cache.name));
    }
  }
  return d.error_count() == errors;
}

ir::KubeContainer runner_container(const ImageContext& c, const ir::Image& image,
                                   ir::ContainerMode mode, const ir::KubeResources& resources) {
  ir::KubeContainer runner;
  runner.name = "runner";  // the container ARC gives the JIT configuration to
  runner.image = image.repository + ":" + image.tag;
  // ARC runs the container's command as the template gives it (its own examples
  // name /home/runner/run.sh, where GitHub's image has the runner); rigc's image
  // has the runner in RUNNER_HOME and starts it through its entrypoint, which reads
  // the JIT configuration from ACTIONS_RUNNER_INPUT_JITCONFIG.
  runner.command = {"/usr/local/bin/runner-entrypoint.sh"};
  if (mode == ir::ContainerMode::kubernetes || mode == ir::ContainerMode::kubernetes_novolume) {
    // The chart sets its own hooks path unless the container names one.
    runner.env.emplace_back(kHooksEnv, hooks(c).first);
  }
  if (mode == ir::ContainerMode::dind)
    runner.env.emplace_back("DOCKER_HOST", "unix:///var/run/docker.sock");
  runner.resources = resources;
  runner.run_as_user = c.uid;
  runner.run_as_group = c.gid;
  runner.no_privilege_escalation = !image.sudo;
  for (const ir::Cache& cache : image.caches)
    runner.mounts.push_back({"cache-" + cache.name, cache.path});
  const std::string work = image.runner_home + "/_work";
  if (mode == ir::ContainerMode::kubernetes || mode == ir::ContainerMode::dind)
    runner.mounts.push_back({"work", work});
  if (mode == ir::ContainerMode::dind) runner.mounts.push_back({"dind-sock", "/var/run"});
  return runner;
}

// dind: the runner's externals copied for the sidecar, and the sidecar itself, which
// sees the work folder and the externals at the runner's paths (a job's containers
// bind-mount them by those paths).
void dind_containers(const ir::Image& image, const ir::KubeResources& resources,
                     ir::ScaleSet& set) {
  const std::string externals = image.runner_home + "/externals";
  ir::KubeContainer copy;
  copy.name = "init-dind-externals";
  copy.image = image.repository + ":" + image.tag;
  copy.command = {"cp"};
  copy.args = {"-r", externals + "/.", "/rigc-externals/"};
  copy.resources = resources;
  copy.mounts = {{"dind-externals", "/rigc-externals"}};
  copy.run_as_user = image.uid;
  copy.run_as_group = image.gid;
  copy.no_privilege_escalation = true;
  ir::KubeContainer dind;
  dind.name = "dind";
  dind.image = kDindImage;
  dind.args = {"dockerd", "--host=unix:///var/run/docker.sock",
               fmt::format("--group={}", kDockerGid)};
  dind.resources = resources;
  dind.privileged = true;
  dind.sidecar = true;
  dind.startup_probe = {"docker", "info"};
  dind.mounts = {{"work", image.runner_home + "/_work"},
                 {"dind-sock", "/var/run"},
                 {"dind-externals", externals}};
  set.init_containers = {copy, dind};
  set.volumes.push_back({"work", ""});
  set.volumes.push_back({"dind-sock", ""});
  set.volumes.push_back({"dind-externals", ""});
  set.supplemental_groups = {kDockerGid};
}

std::vector<ir::KubeToleration> tolerations(const spec::Settings& s) {
  std::vector<ir::KubeToleration> out;
  for (const spec::Toleration& t : s.tolerations) {
    out.push_back(
        {t.key, t.has_value ? std::optional<std::string>(t.value) : std::nullopt, t.effect});
  }
  return out;
}

// Later node selectors replace earlier ones of the same key (a runner's over its
// defaults').
ir::Vars node_selector(const spec::Settings& s) {
  ir::Vars out;
  for (const spec::Pair& p : s.node_selector) {
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == p.key; });
    if (it != out.end()) {
      it->second = p.value;
    } else {
      out.emplace_back(p.key, p.value);
    }
  }
  return out;
}

// Where the scale set registers, with which secret, under which controller.
void registration(const spec::Settings& s, const ir::Image& image, ir::ScaleSet& set) {
  set.github_url = s.github_url ? s.github_url->value : "";
  while (!set.github_url.empty() && set.github_url.back() == '/')
    set.github_url.pop_back();
  set.github_secret = s.github_secret
                          ? s.github_secret->value
                          : (image.auth == "pat" ? "arc-github-token" : "arc-github-app");
  set.runner_group = image.runner_group;
  const std::string controller = s.arc_controller ? s.arc_controller->value : kDefaultController;
  set.controller_namespace = controller.substr(0, controller.find('/'));
  set.controller_account = controller.substr(controller.find('/') + 1);
}

}  // namespace

std::optional<ir::ScaleSet> scale_set(const ImageContext& c, const ir::Image& image,
                                      Diagnostics& d) {
  const spec::Settings& s = c.settings;
  if (!c.runner || !s.scale) return std::nullopt;
  ir::ScaleSet set;
  set.name = image.pool_label;
  if (!check_pool(c, set.name, d)) return std::nullopt;
  const auto mode = container_mode(c, d);
  const auto resources = runner_resources(s, s.scale->location, d);
  const auto listener = fixed_resources(s.listener ? *s.listener : kListenerDefault, "listener", d);
  std::optional<ir::KubeResources> dind;
  if (mode == ir::ContainerMode::dind) {
    dind = s.dind ? fixed_resources(*s.dind, "dind", d) : resources;
    if (!dind) return std::nullopt;
  }
  if (!mode || !resources || !listener) return std::nullopt;
  set.values_file = "arc/" + c.name + ".values.yaml";
  set.labels = image.runner_labels;
  set.min_runners = s.scale->min;
  set.max_runners = s.scale->max;
  registration(s, image, set);
  set.mode = *mode;
  static const char* const kChartModes[] = {"", "", "kubernetes", "kubernetes-novolume"};
  set.chart_mode = kChartModes[static_cast<int>(*mode)];
  if (s.work_volume) {
    set.work_claim_size = memory_quantity(*whole_bytes(s.work_volume->size));
    set.work_claim_class = s.work_volume->storage_class;
  }
  set.containers.push_back(runner_container(c, image, *mode, *resources));
  if (*mode == ir::ContainerMode::dind) dind_containers(image, *dind, set);
  for (const ir::Cache& cache : image.caches)
    set.volumes.push_back({"cache-" + cache.name, cache.id});
  set.fs_group = c.gid;
  set.termination_grace_seconds = image.drain_seconds + 60;
  set.node_selector = node_selector(s);
  set.tolerations = tolerations(s);
  set.listener = *listener;
  return set;
}

std::vector<std::string> scale_set_job_env(const ImageContext& c) {
  if (!c.runner || !c.settings.scale) return {};
  // What ARC and the chart give the runner (its user agent, the deprecation exit
  // code, the kubernetes modes' pod name and job-container rule, the
  // novolume hooks' image): the runner reads them, so the entrypoint passes them on.
  return {"GITHUB_ACTIONS_RUNNER_EXTRA_USER_AGENT",
          "ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE", "ACTIONS_RUNNER_POD_NAME",
          "ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER", "ACTIONS_RUNNER_IMAGE"};
}

std::string scale_set_docker_group(const ImageContext& c) {
  const spec::Settings& s = c.settings;
  if (!c.runner || !s.scale || c.uid == 0 || !s.docker || s.docker->value != "dind") return "";
  // The dind sidecar makes its socket group-owned by 123 (the chart's
  // DOCKER_GROUP_GID): the runner user is in a group of that id.
  return fmt::format("groupadd --gid {} docker && usermod --append --groups docker {}", kDockerGid,
                     c.user);
}

}  // namespace rigc::lowering
