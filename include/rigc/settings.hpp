#pragma once
/// One description of spec::Settings: every member with the statement keyword that
/// sets it. Laying one block over another (`defaults`, `extends`) and counting list
/// values are written once over this description, so a new setting is a member in
/// spec.hpp, a line here, a row in the statement table and its use in lowering.

#include <cstddef>

#include "rigc/spec.hpp"

namespace rigc::spec {

/// Calls `visit(keyword, member)` for every member of Settings, in declaration
/// order: the keyword of the statement that sets it and a pointer to the member.
/// An optional member is a single value (a later block replaces it), a vector is a
/// list (a later block adds to it); `targets` is the list replaced by name.
/// tests/elaborate_test.cpp fails when a member of Settings is missing here.
template <typename Visit>
constexpr void for_each_field(Visit&& visit) {
  visit("base", &Settings::base);
  visit("registry", &Settings::registry);
  visit("tag", &Settings::tag);
  visit("workdir", &Settings::workdir);
  visit("restart", &Settings::restart);
  visit("group", &Settings::group);
  visit("dockerfile", &Settings::dockerfile);
  visit("os", &Settings::os);
  visit("docker", &Settings::docker);
  visit("drain", &Settings::drain);
  visit("auth", &Settings::auth);
  visit("runtime", &Settings::runtime);
  visit("ci-workflow", &Settings::ci_workflow);
  visit("platforms", &Settings::platforms);
  visit("user", &Settings::user);
  visit("healthcheck", &Settings::healthcheck);
  visit("cmd", &Settings::cmd);
  visit("entrypoint", &Settings::entrypoint);
  visit("limits", &Settings::limits);
  visit("reserve", &Settings::reserve);
  visit("replicas", &Settings::replicas);
  visit("ephemeral", &Settings::ephemeral);
  visit("sudo", &Settings::sudo);
  visit("init", &Settings::init);
  visit("renovate", &Settings::renovate);
  visit("packs", &Settings::packs);
  visit("apt", &Settings::apt);
  visit("labels", &Settings::labels);
  visit("dirs", &Settings::dirs);
  visit("expose", &Settings::expose);
  visit("env", &Settings::env);
  visit("arg", &Settings::args);
  visit("label", &Settings::oci_labels);
  visit("cache", &Settings::caches);
  visit("deps", &Settings::deps);
  visit("copy", &Settings::copies);
  visit("run", &Settings::runs);
  visit("build", &Settings::builds);
  visit("artifact", &Settings::artifacts);
  visit("secret", &Settings::secrets);
  visit("ci-runner", &Settings::ci_runners);
  visit("target", &Settings::targets);
  visit("scale", &Settings::scale);
  visit("container-mode", &Settings::container_mode);
  visit("work-volume", &Settings::work_volume);
  visit("github-url", &Settings::github_url);
  visit("github-secret", &Settings::github_secret);
  visit("arc-controller", &Settings::arc_controller);
  visit("listener", &Settings::listener);
  visit("dind", &Settings::dind);
  visit("node-selector", &Settings::node_selector);
  visit("tolerations", &Settings::tolerations);
  visit("pin", &Settings::pins);
}

/// The number of list values in `settings` (every list entry, each `deps` file,
/// and the list values of its targets): what the resolver bounds per image.
std::size_t list_values(const Settings& settings);

}  // namespace rigc::spec

namespace rigc {

/// Lays `over` on `into` as `extends` and `defaults` do: lists append, single
/// values replace when `over` sets them, targets replace those of the same name.
void merge_settings(spec::Settings& into, const spec::Settings& over);

}  // namespace rigc
