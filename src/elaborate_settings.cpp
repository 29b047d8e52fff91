// Readers of the statements of image, runner, defaults and target blocks (and the
// list readers packs share: apt, pairs, dirs, labels, run, cache). The statement
// table binds each to the member of spec::Settings it fills.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "rigc/elaborate.hpp"
#include "rigc/value_syntax.hpp"
#include "src/elaborate_readers.hpp"
#include "src/elaborate_values.hpp"

namespace rigc::elab {
namespace {

// Image references ([host[:port]/]path[:tag][@sha256:hex]), registries, tags, and
// the other value syntax: value_syntax.hpp.
using syntax::is_apt_package;
using syntax::is_env_key;
using syntax::is_image_reference;
using syntax::is_registry;
using syntax::is_tag;

}  // namespace

std::optional<std::uint64_t> parse_size(const std::string& text) {
  // Longer numbers are out of range anyway, and std::stod would throw on them.
  const auto parts = text.size() > 32 ? std::nullopt : syntax::size(text);
  if (!parts) return std::nullopt;
  const double number = std::stod(parts->number);
  const auto unit = static_cast<char>(std::toupper(static_cast<unsigned char>(parts->unit)));
  const int power = unit == 0 ? 0 : static_cast<int>(std::string("KMGTP").find(unit)) + 1;
  double bytes = number;
  for (int i = 0; i < power; ++i)
    bytes *= 1024;
  if (bytes < 1 || bytes > 1e18) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

namespace {

// A size as the outputs write it: the number and the unit letter in capitals, any
// "b" or "ib" dropped ("4gb" -> "4G", "100b" -> "100"), which Compose, Bake and
// every Docker version read alike.
std::string canonical_size(const std::string& text) {
  const auto parts = syntax::size(text);
  if (!parts) return text;
  if (parts->unit == 0) return parts->number;
  return parts->number + static_cast<char>(std::toupper(static_cast<unsigned char>(parts->unit)));
}

bool is_duration(const std::string& text) {
  return syntax::is_duration(text) && text.find_first_not_of("0ms h") != std::string::npos;
}

bool is_cpus(const std::string& text) {
  return text.size() <= 32 && syntax::is_decimal(text) && std::stod(text) > 0 &&
         std::stod(text) <= 4096;
}

bool is_runner_label(const std::string& label) {
  return syntax::is_label_word(label) && label.size() <= 256;
}

const std::vector<std::string>& known_platforms() {
  static const std::vector<std::string> platforms = {
      "linux/386",   "linux/amd64",   "linux/arm/v6",  "linux/arm/v7",
      "linux/arm64", "linux/ppc64le", "linux/riscv64", "linux/s390x"};
  return platforms;
}

void check_secret_names(Args& a, const std::vector<spec::Pair>& pairs, std::size_t from,
                        const char* statement) {
  for (std::size_t i = from; i < pairs.size(); ++i) {
    if (looks_like_secret(pairs[i].key)) {
      Location at = pairs[i].location;
      at.length = static_cast<std::uint32_t>(pairs[i].key.size());
      a.error(at, fmt::format("{} name '{}' looks like a secret; {} values are stored in the "
                              "image: pass it with 'secret ID env {}' instead",
                              statement, pairs[i].key, statement, pairs[i].key));
    }
  }
}

}  // namespace

std::optional<At<std::string>> read_base(Args& a) {
  return a.word_if("an image reference", is_image_reference, [](const std::string& word) {
    return fmt::format(
        "invalid image reference '{}'; expected IMAGE[:TAG][@sha256:DIGEST], "
        "e.g. debian:bookworm-slim",
        word);
  });
}

std::optional<At<std::string>> read_registry(Args& a) {
  return a.word_if("a registry, HOST/PATH", is_registry, [](const std::string& word) {
    return fmt::format("invalid registry '{}'; expected HOST/PATH, e.g. ghcr.io/acme", word);
  });
}

std::optional<At<std::string>> read_tag(Args& a) {
  return a.word_if("a tag", is_tag, [](const std::string& word) {
    return fmt::format(
        "invalid tag '{}': letters, digits, '_', '.' and '-', "
        "at most 128, not starting with '.' or '-'",
        word);
  });
}

std::optional<At<std::vector<std::string>>> read_platforms(Args& a) {
  At<std::vector<std::string>> platforms;
  platforms.location = a.node().head.location;
  while (!a.done()) {
    auto v = a.word("a platform");
    if (!v) return std::nullopt;
    const auto& known = known_platforms();
    if (std::find(known.begin(), known.end(), v->value) == known.end()) {
      a.error(v->location,
              fmt::format("unknown platform '{}'{}", v->value, did_you_mean(v->value, known)));
      return std::nullopt;
    }
    if (std::find(platforms.value.begin(), platforms.value.end(), v->value) ==
        platforms.value.end()) {
      platforms.value.push_back(v->value);
    }
  }
  if (platforms.value.empty()) {
    a.error(a.end(), "'platforms' needs at least one platform, e.g. linux/amd64");
    return std::nullopt;
  }
  return platforms;
}

void read_packs(Args& a, std::vector<spec::PackRef>& out) {
  if (a.done()) a.take("a pack name", {ast::ValueKind::word});
  while (!a.done()) {
    auto v = a.word("a pack, NAME[@VERSION]");
    if (!v) return;
    spec::PackRef ref;
    ref.location = v->location;
    const auto at = v->value.find('@');
    ref.name = v->value.substr(0, at);
    if (at != std::string::npos) ref.version = v->value.substr(at + 1);
    if (!is_name(ref.name) || (at != std::string::npos && !is_version(ref.version))) {
      a.error(v->location,
              fmt::format("invalid pack '{}'; expected NAME or NAME@VERSION", v->value));
      return;
    }
    out.push_back(ref);
  }
}

// Package names up to the end, or up to the word `until` when one is given.
void read_apt_list(Args& a, std::vector<At<std::string>>& out, const char* until) {
  if (a.done()) a.take("a package name", {ast::ValueKind::word});
  while (!a.done()) {
    const ast::Value* next = a.peek();
    if (until != nullptr && next->kind == ast::ValueKind::word && !next->quoted &&
        next->text == until)
      return;
    // `pkg=1.2-3` (a pinned version) reads as a pair.
    const ast::Value* v = a.take("a package name", {ast::ValueKind::word, ast::ValueKind::pair});
    if (v == nullptr) return;
    const std::string name = v->kind == ast::ValueKind::pair ? v->key + "=" + v->text : v->text;
    if (!is_apt_package(name) || v->quoted) {
      a.error(v->location, fmt::format("invalid package name '{}'", name));
      return;
    }
    out.push_back({name, v->location});
  }
}

void read_apt(Args& a, std::vector<At<std::string>>& out) {
  read_apt_list(a, out, nullptr);
}

void read_pairs(Args& a, std::vector<spec::Pair>& out, const char* what, bool env_key,
                bool allow_bare) {
  if (a.done()) a.take(what, {ast::ValueKind::pair});
  while (!a.done()) {
    const ast::Value* v = allow_bare ? a.take(what, {ast::ValueKind::pair, ast::ValueKind::word})
                                     : a.take(what, {ast::ValueKind::pair});
    if (v == nullptr) return;
    spec::Pair pair{v->kind == ast::ValueKind::pair ? v->key : v->text, v->text,
                    v->kind == ast::ValueKind::pair, v->location};
    if (!pair.has_value) pair.value.clear();
    if (env_key && !is_env_key(pair.key)) {
      a.error(v->location, fmt::format("invalid name '{}': use letters, digits and '_', not "
                                       "starting with a digit",
                                       pair.key));
      return;
    }
    if (!no_line_break(a, {pair.value, v->location}, "a value")) return;
    out.push_back(pair);
  }
}

void read_env(Args& a, std::vector<spec::Pair>& out) {
  const std::size_t from = out.size();
  read_pairs(a, out, "a KEY=VALUE pair", true, false);
  check_secret_names(a, out, from, "env");
}

void read_arg(Args& a, std::vector<spec::Pair>& out) {
  const std::size_t from = out.size();
  read_pairs(a, out, "NAME=DEFAULT", true, true);
  check_secret_names(a, out, from, "arg");
}

void read_label(Args& a, std::vector<spec::Pair>& out) {
  const std::size_t from = out.size();
  read_pairs(a, out, "a KEY=VALUE pair", false, false);
  for (std::size_t i = from; i < out.size(); ++i) {
    if (!syntax::is_label_key(out[i].key)) {
      a.error(out[i].location,
              fmt::format("invalid label key '{}': use lowercase letters, digits, '.' and '-' "
                          "(reverse-DNS, e.g. org.example.team)",
                          out[i].key));
    }
  }
}

std::optional<spec::User> read_user(Args& a) {
  auto name = a.word("a user name");
  if (!name) return std::nullopt;
  spec::User user;
  user.name = name->value;
  user.location = name->location;
  if (name->value == "root") {
    user.uid = 0;
    user.gid = 0;
    return user;
  }
  if (!syntax::is_user_name(user.name)) {
    a.error(name->location, fmt::format("invalid user name '{}': lowercase letters, digits, '_' "
                                        "and '-', at most 32",
                                        user.name));
    return std::nullopt;
  }
  auto uid = a.word("a numeric UID");
  if (!uid) return std::nullopt;
  const auto uid_value = parse_id(uid->value);
  if (!uid_value) {
    a.error(uid->location, fmt::format("UID '{}' must be a number from 0 to 2147483647 "
                                       "(a numeric USER is what lets tools prove it is not root)",
                                       uid->value));
    return std::nullopt;
  }
  if (*uid_value == 0) {
    a.error(uid->location, "UID 0 is root; write 'user root' if you really mean it");
    return std::nullopt;
  }
  user.uid = *uid_value;
  user.gid = *uid_value;
  if (!a.done()) {
    auto gid = a.word("a numeric GID");
    if (!gid) return std::nullopt;
    const auto gid_value = parse_id(gid->value);
    if (!gid_value) {
      a.error(gid->location,
              fmt::format("GID '{}' must be a number from 0 to 2147483647", gid->value));
      return std::nullopt;
    }
    user.gid = *gid_value;
  }
  return user;
}

std::optional<At<std::string>> read_workdir(Args& a) {
  auto v = a.text("an absolute path");
  if (!v || !check_absolute(a, *v, "workdir", false)) return std::nullopt;
  return v;
}

std::optional<spec::Cache> read_cache(Args& a) {
  auto name = a.word("a cache name");
  if (!name || !check_name(a, *name, "cache")) return std::nullopt;
  spec::Cache cache{name->value, "", name->location};
  if (!a.done()) {
    auto path = a.text("a path");
    if (!path || !check_absolute(a, *path, "cache path", true)) return std::nullopt;
    cache.path = path->value;
  }
  return cache;
}

std::optional<spec::Deps> read_deps(Args& a) {
  spec::Deps deps;
  deps.location = a.node().head.location;
  if (a.done()) a.take("a dependency manifest", {ast::ValueKind::word});
  while (!a.done()) {
    auto file = a.text("a file");
    if (!file || !check_relative_source(a, *file, "dependency manifest")) return std::nullopt;
    deps.files.push_back(file->value);
  }
  if (deps.files.empty()) return std::nullopt;
  return deps;
}

std::optional<spec::Copy> read_copy(Args& a) {
  auto source = a.text("a source path");
  if (!source || !check_relative_source(a, *source, "copy source")) return std::nullopt;
  auto dest = a.text("a destination path");
  if (!dest || !check_absolute(a, *dest, "copy destination", false)) return std::nullopt;
  spec::Copy copy{source->value, dest->value, a.node().head.location, false};
  if (a.keyword("writable")) copy.writable = true;
  return copy;
}

std::optional<spec::Artifact> read_artifact(Args& a) {
  auto source = a.text("an absolute path in the build stage");
  if (!source || !check_absolute(a, *source, "artifact", false)) return std::nullopt;
  spec::Artifact artifact{source->value, source->value, a.node().head.location};
  if (!a.done()) {
    auto dest = a.text("an absolute destination path");
    if (!dest || !check_absolute(a, *dest, "artifact destination", false)) return std::nullopt;
    artifact.dest = dest->value;
  }
  return artifact;
}

std::optional<At<std::string>> read_runtime(Args& a) {
  auto v = a.word("scratch or an image reference");
  if (!v) return std::nullopt;
  if (v->value != "scratch" && !is_image_reference(v->value)) {
    a.error(v->location,
            fmt::format("invalid runtime image '{}'; use scratch or NAME[:TAG]", v->value));
    return std::nullopt;
  }
  return v;
}

void read_dirs(Args& a, std::vector<At<std::string>>& out) {
  if (a.done()) a.take("a directory", {ast::ValueKind::word});
  while (!a.done()) {
    auto dir = a.text("a directory");
    if (!dir || !check_absolute(a, *dir, "directory", true)) return;
    out.push_back(*dir);
  }
}

std::optional<spec::Run> read_run(Args& a) {
  auto command = a.string("a quoted shell command");
  if (!command || !check_command(a, *command, "the run command", true)) return std::nullopt;
  spec::Run run{command->value, false, a.node().head.location};
  if (a.keyword("as")) {
    auto who = a.word("'root'");
    if (!who) return std::nullopt;
    if (who->value != "root") {
      a.error(who->location, "only 'as root' is supported; other steps run as the image user");
      return std::nullopt;
    }
    run.as_root = true;
  }
  return run;
}

std::optional<spec::Secret> read_secret(Args& a) {
  auto id = a.word("a secret id");
  if (!id) return std::nullopt;
  if (!syntax::is_secret_id(id->value)) {
    a.error(id->location, fmt::format("invalid secret id '{}'", id->value));
    return std::nullopt;
  }
  spec::Secret secret{id->value, "", "", id->location};
  if (a.keyword("env")) {
    auto name = a.word("an environment variable name");
    if (!name) return std::nullopt;
    if (!is_env_key(name->value)) {
      a.error(name->location, fmt::format("invalid environment variable name '{}'", name->value));
      return std::nullopt;
    }
    secret.env = name->value;
  } else if (a.keyword("target")) {
    auto path = a.text("an absolute path");
    if (!path || !check_absolute(a, *path, "secret target", false)) return std::nullopt;
    secret.target = path->value;
  }
  return secret;
}

std::optional<spec::Healthcheck> read_healthcheck(Args& a) {
  spec::Healthcheck check;
  check.location = a.node().head.location;
  const ast::Value* first = a.peek();
  if (first != nullptr && first->kind == ast::ValueKind::list) {
    // The exec form: for images without a shell.
    auto exec = read_exec(a);
    if (!exec) return std::nullopt;
    check.exec = exec->args;
  } else {
    auto command = a.string("a quoted command or a list");
    if (!command || !check_command(a, *command, "the health check command", false))
      return std::nullopt;
    check.command = command->value;
  }
  while (a.ok() && !a.done()) {
    auto option = a.word("interval, timeout, retries or start");
    if (!option) return std::nullopt;
    const std::vector<std::string> options = {"interval", "timeout", "retries", "start"};
    if (std::find(options.begin(), options.end(), option->value) == options.end()) {
      a.error(option->location, fmt::format("unknown health check option '{}'{}", option->value,
                                            did_you_mean(option->value, options)));
      return std::nullopt;
    }
    auto value = a.word(option->value == "retries" ? "a number" : "a duration like 30s");
    if (!value) return std::nullopt;
    if (option->value == "retries") {
      const auto n = parse_id(value->value);
      if (!n || *n == 0 || *n > 100) {
        a.error(value->location,
                fmt::format("retries must be a number from 1 to 100, not '{}'", value->value));
        return std::nullopt;
      }
      check.retries = static_cast<int>(*n);
      continue;
    }
    if (!is_duration(value->value)) {
      a.error(value->location, fmt::format("invalid duration '{}'; use a number with ms, s, m or "
                                           "h, e.g. 30s or 1m30s",
                                           value->value));
      return std::nullopt;
    }
    (option->value == "interval"  ? check.interval
     : option->value == "timeout" ? check.timeout
                                  : check.start) = value->value;
  }
  return check;
}

std::optional<spec::ExecForm> read_exec(Args& a) {
  const ast::Value* v = a.peek();
  if (v != nullptr && v->kind != ast::ValueKind::list) {
    a.error(v->location, fmt::format("'{}' takes the exec form, a list: {} [\"executable\", "
                                     "\"arg\"]",
                                     a.node().head.text, a.node().head.text));
    return std::nullopt;
  }
  v = a.take("a list", {ast::ValueKind::list});
  if (v == nullptr) return std::nullopt;
  if (v->items.empty()) {
    a.error(v->location, "the list is empty");
    return std::nullopt;
  }
  for (const std::string& item : v->items) {
    if (item.find_first_of("\n\r") != std::string::npos) {
      a.error(v->location, "list items cannot contain a line break");
      return std::nullopt;
    }
  }
  return spec::ExecForm{v->items, v->location};
}

void read_expose(Args& a, std::vector<At<std::string>>& out) {
  if (a.done()) a.take("a port", {ast::ValueKind::word});
  while (!a.done()) {
    auto port = a.word("a port, PORT[/tcp|udp]");
    if (!port) return;
    const auto parts = syntax::port(port->value);
    const auto in_range = [](const std::string& n) {
      return !n.empty() && std::stoi(n) >= 1 && std::stoi(n) <= 65535;
    };
    if (!parts || !in_range(parts->first) || (parts->last && !in_range(*parts->last))) {
      a.error(port->location, fmt::format("invalid port '{}'; expected a number from 1 to 65535, "
                                          "optionally with /tcp or /udp",
                                          port->value));
      return;
    }
    out.push_back(*port);
  }
}

std::optional<spec::Resources> read_resources(Args& a) {
  spec::Resources r;
  r.location = a.node().head.location;
  while (a.ok() && !a.done()) {
    auto key = a.word("'cpus' or 'memory'");
    if (!key) return std::nullopt;
    if (key->value == "cpus") {
      auto n = a.word("a number of CPUs");
      if (!n) return std::nullopt;
      if (!is_cpus(n->value)) {
        a.error(n->location, fmt::format("invalid CPU count '{}'; expected a positive number like "
                                         "2 or 0.5",
                                         n->value));
        return std::nullopt;
      }
      r.cpus = n->value;
      r.cpus_location = n->location;
    } else if (key->value == "memory") {
      auto size = a.word("a size like 512M or 4G");
      if (!size) return std::nullopt;
      const auto bytes = parse_size(size->value);
      if (!bytes) {
        a.error(size->location,
                fmt::format("invalid size '{}'; expected a number of bytes with an optional unit "
                            "K, M, G, T or P (any case, optionally followed by B or iB), e.g. "
                            "512M, 4g or 1.5GiB",
                            size->value));
        return std::nullopt;
      }
      r.memory = canonical_size(size->value);
      r.memory_bytes = *bytes;
      r.memory_location = size->location;
    } else {
      a.error(key->location, fmt::format("expected 'cpus' or 'memory', not '{}'{}", key->value,
                                         did_you_mean(key->value, {"cpus", "memory"})));
      return std::nullopt;
    }
  }
  if (a.ok() && r.cpus.empty() && r.memory.empty()) {
    a.error(a.end(), fmt::format("'{}' needs 'cpus N' and/or 'memory SIZE'", a.node().head.text));
    return std::nullopt;
  }
  return r;
}

std::optional<At<int>> read_replicas(Args& a) {
  auto n = a.word("a number");
  if (!n) return std::nullopt;
  if (!n->value.empty() && n->value[0] == '-') {
    a.error(n->location, fmt::format("replicas cannot be negative ('{}')", n->value));
    return std::nullopt;
  }
  const auto value = parse_id(n->value);
  if (!value || *value > 1000) {
    a.error(n->location,
            fmt::format("replicas must be a number from 0 to 1000, not '{}'", n->value));
    return std::nullopt;
  }
  return At<int>{static_cast<int>(*value), n->location};
}

std::optional<At<std::string>> read_restart(Args& a) {
  auto v = a.word("a restart policy");
  if (!v) return std::nullopt;
  const std::vector<std::string> policies = {"no", "always", "on-failure", "unless-stopped"};
  if (std::find(policies.begin(), policies.end(), v->value) == policies.end()) {
    const std::string hint = did_you_mean(v->value, policies);
    a.error(
        v->location,
        fmt::format("unknown restart policy '{}'{}", v->value,
                    hint.empty() ? "; expected no, always, on-failure or unless-stopped" : hint));
    return std::nullopt;
  }
  return v;
}

void read_labels(Args& a, std::vector<At<std::string>>& out) {
  if (a.done()) a.take("a label", {ast::ValueKind::word});
  while (!a.done()) {
    auto label = a.word("a runner label");
    if (!label) return;
    if (!is_runner_label(label->value)) {
      a.error(label->location, fmt::format("invalid runner label '{}': letters, digits, '.', '_' "
                                           "and '-'",
                                           label->value));
      return;
    }
    out.push_back(*label);
  }
}

std::optional<At<bool>> read_bool(Args& a) {
  auto v = a.word("true or false");
  if (!v) return std::nullopt;
  if (v->value != "true" && v->value != "false") {
    a.error(v->location, fmt::format("expected true or false, not '{}'", v->value));
    return std::nullopt;
  }
  return At<bool>{v->value == "true", v->location};
}

// One word of a fixed set, e.g. `docker none|socket|dind`.
std::optional<At<std::string>> read_choice(Args& a, const char* what,
                                           const std::vector<std::string>& choices) {
  auto v = a.word(what);
  if (!v) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), v->value) != choices.end()) return v;
  std::string expected;
  for (std::size_t i = 0; i < choices.size(); ++i)
    expected += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  // A close match is the one suggestion; otherwise the whole set.
  const std::string hint = did_you_mean(v->value, choices);
  a.error(v->location, fmt::format("unknown {} '{}'{}", what, v->value,
                                   hint.empty() ? "; expected " + expected : hint));
  return std::nullopt;
}

std::optional<At<std::string>> read_os(Args& a) {
  return read_choice(a, "OS release", {"debian-12", "ubuntu-24.04"});
}

std::optional<At<std::string>> read_docker(Args& a) {
  return read_choice(a, "Docker mode", {"none", "socket", "dind"});
}

std::optional<At<std::string>> read_auth(Args& a) {
  return read_choice(a, "credential kind", {"app", "pat", "token"});
}

std::optional<At<std::string>> read_drain(Args& a) {
  return a.word_if("a duration like 15m", is_duration, [](const std::string& word) {
    return fmt::format(
        "invalid duration '{}'; use a number with ms, s, m or h, "
        "e.g. 15m or 1h30m",
        word);
  });
}

std::optional<At<std::string>> read_group(Args& a) {
  auto v = a.text("a runner group");
  if (!v || !no_line_break(a, *v, "a runner group")) return std::nullopt;
  if (v->value.empty() || v->value.find_first_of("\"'$`\\") != std::string::npos) {
    a.error(v->location, fmt::format("invalid runner group '{}'", v->value));
    return std::nullopt;
  }
  return v;
}

std::optional<At<std::string>> read_dockerfile(Args& a) {
  auto v = a.word("a Dockerfile frontend level, e.g. 1.7");
  if (!v) return std::nullopt;
  if (v->value != "1.7" && v->value != "builtin") {
    a.error(v->location, fmt::format("unsupported Dockerfile level '{}'; use 'builtin' (the "
                                     "default) or '1.7'",
                                     v->value));
    return std::nullopt;
  }
  return v;
}

// `pin PACK VERSION sha256 ARCH HEX [ARCH HEX …]`: the checksums that move a fetching
// pack to VERSION. Which pack and version it may name is the resolver's to say.
std::optional<spec::Pin> read_pin(Args& a) {
  spec::Pin pin;
  pin.location = a.node().head.location;
  auto pack = a.word("a pack name");
  if (!pack || !check_name(a, *pack, "pack")) return std::nullopt;
  auto version = a.word("a version");
  if (!version) return std::nullopt;
  if (!is_version(version->value)) {
    a.error(version->location, fmt::format("invalid version '{}'", version->value));
    return std::nullopt;
  }
  pin.pack = *pack;
  pin.version = *version;
  if (!a.keyword("sha256")) {
    a.error(a.done() ? a.end() : a.peek()->location,
            "expected 'sha256' and a checksum per architecture: pin PACK VERSION sha256 amd64 "
            "HEX arm64 HEX");
    return std::nullopt;
  }
  if (a.done()) a.take("an architecture (amd64, arm64, …)", {ast::ValueKind::word});
  while (a.ok() && !a.done()) {
    auto arch = a.word("an architecture (amd64, arm64, …)");
    if (!arch) return std::nullopt;
    if (!syntax::is_lower_alnum(arch->value)) {
      a.error(arch->location, fmt::format("invalid architecture '{}'", arch->value));
      return std::nullopt;
    }
    auto hex = a.word("the SHA-256 of that architecture's download, in hex");
    if (!hex) return std::nullopt;
    if (!syntax::is_sha256_hex(hex->value)) {
      a.error(hex->location, "a SHA-256 is 64 lowercase hex digits");
      return std::nullopt;
    }
    for (const spec::PinnedSum& sum : pin.sums) {
      if (sum.arch.value == arch->value) {
        a.error(arch->location, fmt::format("architecture '{}' is pinned twice", arch->value));
        return std::nullopt;
      }
    }
    pin.sums.push_back({*arch, *hex});
  }
  if (!a.ok()) return std::nullopt;
  return pin;
}

// `ci-runner PLATFORM qemu` or `ci-runner PLATFORM LABEL …`.
std::optional<spec::CiRunner> read_ci_runner(Args& a) {
  spec::CiRunner runner;
  runner.location = a.node().head.location;
  auto platform = a.word("a platform, e.g. linux/arm64");
  if (!platform) return std::nullopt;
  const auto& known = known_platforms();
  if (std::find(known.begin(), known.end(), platform->value) == known.end()) {
    a.error(platform->location, fmt::format("unknown platform '{}'{}", platform->value,
                                            did_you_mean(platform->value, known)));
    return std::nullopt;
  }
  runner.platform = platform->value;
  if (a.done()) {
    a.error(a.end(), "'ci-runner' needs the runner's labels, e.g. ubuntu-24.04-arm, or 'qemu'");
    return std::nullopt;
  }
  while (!a.done()) {
    auto label = a.word("a runner label");
    if (!label) return std::nullopt;
    if (label->value == "qemu") {
      runner.qemu = true;
    } else if (!is_runner_label(label->value)) {
      a.error(label->location, fmt::format("invalid runner label '{}': letters, digits, '.', '_' "
                                           "and '-'",
                                           label->value));
      return std::nullopt;
    } else {
      runner.labels.push_back(label->value);
    }
  }
  if (runner.qemu && !runner.labels.empty()) {
    a.error(runner.location, "'ci-runner' takes either 'qemu' or runner labels, not both");
    return std::nullopt;
  }
  return runner;
}

// `ci-workflow .github/workflows/NAME.yml`: a file GitHub reads, and nothing else.
std::optional<At<std::string>> read_ci_workflow(Args& a) {
  auto v = a.word("a workflow file, e.g. .github/workflows/images.yml");
  if (!v) return std::nullopt;
  static const std::string dir = ".github/workflows/";
  const std::string name = v->value.rfind(dir, 0) == 0 ? v->value.substr(dir.size()) : "";
  const auto ends_with = [&](const char* suffix) {
    const std::string s(suffix);
    return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  if (!is_runner_label(name) || name[0] == '.' || !(ends_with(".yml") || ends_with(".yaml"))) {
    a.error(v->location, fmt::format("invalid workflow file '{}'; GitHub reads workflows from "
                                     ".github/workflows/NAME.yml of the repository",
                                     v->value));
    return std::nullopt;
  }
  return v;
}

}  // namespace rigc::elab
