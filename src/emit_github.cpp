// github/build-images.yml and github/runs-on.yml.
#include <algorithm>

#include "rigc/emit.hpp"
#include "rigc/templates.hpp"
#include "rigc/text.hpp"
#include "rigc/yaml_text.hpp"

namespace rigc {
namespace {

// The actions the workflow uses, pinned to the commit of the release named
// beside each (the current majors).
struct Action {
  const char* name;
  const char* sha;
  const char* version;
};
constexpr Action kCheckout{"actions/checkout", "de0fac2e4500dabe0009e67214ff5f5447ce83dd",
                           "v6.0.2"};
constexpr Action kSetupQemu{"docker/setup-qemu-action", "ce360397dd3f832beb865e1373c09c0e9f86d70a",
                            "v4.0.0"};
constexpr Action kSetupBuildx{"docker/setup-buildx-action",
                              "4d04d5d9486b7bd6fa91e7baf45bbb4f8b9deedd", "v4.0.0"};
constexpr Action kLogin{"docker/login-action", "b45d80f862d83dbcd57f89517bcf500b2ab88fb2",
                        "v4.0.0"};
constexpr Action kBuildPush{"docker/build-push-action", "d08e5c354a6adb9ed34480a06d141179aa583294",
                            "v7.0.0"};

// Images go out, and the registry cache is written, only from the default branch.
constexpr const char* kPush =
    "${{ github.event_name != 'pull_request' && github.ref == format('refs/heads/{0}', "
    "github.event.repository.default_branch) }}";

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

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items)
    out += (out.empty() ? "" : ",") + item;
  return out;
}

void matrix_entry(YAML::Emitter& out, const ir::BuildTarget& t) {
  out << YAML::BeginMap;
  entry(out, "name", t.name);
  entry(out, "file", t.dockerfile_in_repo);
  entry(out, "target", t.stage);
  entry(out, "platforms", joined(t.platforms));
  entry(out, "tags", t.repository + ":" + t.tag + t.tag_suffix);
  entry(out, "registry", host_of(t.registry));
  if (!t.cache_ref.empty()) {
    std::vector<std::string> from;
    for (const std::string& ref : t.cache_from)
      from.push_back("type=registry,ref=" + ref);
    entry(out, "cache_from", joined(from));
    entry(out, "cache_to", "type=registry,ref=" + t.cache_ref + ",mode=max");
  } else {
    // Not pushed anywhere: the GitHub Actions cache keeps its layers.
    entry(out, "cache_from", "type=gha,scope=" + t.name);
    entry(out, "cache_to", "type=gha,mode=max,scope=" + t.name);
  }
  out << YAML::EndMap;
}

std::string workflow(const ir::Build& build) {
  bool any_registry = false, ghcr = false, emulated = false;
  for (const ir::BuildTarget& t : build.targets) {
    any_registry = any_registry || !t.registry.empty();
    ghcr = ghcr || host_of(t.registry) == "ghcr.io";
    for (const std::string& platform : t.platforms)
      emulated = emulated || platform != "linux/amd64";
  }
  YAML::Emitter out;
  yaml::configure(out);
  out << YAML::BeginMap;
  entry(out, "name", "build-images");

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
  key(out, "workflow_dispatch");
  yaml::empty_map(out);
  out << YAML::EndMap;

  key(out, "permissions");
  out << YAML::BeginMap;
  entry(out, "contents", "read");
  out << YAML::EndMap;

  key(out, "concurrency");
  out << YAML::BeginMap;
  entry(out, "group", "build-images-${{ github.ref }}");
  key(out, "cancel-in-progress");
  out << true;
  out << YAML::EndMap;

  key(out, "env");
  out << YAML::BeginMap;
  entry(out, "PUSH", kPush);
  out << YAML::EndMap;

  key(out, "jobs");
  out << YAML::BeginMap;
  key(out, "build");
  out << YAML::BeginMap;
  entry(out, "name", "${{ matrix.name }}");
  entry(out, "runs-on", "ubuntu-latest");
  key(out, "timeout-minutes");
  out << 120;
  key(out, "permissions");
  out << YAML::BeginMap;
  entry(out, "contents", "read");
  if (ghcr) entry(out, "packages", "write");
  out << YAML::EndMap;
  key(out, "strategy");
  out << YAML::BeginMap;
  key(out, "fail-fast");
  out << false;
  key(out, "matrix");
  out << YAML::BeginMap;
  key(out, "include");
  out << YAML::BeginSeq;
  for (const ir::BuildTarget& t : build.targets)
    matrix_entry(out, t);
  out << YAML::EndSeq << YAML::EndMap << YAML::EndMap;

  key(out, "steps");
  out << YAML::BeginSeq;
  out << YAML::BeginMap;
  uses(out, kCheckout);
  key(out, "with");
  out << YAML::BeginMap;
  key(out, "persist-credentials");
  out << false;
  out << YAML::EndMap << YAML::EndMap;

  if (emulated) {  // the hosted runner is amd64; other platforms build under QEMU
    out << YAML::BeginMap;
    uses(out, kSetupQemu);
    out << YAML::EndMap;
  }
  out << YAML::BeginMap;
  uses(out, kSetupBuildx);
  out << YAML::EndMap;

  if (any_registry) {
    out << YAML::BeginMap;
    entry(out, "name", "Log in to ${{ matrix.registry }}");
    entry(out, "if", "env.PUSH == 'true' && matrix.registry != ''");
    uses(out, kLogin);
    key(out, "with");
    out << YAML::BeginMap;
    entry(out, "registry", "${{ matrix.registry }}");
    // GHCR takes the workflow's own token; other registries need secrets.
    entry(out, "username",
          "${{ matrix.registry == 'ghcr.io' && github.actor || secrets.REGISTRY_USERNAME }}");
    entry(out, "password",
          "${{ matrix.registry == 'ghcr.io' && secrets.GITHUB_TOKEN || secrets.REGISTRY_PASSWORD "
          "}}");
    out << YAML::EndMap << YAML::EndMap;
  }

  out << YAML::BeginMap;
  entry(out, "name", "Build ${{ matrix.name }}");
  uses(out, kBuildPush);
  key(out, "with");
  out << YAML::BeginMap;
  entry(out, "context", build.repo_dir);
  entry(out, "file", "${{ matrix.file }}");
  entry(out, "target", "${{ matrix.target }}");
  entry(out, "platforms", "${{ matrix.platforms }}");
  entry(out, "tags", "${{ matrix.tags }}");
  entry(out, "push", "${{ env.PUSH == 'true' && matrix.registry != '' }}");
  entry(out, "cache-from", "${{ matrix.cache_from }}");
  entry(out, "cache-to",
        "${{ (env.PUSH == 'true' || matrix.registry == '') && matrix.cache_to || '' }}");
  out << YAML::EndMap << YAML::EndMap;
  out << YAML::EndSeq;

  out << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  return yaml::document(render_template("workflow-header.txt", {{"spec", build.spec_name}}), out);
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
    return "github/build-images.yml: a GitHub Actions workflow that builds and pushes every "
           "image";
  }
  void emit(const ir::Build& build, std::vector<OutputFile>& out) const override {
    out.push_back({"github/build-images.yml", workflow(build), false, {}});
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
