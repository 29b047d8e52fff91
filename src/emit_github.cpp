// The GitHub Actions files: the workflow (github/build-images.yml, or where
// `ci-workflow` puts it), github/cache-mounts.Dockerfile, which moves the cache
// mounts in and out of CI's builder, and github/runs-on.yml.
//
// The workflow follows Docker's "distribute builds across multiple runners":
//   prepare            metadata-action: the tags, and the labels as a Bake file
//   build-PLATFORM     one job per platform on a runner of that architecture, each
//                      building the Bake group ci-PLATFORM; from the default branch
//                      and tags with docker-bake.ci.hcl: pushed by digest, registry
//                      cache written, attestations; the cache mounts restored
//                      before and saved after
//   merge              each image's digests tagged as one multi-platform image
// Everything a build does comes from the Bake files; the workflow picks the group,
// the platform and the files. Spec values reach scripts only through `env:`.
#include <algorithm>
#include <set>

#include "rigc/dockerfile_printer.hpp"
#include "rigc/emit.hpp"
#include "rigc/templates.hpp"
#include "rigc/text.hpp"
#include "rigc/yaml_text.hpp"

namespace rigc {
namespace {

// The actions the workflow uses, pinned to the commit of the release named
// beside each.
struct Action {
  const char* name;
  const char* sha;
  const char* version;
};
constexpr Action kCheckout{"actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1",
                           "v7.0.1"};
constexpr Action kCacheRestore{"actions/cache/restore", "55cc8345863c7cc4c66a329aec7e433d2d1c52a9",
                               "v6.1.0"};
constexpr Action kCacheSave{"actions/cache/save", "55cc8345863c7cc4c66a329aec7e433d2d1c52a9",
                            "v6.1.0"};
constexpr Action kUpload{"actions/upload-artifact", "043fb46d1a93c77aae656e7c1c64a875d1fc6a0a",
                         "v7.0.1"};
constexpr Action kDownload{"actions/download-artifact", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
                           "v8.0.1"};
constexpr Action kSetupQemu{"docker/setup-qemu-action", "99012661954931238ded8c8b007157a8430204e1",
                            "v4.4.0"};
constexpr Action kSetupBuildx{"docker/setup-buildx-action",
                              "f87e5991a6d7451dcb8d9637bfbc97413f497069", "v4.4.1"};
constexpr Action kLogin{"docker/login-action", "dbcb813823bdd20940b903addbd779551569679f",
                        "v4.6.0"};
constexpr Action kMetadata{"docker/metadata-action", "dc802804100637a589fabce1cb79ff13a1411302",
                           "v6.2.0"};
constexpr Action kBake{"docker/bake-action", "d3418bd7d0e9324001bca92fa8ba175ea7e6dc9b", "v7.3.0"};

// The default branch: scheduled runs always run there (their event carries no
// repository to compare with).
constexpr const char* kDefaultBranch =
    "github.event_name == 'schedule' || github.ref == format('refs/heads/{0}', "
    "github.event.repository.default_branch)";
// Images go out, and the registry cache is written, from the default branch and
// from tags (semver releases), never from pull requests.
constexpr const char* kPushCondition =
    "github.event_name != 'pull_request' && (github.event_name == 'schedule' || github.ref == "
    "format('refs/heads/{0}', github.event.repository.default_branch) || "
    "startsWith(github.ref, 'refs/tags/'))";
// Pull requests from the repository itself log in, to read private caches and
// base images; forks get no secrets, and read what is public.
constexpr const char* kLoginCondition =
    "github.event_name != 'pull_request' || github.event.pull_request.head.repo.full_name == "
    "github.repository";
// The weekly rebuild that brings the bases' security updates: Monday, 05:17 UTC.
constexpr const char* kWeekly = "17 5 * * 1";

constexpr const char* kCacheDir = "${{ runner.temp }}/rigc-cache-mounts";
constexpr const char* kHelper = "github/cache-mounts.Dockerfile";

std::string host_of(const std::string& registry) {
  return registry.substr(0, registry.find('/'));
}

using yaml::key;

void entry(YAML::Emitter& out, const char* k, const std::string& value) {
  key(out, k);
  yaml::string(out, value);
}

void uses(YAML::Emitter& out, const Action& action) {
  key(out, "uses");
  yaml::scalar(out, std::string(action.name) + "@" + action.sha);
  out << YAML::Comment(action.version);
}

void begin_step(YAML::Emitter& out, const std::string& name, const char* condition = nullptr) {
  out << YAML::BeginMap;
  entry(out, "name", name);
  if (condition != nullptr) entry(out, "if", condition);
}

// A `run:` step: a fixed script from templates/, its inputs in `env`.
void run_step(YAML::Emitter& out, const std::string& name, const char* condition,
              const char* script, const std::vector<std::pair<const char*, std::string>>& env) {
  begin_step(out, name, condition);
  key(out, "run");
  yaml::literal(out, render_template(script, {}));
  key(out, "env");
  out << YAML::BeginMap;
  for (const auto& [k, v] : env)
    entry(out, k, v);
  out << YAML::EndMap << YAML::EndMap;
}

std::string in_output(const ir::Build& build, const std::string& path) {
  return build.ci.output_dir == "." ? path : build.ci.output_dir + "/" + path;
}

// The registries images go to, each host once, in order of first use.
std::vector<std::string> registry_hosts(const ir::Build& build) {
  std::vector<std::string> hosts;
  for (const ir::BuildTarget& t : build.targets) {
    if (t.registry.empty()) continue;
    const std::string host = host_of(t.registry);
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) hosts.push_back(host);
  }
  return hosts;
}

bool uses_ghcr(const ir::Build& build) {
  const std::vector<std::string> hosts = registry_hosts(build);
  return std::find(hosts.begin(), hosts.end(), "ghcr.io") != hosts.end();
}

// GHCR takes the workflow's own token; other registries the REGISTRY_* secrets.
void login_steps(YAML::Emitter& out, const ir::Build& build, const char* condition) {
  for (const std::string& host : registry_hosts(build)) {
    begin_step(out, "Log in to " + host, condition);
    uses(out, kLogin);
    key(out, "with");
    out << YAML::BeginMap;
    entry(out, "registry", host);
    const bool ghcr = host == "ghcr.io";
    entry(out, "username", ghcr ? "${{ github.actor }}" : "${{ secrets.REGISTRY_USERNAME }}");
    entry(out, "password",
          ghcr ? "${{ secrets.GITHUB_TOKEN }}" : "${{ secrets.REGISTRY_PASSWORD }}");
    out << YAML::EndMap << YAML::EndMap;
  }
}

void permissions(YAML::Emitter& out, bool packages_write) {
  key(out, "permissions");
  out << YAML::BeginMap;
  entry(out, "contents", "read");
  if (packages_write) entry(out, "packages", "write");
  out << YAML::EndMap;
}

void checkout_step(YAML::Emitter& out) {
  begin_step(out, "Check out");
  uses(out, kCheckout);
  key(out, "with");
  out << YAML::BeginMap;
  key(out, "persist-credentials");
  out << false;
  out << YAML::EndMap << YAML::EndMap;
}

void triggers(YAML::Emitter& out, const ir::Build& build) {
  key(out, "on");
  out << YAML::BeginMap;
  for (const char* event : {"push", "pull_request"}) {
    key(out, event);
    if (build.repo_dir == ".") {
      yaml::empty_map(out);
      continue;
    }
    out << YAML::BeginMap;
    key(out, "paths");
    yaml::strings(out, {build.repo_dir + "/**"});
    out << YAML::EndMap;
  }
  key(out, "schedule");
  out << YAML::BeginSeq << YAML::BeginMap;
  entry(out, "cron", kWeekly);
  out << YAML::EndMap << YAML::EndSeq;
  key(out, "workflow_dispatch");
  yaml::empty_map(out);
  out << YAML::EndMap;
}

// metadata-action without image names: the tags alone, which the merge job puts
// after each image's repository (with its target's suffix).
void prepare_job(YAML::Emitter& out) {
  key(out, "prepare");
  out << YAML::BeginMap;
  entry(out, "runs-on", "ubuntu-24.04");
  key(out, "timeout-minutes");
  out << 10;
  key(out, "outputs");
  out << YAML::BeginMap;
  entry(out, "tags", "${{ steps.meta.outputs.tags }}");
  out << YAML::EndMap;
  key(out, "steps");
  out << YAML::BeginSeq;
  begin_step(out, "Tags and labels");
  entry(out, "id", "meta");
  uses(out, kMetadata);
  key(out, "with");
  out << YAML::BeginMap;
  key(out, "tags");
  yaml::literal(out,
                "type=sha,format=long\n"
                "type=ref,event=branch\n"
                "type=ref,event=pr\n"
                "type=semver,pattern={{version}}\n"
                "type=semver,pattern={{major}}.{{minor}}\n"
                "type=schedule,pattern={{date 'YYYYMMDD'}}\n");
  entry(out, "flavor", "latest=false");
  out << YAML::EndMap << YAML::EndMap;
  run_step(out, "Keep the labels file", nullptr, "ci-bake-meta.sh",
           {{"BAKE_FILE", "${{ steps.meta.outputs.bake-file-labels }}"}});
  begin_step(out, "Upload the labels file");
  uses(out, kUpload);
  key(out, "with");
  out << YAML::BeginMap;
  entry(out, "name", "bake-meta");
  entry(out, "path", "${{ runner.temp }}/bake-meta.json");
  entry(out, "if-no-files-found", "error");
  key(out, "retention-days");
  out << 1;
  out << YAML::EndMap << YAML::EndMap;
  out << YAML::EndSeq << YAML::EndMap;
}

std::string cache_key(const ir::Build& build, const ir::CiPlatform& p) {
  std::string files;
  for (const std::string& file : build.ci.cache_key_files)
    files += (files.empty() ? "'" : ", '") + file + "'";
  return build.ci.cache_key + "-" + p.pair + "-${{ hashFiles(" + files + ") }}";
}

void cache_restore_steps(YAML::Emitter& out, const ir::Build& build, const ir::CiPlatform& p) {
  begin_step(out, "Restore the cache mounts");
  entry(out, "id", "cache-mounts");
  uses(out, kCacheRestore);
  key(out, "with");
  out << YAML::BeginMap;
  entry(out, "path", kCacheDir);
  entry(out, "key", cache_key(build, p));
  entry(out, "restore-keys", build.ci.cache_key + "-" + p.pair + "-");
  out << YAML::EndMap << YAML::EndMap;
  run_step(out, "Load the cache mounts into the builder", nullptr, "ci-cache-inject.sh",
           {{"BUILDER", "${{ steps.buildx.outputs.name }}"},
            {"CACHE_DIR", kCacheDir},
            {"HELPER", in_output(build, kHelper)}});
}

// Saved from the default branch only, and only when the key is new: a key is
// written once, and pull requests' caches would be of no use to other branches.
constexpr const char* kSaveCondition =
    "env.PUSH == 'true' && steps.cache-mounts.outputs.cache-hit != 'true'";

void cache_save_steps(YAML::Emitter& out, const ir::Build& build, const ir::CiPlatform& p) {
  run_step(out, "Take the cache mounts out of the builder", kSaveCondition, "ci-cache-extract.sh",
           {{"BUILDER", "${{ steps.buildx.outputs.name }}"},
            {"CACHE_DIR", kCacheDir},
            {"HELPER", in_output(build, kHelper)}});
  begin_step(out, "Save the cache mounts", kSaveCondition);
  uses(out, kCacheSave);
  key(out, "with");
  out << YAML::BeginMap;
  entry(out, "path", kCacheDir);
  entry(out, "key", cache_key(build, p));
  out << YAML::EndMap << YAML::EndMap;
}

// bake-action from the output directory (Bake's context ".." is the spec's
// directory), the platform's group, the job's platform only.
void bake_with(YAML::Emitter& out, const ir::Build& build, const ir::CiPlatform& p,
               const std::string& files) {
  key(out, "with");
  out << YAML::BeginMap;
  entry(out, "source", build.ci.output_dir == "." ? "." : "./" + build.ci.output_dir);
  key(out, "files");
  yaml::literal(out, files);
  entry(out, "targets", p.group);
  entry(out, "set", "*.platform=" + p.platform);
}

// The build secrets, from repository secrets of the same names: Bake's targets
// read each from the environment variable (`secret = ["id=…,env=NAME"]`), so the
// step's `env:` is where they enter, and never an argument or a log line.
void secret_env(YAML::Emitter& out, const ir::Build& build) {
  std::set<std::string> names;
  for (const ir::BuildTarget& t : build.targets) {
    for (const ir::BuildSecret& secret : t.secrets)
      names.insert(secret.env);
  }
  if (names.empty()) return;
  key(out, "env");
  out << YAML::BeginMap;
  for (const std::string& name : names)
    entry(out, name.c_str(), "${{ secrets." + name + " }}");
  out << YAML::EndMap;
}

void bake_steps(YAML::Emitter& out, const ir::Build& build, const ir::CiPlatform& p) {
  // Pull requests and other branches: the Bake file as a developer runs it (no
  // push, no cache export, no attestations, which need a push).
  begin_step(out, "Build", "env.PUSH != 'true'");
  uses(out, kBake);
  secret_env(out, build);
  bake_with(out, build, p, "./docker-bake.hcl\n");
  entry(out, "provenance", "false");
  out << YAML::EndMap << YAML::EndMap;

  begin_step(out, "Build and push by digest", "env.PUSH == 'true'");
  entry(out, "id", "bake");
  uses(out, kBake);
  secret_env(out, build);
  bake_with(out, build, p,
            "./docker-bake.hcl\n./docker-bake.ci.hcl\n${{ runner.temp }}/bake-meta.json\n");
  out << YAML::EndMap << YAML::EndMap;
}

void digest_steps(YAML::Emitter& out, const ir::CiPlatform& p) {
  run_step(out, "Export the digests", "env.PUSH == 'true'", "ci-digests.sh",
           {{"METADATA", "${{ steps.bake.outputs.metadata }}"},
            {"DIGESTS", "${{ runner.temp }}/digests"}});
  begin_step(out, "Upload the digests", "env.PUSH == 'true'");
  uses(out, kUpload);
  key(out, "with");
  out << YAML::BeginMap;
  entry(out, "name", "digests-" + p.pair);
  entry(out, "path", "${{ runner.temp }}/digests/");
  entry(out, "if-no-files-found", "error");
  key(out, "retention-days");
  out << 1;
  out << YAML::EndMap << YAML::EndMap;
}

void build_job(YAML::Emitter& out, const ir::Build& build, const ir::CiPlatform& p) {
  const bool pushes = !registry_hosts(build).empty();
  key(out, "build-" + p.pair);
  out << YAML::BeginMap;
  entry(out, "name", "build " + p.platform);
  entry(out, "needs", "prepare");
  key(out, "runs-on");
  if (p.runs_on.size() == 1) {
    yaml::string(out, p.runs_on.front());
  } else {
    yaml::strings(out, p.runs_on);
  }
  key(out, "timeout-minutes");
  out << 120;
  permissions(out, uses_ghcr(build));
  key(out, "env");
  out << YAML::BeginMap;
  entry(out, "PLATFORM", p.platform);
  entry(out, "PLATFORM_PAIR", p.pair);  // Bake reads it: the cache ref of this platform
  out << YAML::EndMap;
  key(out, "steps");
  out << YAML::BeginSeq;
  checkout_step(out);
  if (p.qemu) {  // no runner of this architecture: emulated, as the spec asks
    begin_step(out, "Set up QEMU");
    uses(out, kSetupQemu);
    out << YAML::EndMap;
  }
  begin_step(out, "Set up Buildx");
  entry(out, "id", "buildx");
  uses(out, kSetupBuildx);
  out << YAML::EndMap;
  login_steps(out, build, kLoginCondition);
  begin_step(out, "Download the labels file", "env.PUSH == 'true'");
  uses(out, kDownload);
  key(out, "with");
  out << YAML::BeginMap;
  entry(out, "name", "bake-meta");
  entry(out, "path", "${{ runner.temp }}");
  out << YAML::EndMap << YAML::EndMap;
  if (!build.ci.caches.empty()) cache_restore_steps(out, build, p);
  bake_steps(out, build, p);
  if (!build.ci.caches.empty()) cache_save_steps(out, build, p);
  if (pushes) digest_steps(out, p);
  out << YAML::EndSeq << YAML::EndMap;
}

// One line per pushed target for the merge script: name, repository, the spec's
// tag, the target's suffix (values of the spec, which reach it through env).
std::string merge_lines(const ir::Build& build) {
  std::string lines;
  for (const ir::BuildTarget& t : build.targets) {
    if (t.registry.empty()) continue;
    lines += t.name + " " + t.repository + " " + t.tag;
    if (!t.tag_suffix.empty()) lines += " " + t.tag_suffix;
    lines += "\n";
  }
  return lines;
}

void merge_job(YAML::Emitter& out, const ir::Build& build) {
  key(out, "merge");
  out << YAML::BeginMap;
  std::vector<std::string> needs = {"prepare"};
  for (const ir::CiPlatform& p : build.ci.platforms)
    needs.push_back("build-" + p.pair);
  key(out, "needs");
  yaml::strings(out, needs);
  entry(out, "if", std::string("${{ ") + kPushCondition + " }}");
  entry(out, "runs-on", "ubuntu-24.04");
  key(out, "timeout-minutes");
  out << 30;
  permissions(out, uses_ghcr(build));
  key(out, "steps");
  out << YAML::BeginSeq;
  begin_step(out, "Download the digests");
  uses(out, kDownload);
  key(out, "with");
  out << YAML::BeginMap;
  entry(out, "path", "${{ runner.temp }}/digests");
  entry(out, "pattern", "digests-*");
  key(out, "merge-multiple");
  out << true;
  out << YAML::EndMap << YAML::EndMap;
  login_steps(out, build, nullptr);
  begin_step(out, "Set up Buildx");
  uses(out, kSetupBuildx);
  out << YAML::EndMap;
  begin_step(out, "Tag the multi-platform images");
  key(out, "run");
  yaml::literal(out, render_template("ci-merge.sh", {}));
  key(out, "env");
  out << YAML::BeginMap;
  entry(out, "TAGS", "${{ needs.prepare.outputs.tags }}");
  entry(out, "DEFAULT_BRANCH", std::string("${{ ") + kDefaultBranch + " }}");
  entry(out, "DIGESTS", "${{ runner.temp }}/digests");
  key(out, "IMAGES");
  yaml::literal(out, merge_lines(build));
  out << YAML::EndMap << YAML::EndMap;
  out << YAML::EndSeq << YAML::EndMap;
}

std::string workflow(const ir::Build& build) {
  YAML::Emitter out;
  yaml::configure(out);
  out << YAML::BeginMap;
  entry(out, "name", "build-images");
  triggers(out, build);
  key(out, "permissions");
  out << YAML::BeginMap;
  entry(out, "contents", "read");
  out << YAML::EndMap;

  // A newer push supersedes a pull request's build; on branches every push is built.
  key(out, "concurrency");
  out << YAML::BeginMap;
  entry(out, "group", "${{ github.workflow }}-${{ github.ref }}");
  entry(out, "cancel-in-progress", "${{ github.event_name == 'pull_request' }}");
  out << YAML::EndMap;

  key(out, "env");
  out << YAML::BeginMap;
  entry(out, "PUSH", std::string("${{ ") + kPushCondition + " }}");
  out << YAML::EndMap;

  key(out, "jobs");
  out << YAML::BeginMap;
  prepare_job(out);
  for (const ir::CiPlatform& p : build.ci.platforms)
    build_job(out, build, p);
  if (!registry_hosts(build).empty()) merge_job(out, build);
  out << YAML::EndMap << YAML::EndMap;

  const std::string where =
      build.ci.workflow.empty()
          ? "To use it, copy it to .github/workflows/, or let rigc write it there (ci-workflow)."
          : "rigc writes it here (ci-workflow in the spec), where GitHub reads it.";
  return yaml::document(
      render_template("workflow-header.txt", {{"spec", build.spec_name}, {"where", where}}), out);
}

std::string cache_mounts(const ir::Build& build) {
  const std::string path = build.output_dir == "." ? kHelper : build.output_dir + "/" + kHelper;
  std::string out =
      render_template("cache-mounts-header.txt", {{"spec", build.spec_name}, {"path", path}});
  stages_text(build.ci.cache_stages, out);
  return out;
}

// A runner scale set's entry: its name, which is also the one label a job needs
// (ARC gives a scale set no self-hosted, linux or architecture label).
void scale_set_entry(YAML::Emitter& out, const ir::ScaleSet& set) {
  out << YAML::BeginMap;
  yaml::key(out, "scale-set");
  yaml::string(out, set.name);
  yaml::key(out, "any");
  yaml::flow_quoted(out, {set.name});
  out << YAML::EndMap;
}

std::string runs_on(const ir::Build& build) {
  YAML::Emitter out;
  yaml::configure(out);
  out << YAML::BeginMap;
  const ir::Image* example_pool = nullptr;
  const ir::ScaleSet* example_set = nullptr;
  for (const ir::Image& image : build.images) {
    if (!image.runner) continue;
    yaml::key(out, image.name);
    if (image.scale_set) {
      scale_set_entry(out, *image.scale_set);
      if (example_set == nullptr) example_set = &*image.scale_set;
      continue;
    }
    if (example_pool == nullptr) example_pool = &image;
    out << YAML::BeginMap;
    std::vector<std::string> keys = {"any"};
    keys.insert(keys.end(), image.runner_arches.begin(), image.runner_arches.end());
    for (const std::string& arch : keys) {
      std::vector<std::string> labels = {"self-hosted", "linux"};
      if (arch != "any") labels.push_back(arch);
      labels.push_back(image.pool_label);  // selects this pool and no other
      yaml::key(out, arch);
      yaml::flow_quoted(out, labels);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  const std::string dir = build.repo_dir == "." ? "" : build.repo_dir + "/";
  const std::string out_dir = build.output_dir == "." ? "" : build.output_dir + "/";
  std::string header;
  if (example_pool != nullptr) {
    const ir::Image& first = *example_pool;
    const std::vector<std::string> example = {"self-hosted", "linux", first.runner_arches.front(),
                                              first.pool_label};
    header =
        render_template("runs-on-header.txt", {{"spec", build.spec_name},
                                               {"example", text::json_array(example)},
                                               {"runner", first.name},
                                               {"arch", first.runner_arches.front()},
                                               {"path", dir + out_dir + "github/runs-on.yml"}});
  } else {
    const ir::Image& first = *std::find_if(build.images.begin(), build.images.end(),
                                           [](const ir::Image& i) { return i.runner; });
    header =
        render_template("runs-on-header.txt", {{"spec", build.spec_name},
                                               {"example", text::json_array({example_set->name})},
                                               {"runner", first.name},
                                               {"arch", "any"},
                                               {"path", dir + out_dir + "github/runs-on.yml"}});
  }
  if (example_set != nullptr)
    header += render_template("runs-on-scale-sets.txt", {{"name", example_set->name}});
  return yaml::document(header, out);
}

class WorkflowEmitter final : public Emitter {
 public:
  const char* name() const override { return "workflow"; }
  const char* describe() const override {
    return "github/build-images.yml (or the `ci-workflow` file of .github/workflows/): a GitHub "
           "Actions workflow that builds every image through Bake, a job per platform, and "
           "pushes them; github/cache-mounts.Dockerfile: moves the cache mounts between runs";
  }
  void emit(const ir::Build& build, std::vector<OutputFile>& out) const override {
    if (build.ci.workflow.empty()) {
      out.push_back({"github/build-images.yml", workflow(build), false, {}});
    } else {
      out.push_back({build.ci.workflow, workflow(build), false, {}, OutputFile::Root::repository});
    }
    if (!build.ci.caches.empty()) out.push_back({kHelper, cache_mounts(build), false, {}});
  }
};

class RunsOnEmitter final : public Emitter {
 public:
  const char* name() const override { return "runs-on"; }
  const char* describe() const override {
    return "github/runs-on.yml: the runs-on labels of every runner (when the spec has runners)";
  }
  void emit(const ir::Build& build, std::vector<OutputFile>& out) const override {
    if (!build.entrypoint) return;
    out.push_back({"github/runs-on.yml", runs_on(build), false, {}});
  }
};

}  // namespace

const Emitter& workflow_emitter() {
  static const WorkflowEmitter emitter;
  return emitter;
}

const Emitter& runs_on_emitter() {
  static const RunsOnEmitter emitter;
  return emitter;
}

}  // namespace rigc
