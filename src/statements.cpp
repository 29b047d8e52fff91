// The statement table. Each row binds a statement to the reader of its arguments
// and the member that reader fills; everything else the compiler knows about a
// statement's keyword (where it may appear, its usage line, "did you mean",
// completions) comes from this one list.
#include "src/statements.hpp"

#include <algorithm>
#include <utility>

#include "src/elaborate_readers.hpp"

namespace rigc::elab {
namespace {

// The type that declares a member: spec::Settings for &spec::Settings::base.
template <typename>
struct MemberOf;
template <typename Owner, typename T>
struct MemberOf<T Owner::*> {
  using type = Owner;
};
template <auto member>
using OwnerOf = typename MemberOf<decltype(member)>::type;

// A reader bound to the member it fills, so that one reader of a kind of value
// serves every statement that sets a value of that kind (cmd and entrypoint,
// limits and reserve, apt in images and in packs).

// A single value: replaces the member when the reader returns one.
template <auto member, auto read>
void assign(Args& a, OwnerOf<member>& owner) {
  if (auto value = read(a)) owner.*member = std::move(*value);
}

// One list entry: appended when the reader returns one.
template <auto member, auto read>
void push(Args& a, OwnerOf<member>& owner) {
  if (auto value = read(a)) (owner.*member).push_back(std::move(*value));
}

// Any number of list entries: the reader appends them itself.
template <auto member, auto read>
void append(Args& a, OwnerOf<member>& owner) {
  read(a, owner.*member);
}

constexpr unsigned kDefaults = bit(Context::defaults);
constexpr unsigned kImage = bit(Context::image);
constexpr unsigned kRunner = bit(Context::runner);
constexpr unsigned kTarget = bit(Context::target);
constexpr unsigned kPack = bit(Context::pack);
constexpr unsigned kTop = bit(Context::top);
constexpr unsigned kAll = kDefaults | kImage | kRunner;

using S = spec::Settings;
using P = spec::PackDecl;

}  // namespace

// A table, not logic: one row per statement and kind of block, hence its length.
const std::vector<Statement>& statement_table() {
  static const std::vector<Statement> statements = {
      // Declarations.
      {"defaults", kTop, true, "defaults {", nullptr, nullptr},
      {"pack", kTop, false, "pack NAME {", nullptr, nullptr},
      {"image", kTop, false, "image NAME [extends OTHER] {", nullptr, nullptr},
      {"runner", kTop, false, "runner NAME [extends OTHER] {", nullptr, nullptr},
      {"ignore", kTop, true, "ignore {", nullptr, nullptr},
      // Images, runners, defaults and targets.
      {"base", kAll, true, "base IMAGE[:TAG][@sha256:DIGEST]", assign<&S::base, read_base>,
       nullptr},
      {"registry", kAll, true, "registry HOST/PATH", assign<&S::registry, read_registry>, nullptr},
      {"tag", kAll, true, "tag WORD", assign<&S::tag, read_tag>, nullptr},
      {"platforms", kAll, true, "platforms linux/amd64 linux/arm64 …",
       assign<&S::platforms, read_platforms>, nullptr},
      {"packs", kAll, false, "packs NAME[@VERSION] …", append<&S::packs, read_packs>, nullptr,
       "requires"},
      {"apt", kAll | kTarget, false, "apt PACKAGE …", append<&S::apt, read_apt>, nullptr},
      {"env", kAll | kTarget, false, "env KEY=VALUE …", append<&S::env, read_env>, nullptr},
      {"arg", kAll | kTarget, false, "arg NAME=DEFAULT …", append<&S::args, read_arg>, nullptr},
      {"user", kAll, true, "user NAME UID [GID]  or  user root", assign<&S::user, read_user>,
       nullptr},
      {"workdir", kAll | kTarget, true, "workdir /ABSOLUTE/PATH", assign<&S::workdir, read_workdir>,
       nullptr},
      {"cache", kAll, false, "cache NAME [PATH]", push<&S::caches, read_cache>, nullptr},
      {"deps", kAll, false, "deps FILE …", push<&S::deps, read_deps>, nullptr},
      {"copy", kAll | kTarget, false, "copy SOURCE /DESTINATION [writable]",
       push<&S::copies, read_copy>, nullptr},
      {"dirs", kAll | kTarget, false, "dirs /PATH …", append<&S::dirs, read_dirs>, nullptr},
      {"run", kAll | kTarget, false, "run \"SHELL COMMAND\" [as root]", push<&S::runs, read_run>,
       nullptr},
      {"build", kImage, false, "build \"SHELL COMMAND\" [as root]", push<&S::builds, read_run>,
       nullptr},
      {"artifact", kImage, false, "artifact /SOURCE [/DESTINATION]",
       push<&S::artifacts, read_artifact>, nullptr},
      {"runtime", kImage, true, "runtime scratch|IMAGE[:TAG]", assign<&S::runtime, read_runtime>,
       nullptr},
      {"init", kDefaults | kImage, true, "init true|false", assign<&S::init, read_bool>, nullptr},
      {"secret", kAll, false, "secret ID [env NAME | target /PATH]", push<&S::secrets, read_secret>,
       nullptr},
      {"healthcheck", kAll | kTarget, true,
       "healthcheck \"COMMAND\"|[\"EXECUTABLE\", \"ARG\", …] [interval 30s] [timeout 3s] "
       "[retries 3] [start 5s]",
       assign<&S::healthcheck, read_healthcheck>, nullptr},
      {"cmd", kAll | kTarget, true, "cmd [\"EXECUTABLE\", \"ARG\", …]", assign<&S::cmd, read_exec>,
       nullptr},
      {"entrypoint", kAll | kTarget, true, "entrypoint [\"EXECUTABLE\", \"ARG\", …]",
       assign<&S::entrypoint, read_exec>, nullptr},
      {"expose", kAll | kTarget, false, "expose PORT[/tcp|/udp] …", append<&S::expose, read_expose>,
       nullptr},
      {"label", kAll | kTarget, false, "label KEY=VALUE …", append<&S::oci_labels, read_label>,
       nullptr},
      {"limits", kAll, true, "limits cpus N memory SIZE", assign<&S::limits, read_resources>,
       nullptr},
      {"reserve", kAll, true, "reserve cpus N memory SIZE", assign<&S::reserve, read_resources>,
       nullptr},
      {"replicas", kAll, true, "replicas N", assign<&S::replicas, read_replicas>, nullptr},
      {"restart", kAll, true, "restart no|always|on-failure|unless-stopped",
       assign<&S::restart, read_restart>, nullptr},
      {"target", kImage | kRunner, false, "target NAME {", nullptr, nullptr},
      {"labels", kDefaults | kRunner, false, "labels WORD …", append<&S::labels, read_labels>,
       nullptr},
      {"ephemeral", kDefaults | kRunner, true, "ephemeral true|false",
       assign<&S::ephemeral, read_bool>, nullptr},
      {"group", kDefaults | kRunner, true, "group NAME", assign<&S::group, read_group>, nullptr},
      {"dockerfile", kDefaults | kImage | kRunner, true, "dockerfile builtin|1.7",
       assign<&S::dockerfile, read_dockerfile>, nullptr},
      {"os", kAll, true, "os debian-12|ubuntu-24.04", assign<&S::os, read_os>, nullptr},
      {"docker", kDefaults | kRunner, true, "docker none|socket|dind",
       assign<&S::docker, read_docker>, nullptr},
      {"sudo", kDefaults | kRunner, true, "sudo true|false", assign<&S::sudo, read_bool>, nullptr},
      {"drain", kDefaults | kRunner, true, "drain DURATION", assign<&S::drain, read_drain>,
       nullptr},
      {"auth", kDefaults | kRunner, true, "auth app|pat|token", assign<&S::auth, read_auth>,
       nullptr},
      // Runner scale sets on Kubernetes (ARC): docs/kubernetes.md.
      {"scale", kDefaults | kRunner, true, "scale MIN MAX", assign<&S::scale, read_scale>, nullptr},
      {"container-mode", kDefaults | kRunner, true,
       "container-mode none|dind|kubernetes|kubernetes-novolume",
       assign<&S::container_mode, read_container_mode>, nullptr},
      {"work-volume", kDefaults | kRunner, true, "work-volume SIZE [class STORAGECLASS]",
       assign<&S::work_volume, read_work_volume>, nullptr},
      {"github-url", kDefaults | kRunner, true, "github-url https://github.com/ORG[/REPO]",
       assign<&S::github_url, read_github_url>, nullptr},
      {"github-secret", kDefaults | kRunner, true, "github-secret NAME",
       assign<&S::github_secret, read_github_secret>, nullptr},
      {"arc-controller", kDefaults | kRunner, true, "arc-controller NAMESPACE/SERVICEACCOUNT",
       assign<&S::arc_controller, read_arc_controller>, nullptr},
      {"listener", kDefaults | kRunner, true, "listener cpus N memory SIZE",
       assign<&S::listener, read_resources>, nullptr},
      {"dind", kDefaults | kRunner, true, "dind cpus N memory SIZE",
       assign<&S::dind, read_resources>, nullptr},
      {"node-selector", kDefaults | kRunner, false, "node-selector KEY=VALUE …",
       append<&S::node_selector, read_node_selector>, nullptr},
      {"tolerations", kDefaults | kRunner, false, "tolerations KEY[=VALUE][:EFFECT] …",
       append<&S::tolerations, read_tolerations>, nullptr},
      {"pin", kDefaults, false, "pin PACK VERSION sha256 ARCH HEX [ARCH HEX …]",
       push<&S::pins, read_pin>, nullptr},
      {"renovate", kDefaults, true, "renovate true|false", assign<&S::renovate, read_bool>,
       nullptr},
      {"ci-runner", kDefaults, false, "ci-runner PLATFORM LABEL …  or  ci-runner PLATFORM qemu",
       push<&S::ci_runners, read_ci_runner>, nullptr},
      {"ci-workflow", kDefaults, true, "ci-workflow .github/workflows/NAME.yml",
       assign<&S::ci_workflow, read_ci_workflow>, nullptr},
      // Packs.
      {"description", kPack, true, "description \"TEXT\"", nullptr,
       assign<&P::description, read_pack_description>},
      {"kind", kPack, true, "kind system|toolchain|tool", nullptr,
       assign<&P::kind, read_pack_kind>},
      {"version", kPack, true, "version VERSION", nullptr, assign<&P::version, read_pack_version>,
       "packs"},
      {"versions", kPack, true, "versions VERSION …", nullptr,
       append<&P::versions, read_pack_versions>, "packs"},
      {"system", kPack, false, "system VERSION PACKAGE … [requires PACK …]", nullptr,
       push<&P::system, read_pack_system>},
      {"requires", kPack, false, "requires PACK …", nullptr, append<&P::requires_, read_pack_names>,
       "packs"},
      {"after", kPack, false, "after PACK …", nullptr, append<&P::after, read_pack_names>},
      {"apt", kPack, false, "apt PACKAGE …", nullptr, append<&P::apt, read_apt>},
      {"build-apt", kPack, false, "build-apt PACKAGE …", nullptr, append<&P::build_apt, read_apt>,
       "apt"},
      {"env", kPack, false, "env KEY=VALUE …", nullptr, append<&P::env, read_pack_env>},
      {"path", kPack, false, "path /DIR …", nullptr, append<&P::paths, read_pack_path>},
      {"apt-for", kPack, false, "apt-for debian-12|ubuntu-24.04 PACKAGE …", nullptr,
       push<&P::apt_for, read_pack_apt_for>},
      {"app-env", kPack, false, "app-env KEY=VALUE …", nullptr, append<&P::app_env, read_pack_env>},
      {"app-path", kPack, false, "app-path /DIR …", nullptr, append<&P::app_paths, read_pack_path>},
      {"dirs", kPack, false, "dirs /PATH …", nullptr, append<&P::dirs, read_dirs>},
      {"run", kPack, false, "run \"SHELL COMMAND\" [as root]", nullptr, push<&P::runs, read_run>},
      {"cache", kPack, false, "cache NAME [PATH]", nullptr, push<&P::caches, read_cache>},
      {"deps", kPack, false, "deps FILE … \"COMMAND\" [into PATH]", nullptr,
       push<&P::deps, read_pack_deps>},
      {"verify", kPack, false, "verify \"COMMAND\"", nullptr, push<&P::verify, read_pack_verify>},
      {"labels", kPack, false, "labels WORD …", nullptr, append<&P::labels, read_labels>},
      {"fetch", kPack, false, "fetch URL [for VERSION …]", nullptr, read_pack_fetch},
      {"mirror", kPack, true, "mirror URL", nullptr, read_pack_mirror},
      {"arch", kPack, false, "arch DOCKER=UPSTREAM …", nullptr, read_pack_arch},
      {"sha256", kPack, false, "sha256 VERSION ARCH HEX", nullptr, read_pack_sha256},
      {"extract", kPack, true,
       "extract /DIR [strip N] [owned] [only MEMBER …]  or  extract /DIR file NAME [owned]",
       nullptr, read_pack_extract},
      {"fetch-run", kPack, true, "fetch-run \"SHELL COMMAND\" [into /DIR]", nullptr,
       read_pack_fetch_run},
      {"checksums", kPack, true, "checksums sha256sums|json URL", nullptr, read_pack_checksums},
      {"releases", kPack, true, "releases URL \"TEXT@version@TEXT\" [line N]", nullptr,
       read_pack_releases},
      {"renovate", kPack, true, "renovate DATASOURCE PACKAGE", nullptr, read_pack_renovate},
      {"aliases", kPack, false, "aliases NAME …", nullptr, append<&P::aliases, read_pack_names>},
      {"provided-by", kPack, false, "provided-by REPOSITORY …", nullptr,
       append<&P::provided_by, read_pack_images>},
  };
  return statements;
}

const Statement* find_statement(const std::string& keyword, Context context) {
  for (const Statement& s : statement_table()) {
    if (keyword == s.keyword && (s.contexts & bit(context)) != 0) return &s;
  }
  return nullptr;
}

std::string neighbour_hint(const std::string& keyword, Context context) {
  for (const std::string& other : statement_keywords(context)) {
    const std::size_t shorter = std::min(other.size(), keyword.size());
    // One letter added or removed at the end: label/labels, version/versions.
    if (other != keyword && other.size() + keyword.size() == 2 * shorter + 1 &&
        other.compare(0, shorter, keyword, 0, shorter) == 0) {
      return "; did you mean '" + other + "'?";
    }
  }
  return "";
}

std::string misplaced_hint(const Statement& statement, Context context) {
  if (statement.instead != nullptr && find_statement(statement.instead, context) != nullptr)
    return std::string("; did you mean '") + statement.instead + "'?";
  return did_you_mean(statement.keyword, statement_keywords(context));
}

const char* context_name(Context context) {
  switch (context) {
    case Context::top:
      return "the top level";
    case Context::defaults:
      return "'defaults'";
    case Context::image:
      return "an image";
    case Context::runner:
      return "a runner";
    case Context::target:
      return "a target";
    case Context::pack:
      return "a pack";
  }
  return "";
}

}  // namespace rigc::elab

namespace rigc {

std::vector<std::string> statement_keywords(Context context) {
  std::vector<std::string> keywords;
  for (const elab::Statement& s : elab::statement_table()) {
    if ((s.contexts & elab::bit(context)) != 0) keywords.emplace_back(s.keyword);
  }
  std::sort(keywords.begin(), keywords.end());
  keywords.erase(std::unique(keywords.begin(), keywords.end()), keywords.end());
  return keywords;
}

std::string statement_usage(const std::string& keyword) {
  for (const elab::Statement& s : elab::statement_table()) {
    if (keyword == s.keyword) return s.usage;
  }
  return keyword;
}

}  // namespace rigc
