#pragma once
// The statement readers the statement table (src/statements.cpp) binds to the
// members they fill. Each reads the arguments of one statement through the cursor
// and reports its own errors. A reader of one value returns it, or nothing after an
// error; a reader of many values appends them to the list it is given. Readers that
// know nothing of their owner serve images and packs alike (apt, run, cache, dirs,
// labels).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rigc/spec.hpp"
#include "src/elaborate_args.hpp"

namespace rigc::elab {

// Image, runner, defaults and target statements (src/elaborate_settings.cpp).
std::optional<At<std::string>> read_base(Args& a);
std::optional<At<std::string>> read_registry(Args& a);
std::optional<At<std::string>> read_tag(Args& a);
std::optional<At<std::vector<std::string>>> read_platforms(Args& a);
void read_packs(Args& a, std::vector<spec::PackRef>& out);
void read_apt(Args& a, std::vector<At<std::string>>& out);
void read_env(Args& a, std::vector<spec::Pair>& out);
void read_arg(Args& a, std::vector<spec::Pair>& out);
void read_label(Args& a, std::vector<spec::Pair>& out);
std::optional<spec::User> read_user(Args& a);
std::optional<At<std::string>> read_workdir(Args& a);
std::optional<spec::Cache> read_cache(Args& a);
std::optional<spec::Deps> read_deps(Args& a);
std::optional<spec::Copy> read_copy(Args& a);
std::optional<spec::Artifact> read_artifact(Args& a);
std::optional<At<std::string>> read_runtime(Args& a);
void read_dirs(Args& a, std::vector<At<std::string>>& out);
std::optional<spec::Run> read_run(Args& a);
std::optional<spec::Secret> read_secret(Args& a);
std::optional<spec::Healthcheck> read_healthcheck(Args& a);
std::optional<spec::ExecForm> read_exec(Args& a);  // cmd, entrypoint
void read_expose(Args& a, std::vector<At<std::string>>& out);
std::optional<spec::Resources> read_resources(Args& a);  // limits, reserve
std::optional<At<int>> read_replicas(Args& a);
std::optional<At<std::string>> read_restart(Args& a);
void read_labels(Args& a, std::vector<At<std::string>>& out);
std::optional<At<bool>> read_bool(Args& a);  // ephemeral, sudo
std::optional<At<std::string>> read_os(Args& a);
std::optional<At<std::string>> read_docker(Args& a);
std::optional<At<std::string>> read_drain(Args& a);
std::optional<At<std::string>> read_auth(Args& a);
std::optional<At<std::string>> read_group(Args& a);
std::optional<At<std::string>> read_dockerfile(Args& a);
std::optional<spec::Pin> read_pin(Args& a);  // defaults only
std::optional<spec::CiRunner> read_ci_runner(Args& a);
std::optional<At<std::string>> read_ci_workflow(Args& a);

// One word of a fixed set (`docker none|socket|dind`): a close match is suggested,
// otherwise the whole set is listed.
std::optional<At<std::string>> read_choice(Args& a, const char* what,
                                           const std::vector<std::string>& choices);
// A size like 512M or 1.5G in bytes; nothing when it is not one (or out of range).
std::optional<std::uint64_t> parse_size(const std::string& text);

// Runner scale sets on Kubernetes (src/elaborate_kubernetes.cpp).
std::optional<spec::Scale> read_scale(Args& a);
std::optional<At<std::string>> read_container_mode(Args& a);
std::optional<spec::WorkVolume> read_work_volume(Args& a);
std::optional<At<std::string>> read_github_url(Args& a);
std::optional<At<std::string>> read_github_secret(Args& a);
std::optional<At<std::string>> read_arc_controller(Args& a);
void read_node_selector(Args& a, std::vector<spec::Pair>& out);
void read_tolerations(Args& a, std::vector<spec::Toleration>& out);

// Package names up to the end, or up to the unquoted word `until` when one is given
// (`system VERSION PACKAGE … requires …`).
void read_apt_list(Args& a, std::vector<At<std::string>>& out, const char* until);
// KEY=VALUE pairs; `env_key`: the keys are variable names; `allow_bare`: a bare
// NAME without a value is accepted.
void read_pairs(Args& a, std::vector<spec::Pair>& out, const char* what, bool env_key,
                bool allow_bare);

// Pack statements (src/elaborate_pack.cpp). Those that fill `fetch` take the pack:
// the first of them creates it.
std::optional<std::string> read_pack_description(Args& a);
std::optional<spec::PackKind> read_pack_kind(Args& a);
std::optional<At<std::string>> read_pack_version(Args& a);
void read_pack_versions(Args& a, std::vector<At<std::string>>& out);
std::optional<spec::SystemVersion> read_pack_system(Args& a);
void read_pack_names(Args& a, std::vector<At<std::string>>& out);   // requires, after, aliases
void read_pack_images(Args& a, std::vector<At<std::string>>& out);  // provided-by
void read_pack_env(Args& a, std::vector<spec::Pair>& out);
void read_pack_path(Args& a, std::vector<At<std::string>>& out);
std::optional<spec::AptFor> read_pack_apt_for(Args& a);
std::optional<spec::PackDeps> read_pack_deps(Args& a);
std::optional<At<std::string>> read_pack_verify(Args& a);
void read_pack_fetch(Args& a, spec::PackDecl& p);
void read_pack_mirror(Args& a, spec::PackDecl& p);
void read_pack_arch(Args& a, spec::PackDecl& p);
void read_pack_sha256(Args& a, spec::PackDecl& p);
void read_pack_extract(Args& a, spec::PackDecl& p);
void read_pack_fetch_run(Args& a, spec::PackDecl& p);
void read_pack_checksums(Args& a, spec::PackDecl& p);
void read_pack_releases(Args& a, spec::PackDecl& p);
void read_pack_renovate(Args& a, spec::PackDecl& p);

}  // namespace rigc::elab
