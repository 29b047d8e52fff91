// The statement table: every statement of the language, where it may appear, its
// usage line, and the function that reads its arguments into the typed module.
#include "rigc/elaborate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "rigc/text.hpp"
#include "rigc/value_syntax.hpp"

namespace rigc {
namespace {

using spec::At;

const char* kind_name(ast::ValueKind kind) {
  switch (kind) {
    case ast::ValueKind::word:
      return "word";
    case ast::ValueKind::string:
      return "string";
    case ast::ValueKind::pair:
      return "KEY=VALUE pair";
    case ast::ValueKind::list:
      return "list";
  }
  return "value";
}

// The longest word (and pair KEY, path, pattern) a spec may use; quoted strings and
// values are bounded by the parser's line length instead.
constexpr std::size_t kMaxWord = 1024;

// Targets of one image (each becomes a stage and a build of its own).
constexpr std::size_t kMaxTargets = 64;

// GitHub Actions evaluates `${{ … }}` anywhere in a workflow, quoted or not, so a
// value that reaches one (a build argument, a tag) could run an expression.
bool check_expression(Diagnostics& diagnostics, Location where, const std::string& text) {
  if (text.find("${{") == std::string::npos) return true;
  diagnostics.error(where,
                    "'${{' is not allowed in a spec: GitHub Actions would evaluate it as "
                    "an expression in the generated workflow");
  return false;
}

// Reads one statement's arguments left to right and reports shape errors against
// the statement's usage line.
class Args {
 public:
  Args(const ast::Node& node, Diagnostics& diagnostics, std::string usage)
      : node_(node), diagnostics_(diagnostics), usage_(std::move(usage)) {}

  const ast::Node& node() const { return node_; }
  Diagnostics& diagnostics() { return diagnostics_; }
  bool ok() const { return ok_; }
  bool done() const { return next_ == node_.args.size(); }
  const ast::Value* peek() const { return done() ? nullptr : &node_.args[next_]; }

  void error(Location where, const std::string& message) {
    diagnostics_.error(where, message);
    ok_ = false;
  }

  // The position just after the last token, for "missing X" errors.
  Location end() const {
    const ast::Value& last = node_.args.empty() ? node_.head : node_.args.back();
    Location at = last.location;
    at.column += at.length;
    at.length = 1;
    return at;
  }

  const ast::Value* take(const char* what, std::initializer_list<ast::ValueKind> kinds) {
    if (!ok_) return nullptr;
    if (done()) {
      error(end(), fmt::format("'{}' is missing {}; usage: {}", node_.head.text, what, usage_));
      return nullptr;
    }
    const ast::Value& value = node_.args[next_];
    if (std::find(kinds.begin(), kinds.end(), value.kind) == kinds.end()) {
      error(value.location,
            fmt::format("expected {}, not a {}; usage: {}", what, kind_name(value.kind), usage_));
      return nullptr;
    }
    ++next_;
    if (!acceptable(value)) return nullptr;
    return &value;
  }

  // What no value may be, whatever the statement: a word or key too long to check
  // (the checks are regular expressions, which recurse per character), or text
  // that a generated GitHub workflow would evaluate as an expression.
  bool acceptable(const ast::Value& value) {
    const bool word = value.kind == ast::ValueKind::word;
    if ((word && value.text.size() > kMaxWord) || value.key.size() > kMaxWord) {
      error(value.location,
            fmt::format("a {} longer than {} bytes", word ? "word" : "KEY", kMaxWord));
      return false;
    }
    std::vector<std::string> texts = value.items;
    texts.push_back(value.key);
    texts.push_back(value.text);
    for (const std::string& text : texts) {
      if (!check_expression(diagnostics_, value.location, text)) {
        ok_ = false;
        return false;
      }
    }
    return true;
  }

  // A word or a quoted string.
  std::optional<At<std::string>> text(const char* what) {
    const ast::Value* v = take(what, {ast::ValueKind::word, ast::ValueKind::string});
    if (v == nullptr) return std::nullopt;
    return At<std::string>{v->text, v->location};
  }
  std::optional<At<std::string>> word(const char* what) {
    const ast::Value* v = take(what, {ast::ValueKind::word});
    if (v == nullptr) return std::nullopt;
    return At<std::string>{v->text, v->location};
  }
  std::optional<At<std::string>> string(const char* what) {
    const ast::Value* v = take(what, {ast::ValueKind::string});
    if (v == nullptr) return std::nullopt;
    return At<std::string>{v->text, v->location};
  }

  // Consumes the next argument when it is the word `keyword`.
  bool keyword(const char* keyword) {
    const ast::Value* v = peek();
    if (ok_ && v != nullptr && v->kind == ast::ValueKind::word && v->text == keyword) {
      ++next_;
      return true;
    }
    return false;
  }

  void expect_keyword(const char* keyword) {
    if (!ok_) return;
    if (this->keyword(keyword)) return;
    if (done()) {
      error(end(),
            fmt::format("'{}' is missing '{}'; usage: {}", node_.head.text, keyword, usage_));
    } else {
      error(peek()->location, fmt::format("expected '{}'; usage: {}", keyword, usage_));
    }
  }

  // For statements that open a block (declarations, targets).
  void finish_header() { finish(true); }

  void finish(bool block = false) {
    if (ok_ && !done()) {
      const ast::Value& extra = node_.args[next_];
      error(extra.location,
            fmt::format("unexpected {} '{}' after the arguments of '{}'; usage: {}",
                        kind_name(extra.kind), display(extra), node_.head.text, usage_));
    }
    if (ok_ && node_.has_block && !block) {
      error(node_.head.location, fmt::format("'{}' does not take a block", node_.head.text));
    }
  }

  static std::string display(const ast::Value& v) {
    if (v.kind == ast::ValueKind::pair) return v.key + "=" + v.text;
    if (v.kind == ast::ValueKind::list) return "[…]";
    return v.text;
  }

 private:
  const ast::Node& node_;
  Diagnostics& diagnostics_;
  std::string usage_;
  std::size_t next_ = 0;
  bool ok_ = true;
};

// ---------------------------------------------------------------------------
// Value checks. Each reports its own error and returns false on bad input.

bool is_name(const std::string& s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool check_name(Args& args, const At<std::string>& name, const char* what) {
  if (is_name(name.value)) return true;
  args.error(name.location,
             fmt::format("invalid {} name '{}': names are lowercase letters, digits and '-', "
                         "starting with a letter",
                         what, name.value));
  return false;
}

bool no_line_break(Args& args, const At<std::string>& value, const char* what) {
  if (value.value.find_first_of("\n\r") == std::string::npos) return true;
  args.error(value.location, fmt::format("{} cannot contain a line break", what));
  return false;
}

bool check_absolute(Args& args, const At<std::string>& path, const char* what, bool allow_home) {
  const std::string& p = path.value;
  const bool ok =
      !p.empty() && (p[0] == '/' || (allow_home && (p == "~" || p.rfind("~/", 0) == 0)));
  if (!ok) {
    args.error(path.location,
               fmt::format("{} '{}' must be an absolute path{}", what, p,
                           allow_home ? " (or start with '~/', the user's home)" : ""));
    return false;
  }
  // These paths reach shell words, `--mount=…,target=PATH,…` options, PATH and
  // Compose volumes (`id:PATH`): a quote, '$', ',', '=', ':' or a shell
  // metacharacter would change what they say.
  const auto bad = std::find_if(p.begin() + 1, p.end(), [](char c) {
    return !(std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) &&
           std::string("/._-+@%").find(c) == std::string::npos;
  });
  if (bad != p.end() || p.size() > kMaxWord) {
    args.error(
        path.location,
        p.size() > kMaxWord
            ? fmt::format("{} is longer than {} bytes", what, kMaxWord)
            : fmt::format("{} '{}' may only use letters, digits and / . _ - + @ %", what, p));
    return false;
  }
  return true;
}

bool check_relative_source(Args& args, const At<std::string>& path, const char* what) {
  const std::string& p = path.value;
  if (p.empty() || p[0] == '/' || p == ".." || p.rfind("../", 0) == 0 ||
      p.find("/../") != std::string::npos) {
    args.error(path.location,
               fmt::format("{} '{}' must be a path inside the build context (the spec's "
                           "directory), without '..'",
                           what, p));
    return false;
  }
  if (p.find_first_of("\n\r\"'$`\\ \t") != std::string::npos) {
    args.error(path.location,
               fmt::format("{} '{}' contains a quote, '$', backslash or whitespace", what, p));
    return false;
  }
  // COPY reads a leading '-' as one of its flags (`--from=other-image`).
  if (p[0] == '-' || p.size() > kMaxWord) {
    args.error(path.location, p.size() > kMaxWord
                                  ? fmt::format("{} is longer than {} bytes", what, kMaxWord)
                                  : fmt::format("{} '{}' starts with '-', which COPY would read "
                                                "as an option; write './{}'",
                                                what, p, p));
    return false;
  }
  return true;
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
  // Longer numbers are out of range anyway, and std::stod would throw on them.
  const auto parts = text.size() > 32 ? std::nullopt : syntax::size(text);
  if (!parts) return std::nullopt;
  const double number = std::stod(parts->number);
  const int power = std::string("KMGT").find(parts->unit) + 1;
  double bytes = number;
  for (int i = 0; i < power; ++i)
    bytes *= 1024;
  if (bytes < 1 || bytes > 1e18) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

bool is_duration(const std::string& text) {
  return syntax::is_duration(text) && text.find_first_not_of("0ms h") != std::string::npos;
}

bool is_cpus(const std::string& text) {
  return text.size() <= 32 && syntax::is_decimal(text) && std::stod(text) > 0 &&
         std::stod(text) <= 4096;
}

std::optional<std::uint32_t> parse_id(const std::string& text) {
  if (text.empty() || text.size() > 10 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const unsigned long long value = std::stoull(text);
  if (value > 2147483647ULL) return std::nullopt;  // what Docker and useradd accept everywhere
  return static_cast<std::uint32_t>(value);
}

// Image references ([host[:port]/]path[:tag][@sha256:hex]), registries, tags, and
// the other value syntax: value_syntax.hpp.
using syntax::is_apt_package;
using syntax::is_env_key;
using syntax::is_image_reference;
using syntax::is_registry;
using syntax::is_tag;

bool is_runner_label(const std::string& label) {
  return syntax::is_label_word(label) && label.size() <= 256;
}

bool is_version(const std::string& version) {
  return syntax::is_version_word(version);
}

const std::vector<std::string>& known_platforms() {
  static const std::vector<std::string> platforms = {
      "linux/386",   "linux/amd64",   "linux/arm/v6",  "linux/arm/v7",
      "linux/arm64", "linux/ppc64le", "linux/riscv64", "linux/s390x"};
  return platforms;
}

// ---------------------------------------------------------------------------
// Statement readers for defaults, image, runner and target blocks.

using SettingsReader = void (*)(Args&, spec::Settings&);
using PackReader = void (*)(Args&, spec::PackDecl&);

template <typename T>
void set_once(Args& args, std::optional<T>& slot, T value) {
  slot = std::move(value);
  (void)args;
}

void read_base(Args& a, spec::Settings& s) {
  auto v = a.word("an image reference");
  if (!v) return;
  if (!is_image_reference(v->value)) {
    a.error(v->location,
            fmt::format("invalid image reference '{}'; expected IMAGE[:TAG][@sha256:DIGEST], "
                        "e.g. debian:bookworm-slim",
                        v->value));
    return;
  }
  s.base = *v;
}

void read_registry(Args& a, spec::Settings& s) {
  auto v = a.word("a registry, HOST/PATH");
  if (!v) return;
  if (!is_registry(v->value)) {
    a.error(v->location,
            fmt::format("invalid registry '{}'; expected HOST/PATH, e.g. ghcr.io/acme", v->value));
    return;
  }
  s.registry = *v;
}

void read_tag(Args& a, spec::Settings& s) {
  auto v = a.word("a tag");
  if (!v) return;
  if (!is_tag(v->value)) {
    a.error(v->location, fmt::format("invalid tag '{}': letters, digits, '_', '.' and '-', "
                                     "at most 128, not starting with '.' or '-'",
                                     v->value));
    return;
  }
  s.tag = *v;
}

void read_platforms(Args& a, spec::Settings& s) {
  At<std::vector<std::string>> platforms;
  platforms.location = a.node().head.location;
  while (!a.done()) {
    auto v = a.word("a platform");
    if (!v) return;
    const auto& known = known_platforms();
    if (std::find(known.begin(), known.end(), v->value) == known.end()) {
      a.error(v->location,
              fmt::format("unknown platform '{}'{}", v->value, did_you_mean(v->value, known)));
      return;
    }
    if (std::find(platforms.value.begin(), platforms.value.end(), v->value) ==
        platforms.value.end()) {
      platforms.value.push_back(v->value);
    }
  }
  if (platforms.value.empty()) {
    a.error(a.end(), "'platforms' needs at least one platform, e.g. linux/amd64");
    return;
  }
  s.platforms = platforms;
}

void read_packs(Args& a, spec::Settings& s) {
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
    s.packs.push_back(ref);
  }
}

// Package names up to the end, or up to the word `until` when one is given.
void read_apt_list(Args& a, std::vector<At<std::string>>& out, const char* until = nullptr) {
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

void read_apt(Args& a, spec::Settings& s) {
  read_apt_list(a, s.apt);
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

void read_env(Args& a, spec::Settings& s) {
  const std::size_t from = s.env.size();
  read_pairs(a, s.env, "a KEY=VALUE pair", true, false);
  check_secret_names(a, s.env, from, "env");
}

void read_arg(Args& a, spec::Settings& s) {
  const std::size_t from = s.args.size();
  read_pairs(a, s.args, "NAME=DEFAULT", true, true);
  check_secret_names(a, s.args, from, "arg");
}

void read_label(Args& a, spec::Settings& s) {
  const std::size_t from = s.oci_labels.size();
  read_pairs(a, s.oci_labels, "a KEY=VALUE pair", false, false);
  for (std::size_t i = from; i < s.oci_labels.size(); ++i) {
    if (!syntax::is_label_key(s.oci_labels[i].key)) {
      a.error(s.oci_labels[i].location,
              fmt::format("invalid label key '{}': use lowercase letters, digits, '.' and '-' "
                          "(reverse-DNS, e.g. org.example.team)",
                          s.oci_labels[i].key));
    }
  }
}

void read_user(Args& a, spec::Settings& s) {
  auto name = a.word("a user name");
  if (!name) return;
  spec::User user;
  user.name = name->value;
  user.location = name->location;
  if (name->value == "root") {
    user.uid = 0;
    user.gid = 0;
    s.user = user;
    return;
  }
  if (!syntax::is_user_name(user.name)) {
    a.error(name->location, fmt::format("invalid user name '{}': lowercase letters, digits, '_' "
                                        "and '-', at most 32",
                                        user.name));
    return;
  }
  auto uid = a.word("a numeric UID");
  if (!uid) return;
  const auto uid_value = parse_id(uid->value);
  if (!uid_value) {
    a.error(uid->location, fmt::format("UID '{}' must be a number from 0 to 2147483647 "
                                       "(a numeric USER is what lets tools prove it is not root)",
                                       uid->value));
    return;
  }
  if (*uid_value == 0) {
    a.error(uid->location, "UID 0 is root; write 'user root' if you really mean it");
    return;
  }
  user.uid = *uid_value;
  user.gid = *uid_value;
  if (!a.done()) {
    auto gid = a.word("a numeric GID");
    if (!gid) return;
    const auto gid_value = parse_id(gid->value);
    if (!gid_value) {
      a.error(gid->location,
              fmt::format("GID '{}' must be a number from 0 to 2147483647", gid->value));
      return;
    }
    user.gid = *gid_value;
  }
  s.user = user;
}

void read_workdir(Args& a, spec::Settings& s) {
  auto v = a.text("an absolute path");
  if (!v || !check_absolute(a, *v, "workdir", false)) return;
  s.workdir = *v;
}

void read_cache_into(Args& a, std::vector<spec::Cache>& out) {
  auto name = a.word("a cache name");
  if (!name || !check_name(a, *name, "cache")) return;
  spec::Cache cache{name->value, "", name->location};
  if (!a.done()) {
    auto path = a.text("a path");
    if (!path || !check_absolute(a, *path, "cache path", true)) return;
    cache.path = path->value;
  }
  out.push_back(cache);
}

void read_cache(Args& a, spec::Settings& s) {
  read_cache_into(a, s.caches);
}

void read_deps(Args& a, spec::Settings& s) {
  spec::Deps deps;
  deps.location = a.node().head.location;
  if (a.done()) a.take("a dependency manifest", {ast::ValueKind::word});
  while (!a.done()) {
    auto file = a.text("a file");
    if (!file || !check_relative_source(a, *file, "dependency manifest")) return;
    deps.files.push_back(file->value);
  }
  if (!deps.files.empty()) s.deps.push_back(deps);
}

void read_copy(Args& a, spec::Settings& s) {
  auto source = a.text("a source path");
  if (!source || !check_relative_source(a, *source, "copy source")) return;
  auto dest = a.text("a destination path");
  if (!dest || !check_absolute(a, *dest, "copy destination", false)) return;
  s.copies.push_back({source->value, dest->value, a.node().head.location});
}

void read_dirs(Args& a, spec::Settings& s) {
  if (a.done()) a.take("a directory", {ast::ValueKind::word});
  while (!a.done()) {
    auto dir = a.text("a directory");
    if (!dir || !check_absolute(a, *dir, "directory", true)) return;
    s.dirs.push_back(*dir);
  }
}

// Where a shell starts a comment in `command` (a '#' beginning a word outside
// quotes), or npos.
std::size_t shell_comment(const std::string& command) {
  char quote = 0;
  for (std::size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0;
    } else if (c == '\\') {
      ++i;
    } else if (quote == '"') {
      if (c == '"') quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '#' &&
               (i == 0 || std::string(" \t;&|()<>").find(command[i - 1]) != std::string::npos)) {
      return i;
    }
  }
  return std::string::npos;
}

// A shell command that becomes one line of a RUN or HEALTHCHECK: not empty, and
// not ending in '\', which would continue the Dockerfile line into the next
// instruction. `joined` commands share one RUN with the steps after them, so a
// shell comment would silently drop those steps.
bool check_command(Args& a, const At<std::string>& command, const char* what, bool joined) {
  if (!no_line_break(a, command, what)) return false;
  const std::string& c = command.value;
  const auto last = c.find_last_not_of(" \t");
  if (last == std::string::npos) {
    a.error(command.location, fmt::format("{} is empty", what));
    return false;
  }
  if (c[last] == '\\') {
    a.error(command.location,
            fmt::format("{} ends with '\\', which would continue the Dockerfile line into the "
                        "next instruction",
                        what));
    return false;
  }
  if (joined && shell_comment(c) != std::string::npos) {
    a.error(command.location,
            fmt::format("{} has a shell comment ('#'); rigc joins steps into one RUN, so it would "
                        "comment out the steps after it: remove it or quote the '#'",
                        what));
    return false;
  }
  return true;
}

std::optional<spec::Run> read_run_step(Args& a) {
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

void read_run(Args& a, spec::Settings& s) {
  if (auto run = read_run_step(a)) s.runs.push_back(*run);
}

void read_secret(Args& a, spec::Settings& s) {
  auto id = a.word("a secret id");
  if (!id) return;
  if (!syntax::is_secret_id(id->value)) {
    a.error(id->location, fmt::format("invalid secret id '{}'", id->value));
    return;
  }
  spec::Secret secret{id->value, "", "", id->location};
  if (a.keyword("env")) {
    auto name = a.word("an environment variable name");
    if (!name) return;
    if (!is_env_key(name->value)) {
      a.error(name->location, fmt::format("invalid environment variable name '{}'", name->value));
      return;
    }
    secret.env = name->value;
  } else if (a.keyword("target")) {
    auto path = a.text("an absolute path");
    if (!path || !check_absolute(a, *path, "secret target", false)) return;
    secret.target = path->value;
  }
  s.secrets.push_back(secret);
}

void read_healthcheck(Args& a, spec::Settings& s) {
  auto command = a.string("a quoted command");
  if (!command || !check_command(a, *command, "the health check command", false)) return;
  spec::Healthcheck check;
  check.command = command->value;
  check.location = a.node().head.location;
  while (a.ok() && !a.done()) {
    auto option = a.word("interval, timeout, retries or start");
    if (!option) return;
    const std::vector<std::string> options = {"interval", "timeout", "retries", "start"};
    if (std::find(options.begin(), options.end(), option->value) == options.end()) {
      a.error(option->location, fmt::format("unknown health check option '{}'{}", option->value,
                                            did_you_mean(option->value, options)));
      return;
    }
    auto value = a.word(option->value == "retries" ? "a number" : "a duration like 30s");
    if (!value) return;
    if (option->value == "retries") {
      const auto n = parse_id(value->value);
      if (!n || *n == 0 || *n > 100) {
        a.error(value->location,
                fmt::format("retries must be a number from 1 to 100, not '{}'", value->value));
        return;
      }
      check.retries = static_cast<int>(*n);
      continue;
    }
    if (!is_duration(value->value)) {
      a.error(value->location, fmt::format("invalid duration '{}'; use a number with ms, s, m or "
                                           "h, e.g. 30s or 1m30s",
                                           value->value));
      return;
    }
    (option->value == "interval"  ? check.interval
     : option->value == "timeout" ? check.timeout
                                  : check.start) = value->value;
  }
  s.healthcheck = check;
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

void read_cmd(Args& a, spec::Settings& s) {
  if (auto e = read_exec(a)) s.cmd = *e;
}
void read_entrypoint(Args& a, spec::Settings& s) {
  if (auto e = read_exec(a)) s.entrypoint = *e;
}

void read_expose(Args& a, spec::Settings& s) {
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
    s.expose.push_back(*port);
  }
}

void read_resources(Args& a, std::optional<spec::Resources>& slot) {
  spec::Resources r;
  r.location = a.node().head.location;
  while (a.ok() && !a.done()) {
    auto key = a.word("'cpus' or 'memory'");
    if (!key) return;
    if (key->value == "cpus") {
      auto n = a.word("a number of CPUs");
      if (!n) return;
      if (!is_cpus(n->value)) {
        a.error(n->location, fmt::format("invalid CPU count '{}'; expected a positive number like "
                                         "2 or 0.5",
                                         n->value));
        return;
      }
      r.cpus = n->value;
    } else if (key->value == "memory") {
      auto size = a.word("a size like 512M or 4G");
      if (!size) return;
      const auto bytes = parse_size(size->value);
      if (!bytes) {
        a.error(size->location, fmt::format("invalid size '{}'; expected a number with K, M, G or "
                                            "T, e.g. 512M or 1.5G",
                                            size->value));
        return;
      }
      r.memory = size->value;
      r.memory_bytes = *bytes;
    } else {
      a.error(key->location, fmt::format("expected 'cpus' or 'memory', not '{}'{}", key->value,
                                         did_you_mean(key->value, {"cpus", "memory"})));
      return;
    }
  }
  if (a.ok() && r.cpus.empty() && r.memory.empty()) {
    a.error(a.end(), fmt::format("'{}' needs 'cpus N' and/or 'memory SIZE'", a.node().head.text));
    return;
  }
  slot = r;
}

void read_limits(Args& a, spec::Settings& s) {
  read_resources(a, s.limits);
}
void read_reserve(Args& a, spec::Settings& s) {
  read_resources(a, s.reserve);
}

void read_replicas(Args& a, spec::Settings& s) {
  auto n = a.word("a number");
  if (!n) return;
  if (!n->value.empty() && n->value[0] == '-') {
    a.error(n->location, fmt::format("replicas cannot be negative ('{}')", n->value));
    return;
  }
  const auto value = parse_id(n->value);
  if (!value || *value > 1000) {
    a.error(n->location,
            fmt::format("replicas must be a number from 0 to 1000, not '{}'", n->value));
    return;
  }
  s.replicas = At<int>{static_cast<int>(*value), n->location};
}

void read_restart(Args& a, spec::Settings& s) {
  auto v = a.word("a restart policy");
  if (!v) return;
  const std::vector<std::string> policies = {"no", "always", "on-failure", "unless-stopped"};
  if (std::find(policies.begin(), policies.end(), v->value) == policies.end()) {
    a.error(v->location, fmt::format("unknown restart policy '{}'{}; expected no, always, "
                                     "on-failure or unless-stopped",
                                     v->value, did_you_mean(v->value, policies)));
    return;
  }
  s.restart = *v;
}

void read_labels(Args& a, spec::Settings& s) {
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
    s.labels.push_back(*label);
  }
}

void read_ephemeral(Args& a, spec::Settings& s) {
  auto v = a.word("true or false");
  if (!v) return;
  if (v->value != "true" && v->value != "false") {
    a.error(v->location, fmt::format("expected true or false, not '{}'", v->value));
    return;
  }
  s.ephemeral = At<bool>{v->value == "true", v->location};
}

void read_group(Args& a, spec::Settings& s) {
  auto v = a.text("a runner group");
  if (!v || !no_line_break(a, *v, "a runner group")) return;
  if (v->value.empty() || v->value.find_first_of("\"'$`\\") != std::string::npos) {
    a.error(v->location, fmt::format("invalid runner group '{}'", v->value));
    return;
  }
  s.group = *v;
}

void read_dockerfile(Args& a, spec::Settings& s) {
  auto v = a.word("a Dockerfile frontend level, e.g. 1.7");
  if (!v) return;
  if (v->value != "1.7" && v->value != "builtin") {
    a.error(v->location, fmt::format("unsupported Dockerfile level '{}'; use 'builtin' (the "
                                     "default) or '1.7'",
                                     v->value));
    return;
  }
  s.dockerfile = *v;
}

// ---------------------------------------------------------------------------
// Pack statements.

void read_pack_description(Args& a, spec::PackDecl& p) {
  auto v = a.string("a quoted description");
  if (v && no_line_break(a, *v, "a description")) p.description = v->value;
}

void read_pack_kind(Args& a, spec::PackDecl& p) {
  auto v = a.word("system, toolchain or tool");
  if (!v) return;
  if (v->value == "system") {
    p.kind = spec::PackKind::system;
  } else if (v->value == "toolchain") {
    p.kind = spec::PackKind::toolchain;
  } else if (v->value == "tool") {
    p.kind = spec::PackKind::tool;
  } else {
    a.error(v->location,
            fmt::format("unknown pack kind '{}'; expected system, toolchain or tool", v->value));
  }
}

std::optional<At<std::string>> read_version_word(Args& a) {
  auto v = a.word("a version");
  if (!v) return std::nullopt;
  if (!is_version(v->value)) {
    a.error(v->location, fmt::format("invalid version '{}'", v->value));
    return std::nullopt;
  }
  return v;
}

void read_pack_version(Args& a, spec::PackDecl& p) {
  if (auto v = read_version_word(a)) p.version = *v;
}

void read_pack_versions(Args& a, spec::PackDecl& p) {
  if (a.done()) a.take("a version", {ast::ValueKind::word});
  while (!a.done()) {
    auto v = read_version_word(a);
    if (!v) return;
    p.versions.push_back(*v);
  }
}

void read_names(Args& a, std::vector<At<std::string>>& out, const char* what) {
  if (a.done()) a.take(what, {ast::ValueKind::word});
  while (!a.done()) {
    auto v = a.word(what);
    if (!v || !check_name(a, *v, "pack")) return;
    out.push_back(*v);
  }
}

void read_pack_system(Args& a, spec::PackDecl& p) {
  auto v = read_version_word(a);
  if (!v) return;
  std::vector<At<std::string>> packages;
  read_apt_list(a, packages, "requires");
  spec::SystemVersion system{v->value, {}, v->location, {}};
  for (auto& package : packages)
    system.packages.push_back(package.value);
  if (a.ok() && packages.empty()) {
    a.error(a.peek()->location, "expected a package name before 'requires'");
    return;
  }
  if (a.keyword("requires")) read_names(a, system.requires_, "a pack name");
  if (a.ok()) p.system.push_back(system);
}

void read_pack_requires(Args& a, spec::PackDecl& p) {
  read_names(a, p.requires_, "a pack name");
}
void read_pack_after(Args& a, spec::PackDecl& p) {
  read_names(a, p.after, "a pack name");
}
void read_pack_apt(Args& a, spec::PackDecl& p) {
  read_apt_list(a, p.apt);
}
void read_pack_build_apt(Args& a, spec::PackDecl& p) {
  read_apt_list(a, p.build_apt);
}

void read_pack_env(Args& a, spec::PackDecl& p) {
  read_pairs(a, p.env, "a KEY=VALUE pair", true, false);
}

void read_pack_path(Args& a, spec::PackDecl& p) {
  if (a.done()) a.take("a directory", {ast::ValueKind::word});
  while (!a.done()) {
    auto v = a.text("a directory");
    if (!v || !check_absolute(a, *v, "path", true)) return;
    p.paths.push_back(*v);
  }
}

void read_pack_dirs(Args& a, spec::PackDecl& p) {
  spec::Settings s;
  read_dirs(a, s);
  p.dirs.insert(p.dirs.end(), s.dirs.begin(), s.dirs.end());
}

void read_pack_run(Args& a, spec::PackDecl& p) {
  if (auto run = read_run_step(a)) p.runs.push_back(*run);
}

void read_pack_cache(Args& a, spec::PackDecl& p) {
  read_cache_into(a, p.caches);
}

void read_pack_deps(Args& a, spec::PackDecl& p) {
  spec::PackDeps deps;
  deps.location = a.node().head.location;
  while (a.ok() && !a.done() && a.peek()->kind == ast::ValueKind::word) {
    auto file = a.word("a file");
    if (!file || !check_relative_source(a, *file, "dependency manifest")) return;
    deps.files.push_back(file->value);
  }
  if (deps.files.empty()) {
    a.take("a dependency manifest", {ast::ValueKind::word});
    return;
  }
  auto command = a.string("the quoted install command");
  if (!command || !check_command(a, *command, "the deps command", false)) return;
  deps.command = command->value;
  if (a.keyword("into")) {
    auto into = a.text("a path");
    if (!into) return;
    // Absolute, from the home (~/…) or from the workdir, in the characters of
    // check_absolute().
    const std::string& v = into->value;
    const bool plain =
        std::all_of(v.begin() + (v.rfind("~/", 0) == 0 ? 1 : 0), v.end(), [](char c) {
          return (std::isalnum(static_cast<unsigned char>(c)) &&
                  static_cast<unsigned char>(c) < 0x80) ||
                 std::string("/._-+@%").find(c) != std::string::npos;
        });
    if (v.empty() || v.size() > kMaxWord || !plain || v.find("..") != std::string::npos) {
      a.error(into->location, fmt::format("invalid path '{}': use letters, digits and "
                                          "/ . _ - + @ %, without '..'",
                                          v));
      return;
    }
    deps.into = into->value;
  }
  p.deps.push_back(deps);
}

void read_pack_verify(Args& a, spec::PackDecl& p) {
  auto v = a.string("a quoted command");
  if (v && no_line_break(a, *v, "a verify command")) p.verify.push_back(*v);
}

void read_pack_labels(Args& a, spec::PackDecl& p) {
  spec::Settings s;
  read_labels(a, s);
  p.labels.insert(p.labels.end(), s.labels.begin(), s.labels.end());
}

spec::Fetch& fetch_of(spec::PackDecl& p, Location where) {
  if (!p.fetch) {
    p.fetch.emplace();
    p.fetch->location = where;
  }
  return *p.fetch;
}

bool is_url(const std::string& url) {
  return syntax::is_url(url) && url.find('\'') == std::string::npos;
}

void read_pack_fetch(Args& a, spec::PackDecl& p) {
  auto url = a.word("a URL");
  if (!url) return;
  if (!is_url(url->value)) {
    a.error(url->location,
            fmt::format("invalid URL '{}'; expected http(s)://… or @mirror@/…", url->value));
    return;
  }
  fetch_of(p, a.node().head.location).url = *url;
}

void read_pack_mirror(Args& a, spec::PackDecl& p) {
  auto url = a.word("a URL");
  if (!url) return;
  if (!is_url(url->value) || url->value.rfind("@mirror@", 0) == 0) {
    a.error(url->location, fmt::format("invalid mirror URL '{}'", url->value));
    return;
  }
  fetch_of(p, a.node().head.location).mirror = url->value;
}

void read_pack_arch(Args& a, spec::PackDecl& p) {
  std::vector<spec::Pair> pairs;
  read_pairs(a, pairs, "DOCKER=UPSTREAM", false, false);
  auto& fetch = fetch_of(p, a.node().head.location);
  for (auto& pair : pairs) {
    if (pair.value.size() > kMaxWord || !syntax::is_arch_word(pair.key) ||
        !syntax::is_arch_word(pair.value)) {
      a.error(pair.location,
              fmt::format("invalid architecture mapping '{}={}'", pair.key, pair.value));
      return;
    }
    fetch.arch.push_back(pair);
  }
}

void read_pack_sha256(Args& a, spec::PackDecl& p) {
  auto version = read_version_word(a);
  if (!version) return;
  auto arch = a.word("an architecture (amd64, arm64, …)");
  if (!arch) return;
  auto hex = a.word("a SHA-256 in hex");
  if (!hex) return;
  if (!syntax::is_sha256_hex(hex->value)) {
    a.error(hex->location, "a SHA-256 is 64 lowercase hex digits");
    return;
  }
  if (!syntax::is_lower_alnum(arch->value)) {
    a.error(arch->location, fmt::format("invalid architecture '{}'", arch->value));
    return;
  }
  fetch_of(p, a.node().head.location)
      .checksums.push_back({version->value, arch->value, hex->value, a.node().head.location});
}

void read_pack_extract(Args& a, spec::PackDecl& p) {
  auto dir = a.text("an absolute directory");
  if (!dir || !check_absolute(a, *dir, "extract directory", false)) return;
  auto& fetch = fetch_of(p, a.node().head.location);
  fetch.extract = dir->value;
  while (a.ok() && !a.done()) {
    if (a.keyword("owned")) {
      fetch.owned = true;
    } else if (a.keyword("strip")) {
      auto n = a.word("a number");
      if (!n) return;
      const auto value = parse_id(n->value);
      if (!value || *value > 10) {
        a.error(n->location, "strip takes a number from 0 to 10");
        return;
      }
      fetch.strip = static_cast<int>(*value);
    } else {
      a.error(a.peek()->location, "expected 'strip N' or 'owned'");
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// The table.

constexpr unsigned kDefaults = 1u << static_cast<unsigned>(Context::defaults);
constexpr unsigned kImage = 1u << static_cast<unsigned>(Context::image);
constexpr unsigned kRunner = 1u << static_cast<unsigned>(Context::runner);
constexpr unsigned kTarget = 1u << static_cast<unsigned>(Context::target);
constexpr unsigned kPack = 1u << static_cast<unsigned>(Context::pack);
constexpr unsigned kTop = 1u << static_cast<unsigned>(Context::top);
constexpr unsigned kAll = kDefaults | kImage | kRunner;

struct Statement {
  const char* keyword;
  unsigned contexts;
  bool single;  // single-valued: may appear once per block
  const char* usage;
  SettingsReader settings;
  PackReader pack;
};

const std::vector<Statement>& table() {
  static const std::vector<Statement> statements = {
      // Declarations.
      {"defaults", kTop, true, "defaults {", nullptr, nullptr},
      {"pack", kTop, false, "pack NAME {", nullptr, nullptr},
      {"image", kTop, false, "image NAME [extends OTHER] {", nullptr, nullptr},
      {"runner", kTop, false, "runner NAME [extends OTHER] {", nullptr, nullptr},
      {"ignore", kTop, true, "ignore {", nullptr, nullptr},
      // Images, runners, defaults and targets.
      {"base", kAll, true, "base IMAGE[:TAG][@sha256:DIGEST]", read_base, nullptr},
      {"registry", kAll, true, "registry HOST/PATH", read_registry, nullptr},
      {"tag", kAll, true, "tag WORD", read_tag, nullptr},
      {"platforms", kAll, true, "platforms linux/amd64 linux/arm64 …", read_platforms, nullptr},
      {"packs", kAll, false, "packs NAME[@VERSION] …", read_packs, nullptr},
      {"apt", kAll | kTarget, false, "apt PACKAGE …", read_apt, nullptr},
      {"env", kAll | kTarget, false, "env KEY=VALUE …", read_env, nullptr},
      {"arg", kAll | kTarget, false, "arg NAME=DEFAULT …", read_arg, nullptr},
      {"user", kAll, true, "user NAME UID [GID]  or  user root", read_user, nullptr},
      {"workdir", kAll | kTarget, true, "workdir /ABSOLUTE/PATH", read_workdir, nullptr},
      {"cache", kAll, false, "cache NAME [PATH]", read_cache, nullptr},
      {"deps", kAll, false, "deps FILE …", read_deps, nullptr},
      {"copy", kAll | kTarget, false, "copy SOURCE /DESTINATION", read_copy, nullptr},
      {"dirs", kAll | kTarget, false, "dirs /PATH …", read_dirs, nullptr},
      {"run", kAll | kTarget, false, "run \"SHELL COMMAND\" [as root]", read_run, nullptr},
      {"secret", kAll, false, "secret ID [env NAME | target /PATH]", read_secret, nullptr},
      {"healthcheck", kAll | kTarget, true,
       "healthcheck \"COMMAND\" [interval 30s] [timeout 3s] [retries 3] [start 5s]",
       read_healthcheck, nullptr},
      {"cmd", kAll | kTarget, true, "cmd [\"EXECUTABLE\", \"ARG\", …]", read_cmd, nullptr},
      {"entrypoint", kAll | kTarget, true, "entrypoint [\"EXECUTABLE\", \"ARG\", …]",
       read_entrypoint, nullptr},
      {"expose", kAll | kTarget, false, "expose PORT[/tcp|/udp] …", read_expose, nullptr},
      {"label", kAll | kTarget, false, "label KEY=VALUE …", read_label, nullptr},
      {"limits", kAll, true, "limits cpus N memory SIZE", read_limits, nullptr},
      {"reserve", kAll, true, "reserve cpus N memory SIZE", read_reserve, nullptr},
      {"replicas", kAll, true, "replicas N", read_replicas, nullptr},
      {"restart", kAll, true, "restart no|always|on-failure|unless-stopped", read_restart, nullptr},
      {"target", kImage | kRunner, false, "target NAME {", nullptr, nullptr},
      {"labels", kDefaults | kRunner, false, "labels WORD …", read_labels, nullptr},
      {"ephemeral", kDefaults | kRunner, true, "ephemeral true|false", read_ephemeral, nullptr},
      {"group", kDefaults | kRunner, true, "group NAME", read_group, nullptr},
      {"dockerfile", kDefaults | kImage | kRunner, true, "dockerfile builtin|1.7", read_dockerfile,
       nullptr},
      // Packs.
      {"description", kPack, true, "description \"TEXT\"", nullptr, read_pack_description},
      {"kind", kPack, true, "kind system|toolchain|tool", nullptr, read_pack_kind},
      {"version", kPack, true, "version VERSION", nullptr, read_pack_version},
      {"versions", kPack, true, "versions VERSION …", nullptr, read_pack_versions},
      {"system", kPack, false, "system VERSION PACKAGE … [requires PACK …]", nullptr,
       read_pack_system},
      {"requires", kPack, false, "requires PACK …", nullptr, read_pack_requires},
      {"after", kPack, false, "after PACK …", nullptr, read_pack_after},
      {"apt", kPack, false, "apt PACKAGE …", nullptr, read_pack_apt},
      {"build-apt", kPack, false, "build-apt PACKAGE …", nullptr, read_pack_build_apt},
      {"env", kPack, false, "env KEY=VALUE …", nullptr, read_pack_env},
      {"path", kPack, false, "path /DIR …", nullptr, read_pack_path},
      {"dirs", kPack, false, "dirs /PATH …", nullptr, read_pack_dirs},
      {"run", kPack, false, "run \"SHELL COMMAND\" [as root]", nullptr, read_pack_run},
      {"cache", kPack, false, "cache NAME [PATH]", nullptr, read_pack_cache},
      {"deps", kPack, false, "deps FILE … \"COMMAND\" [into PATH]", nullptr, read_pack_deps},
      {"verify", kPack, false, "verify \"COMMAND\"", nullptr, read_pack_verify},
      {"labels", kPack, false, "labels WORD …", nullptr, read_pack_labels},
      {"fetch", kPack, true, "fetch URL", nullptr, read_pack_fetch},
      {"mirror", kPack, true, "mirror URL", nullptr, read_pack_mirror},
      {"arch", kPack, false, "arch DOCKER=UPSTREAM …", nullptr, read_pack_arch},
      {"sha256", kPack, false, "sha256 VERSION ARCH HEX", nullptr, read_pack_sha256},
      {"extract", kPack, true, "extract /DIR [strip N] [owned]", nullptr, read_pack_extract},
  };
  return statements;
}

unsigned bit(Context context) {
  return 1u << static_cast<unsigned>(context);
}

const Statement* find_statement(const std::string& keyword, Context context) {
  for (const Statement& s : table()) {
    if (keyword == s.keyword && (s.contexts & bit(context)) != 0) return &s;
  }
  return nullptr;
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

class Elaborator {
 public:
  explicit Elaborator(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  spec::Module run(const ast::Module& module) {
    for (const ast::Node& node : module.nodes) {
      // Past the first 100 errors nothing more is shown (diagnostics.cpp), so a
      // huge broken spec is not read to its end.
      if (diagnostics_.error_count() > 100) break;
      declaration(node);
    }
    return std::move(module_);
  }

 private:
  // Resolves a statement's keyword in a context, with the errors for unknown and
  // misplaced keywords. Returns null after reporting.
  const Statement* lookup(const ast::Node& node, Context context) {
    const ast::Value& head = node.head;
    if (head.kind != ast::ValueKind::word) {
      diagnostics_.error(head.location,
                         fmt::format("expected a statement keyword, not a quoted string"));
      return nullptr;
    }
    if (const Statement* s = find_statement(head.text, context)) return s;
    for (const Statement& s : table()) {
      if (head.text == s.keyword) {
        std::vector<std::string> where;
        for (Context c : {Context::top, Context::defaults, Context::image, Context::runner,
                          Context::target, Context::pack}) {
          if ((s.contexts & bit(c)) != 0) where.push_back(context_name(c));
        }
        diagnostics_.error(head.location,
                           fmt::format("'{}' is not allowed in {}; it belongs in {}", head.text,
                                       context_name(context), fmt::join(where, ", ")));
        return nullptr;
      }
    }
    diagnostics_.error(
        head.location,
        fmt::format("unknown statement '{}' in {}{}", head.text, context_name(context),
                    did_you_mean(head.text, statement_keywords(context))));
    return nullptr;
  }

  void declaration(const ast::Node& node) {
    const Statement* s = lookup(node, Context::top);
    if (s == nullptr) return;
    const std::string keyword = s->keyword;
    if (!node.has_block) {
      Location at = node.args.empty() ? node.head.location : node.args.back().location;
      at.column += at.length;
      at.length = 1;
      diagnostics_.error(at, fmt::format("'{}' needs a block: {} … }}", keyword, s->usage));
      return;
    }
    Args args(node, diagnostics_, s->usage);
    if (keyword == "defaults" || keyword == "ignore") {
      args.finish_header();
      if (!args.ok()) return;
      if (keyword == "defaults") {
        if (module_.defaults) {
          duplicate(node.head.location, "defaults", module_.defaults->location);
          return;
        }
        module_.defaults.emplace();
        module_.defaults->location = node.head.location;
        settings_block(node, Context::defaults, module_.defaults->value);
      } else {
        if (module_.ignore) {
          duplicate(node.head.location, "ignore", module_.ignore->location);
          return;
        }
        ignore_block(node);
      }
      return;
    }
    auto name = args.word("a name");
    if (!name || !check_name(args, *name, keyword.c_str())) return;
    if (keyword == "pack") {
      args.finish_header();
      if (!args.ok()) return;
      spec::PackDecl pack;
      pack.name = *name;
      pack_block(node, pack);
      module_.packs.push_back(std::move(pack));
      return;
    }
    // The name becomes a Docker repository path component, a Compose service and
    // host name, a Bake target and a workflow matrix entry.
    if (name->value.back() == '-' || name->value.size() > 63) {
      args.error(name->location,
                 fmt::format("invalid {} name '{}': it must end with a letter or digit and be at "
                             "most 63 characters (Docker image and host names)",
                             keyword, name->value));
      return;
    }
    spec::ImageDecl image;
    image.runner = keyword == "runner";
    image.name = *name;
    if (args.keyword("extends")) {
      auto other = args.word("the name of the image to extend");
      if (!other || !check_name(args, *other, keyword.c_str())) return;
      image.extends = *other;
    }
    args.finish_header();
    if (!args.ok()) return;
    settings_block(node, image.runner ? Context::runner : Context::image, image.settings);
    module_.images.push_back(std::move(image));
  }

  void duplicate(Location where, const std::string& what, Location first) {
    diagnostics_.error(where, fmt::format("'{}' is already declared on line {}", what, first.line));
  }

  void settings_block(const ast::Node& block, Context context, spec::Settings& settings) {
    std::map<std::string, Location> seen;
    for (const ast::Node& node : block.children) {
      const Statement* s = lookup(node, context);
      if (s == nullptr) continue;
      if (s->single && !once(node, *s, seen)) continue;
      if (std::string(s->keyword) == "target") {
        target(node, settings);
        continue;
      }
      Args args(node, diagnostics_, s->usage);
      s->settings(args, settings);
      args.finish();
    }
  }

  bool once(const ast::Node& node, const Statement& s, std::map<std::string, Location>& seen) {
    const auto [it, inserted] = seen.emplace(s.keyword, node.head.location);
    if (inserted) return true;
    diagnostics_.error(node.head.location,
                       fmt::format("'{}' is already set in this block on line {}; it takes one "
                                   "value",
                                   s.keyword, it->second.line));
    return false;
  }

  void target(const ast::Node& node, spec::Settings& settings) {
    Args args(node, diagnostics_, statement_usage("target"));
    auto name = args.word("a target name");
    if (!name || !check_name(args, *name, "target")) return;
    if (!node.has_block) {
      args.error(args.end(), "'target' needs a block: target NAME { … }");
      return;
    }
    if (!args.done()) {
      args.error(args.peek()->location, "unexpected argument; usage: target NAME {");
      return;
    }
    if (settings.targets.size() == kMaxTargets) {
      args.error(name->location, fmt::format("more than {} targets in one block", kMaxTargets));
      return;
    }
    for (const spec::Target& existing : settings.targets) {
      if (existing.name.value == name->value) {
        args.error(name->location, fmt::format("target '{}' is already declared on line {}",
                                               name->value, existing.name.location.line));
        return;
      }
    }
    spec::Target t;
    t.name = *name;
    settings_block(node, Context::target, t.settings);
    settings.targets.push_back(std::move(t));
  }

  void pack_block(const ast::Node& block, spec::PackDecl& pack) {
    std::map<std::string, Location> seen;
    for (const ast::Node& node : block.children) {
      const Statement* s = lookup(node, Context::pack);
      if (s == nullptr) continue;
      if (s->single && !once(node, *s, seen)) continue;
      Args args(node, diagnostics_, s->usage);
      s->pack(args, pack);
      args.finish();
    }
  }

  void ignore_block(const ast::Node& block) {
    module_.ignore.emplace();
    module_.ignore->location = block.head.location;
    for (const ast::Node& node : block.children) {
      if (!node.args.empty() || node.has_block || node.head.kind == ast::ValueKind::list) {
        diagnostics_.error(node.location,
                           "an ignore block holds one pattern per line (quote a pattern with "
                           "spaces)");
        continue;
      }
      const std::string& pattern = node.head.text;
      if (pattern.size() > kMaxWord) {
        diagnostics_.error(node.location,
                           fmt::format("an ignore pattern longer than {} bytes", kMaxWord));
        continue;
      }
      if (pattern.empty() || pattern == "!" || pattern.find_first_of("\n\r") != std::string::npos) {
        diagnostics_.error(node.location, fmt::format("invalid ignore pattern '{}'", pattern));
        continue;
      }
      if (!check_expression(diagnostics_, node.location, pattern)) continue;
      module_.ignore->value.push_back({pattern, node.head.location});
    }
  }

  Diagnostics& diagnostics_;
  spec::Module module_;
};

}  // namespace

spec::Module elaborate(const ast::Module& module, Diagnostics& diagnostics) {
  return Elaborator(diagnostics).run(module);
}

std::vector<std::string> statement_keywords(Context context) {
  std::vector<std::string> keywords;
  for (const Statement& s : table()) {
    if ((s.contexts & bit(context)) != 0) keywords.emplace_back(s.keyword);
  }
  std::sort(keywords.begin(), keywords.end());
  keywords.erase(std::unique(keywords.begin(), keywords.end()), keywords.end());
  return keywords;
}

std::string statement_usage(const std::string& keyword) {
  for (const Statement& s : table()) {
    if (keyword == s.keyword) return s.usage;
  }
  return keyword;
}

bool looks_like_secret(const std::string& name) {
  // BuildKit splits the name into words at '_', '-' and lower-to-upper changes.
  std::vector<std::string> parts;
  std::string part;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '_' || c == '-' || c == '.') {
      if (!part.empty()) parts.push_back(part);
      part.clear();
      continue;
    }
    if (i > 0 && std::isupper(static_cast<unsigned char>(c)) &&
        std::islower(static_cast<unsigned char>(name[i - 1]))) {
      parts.push_back(part);
      part.clear();
    }
    part += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!part.empty()) parts.push_back(part);
  static const std::vector<std::string> secret = {"apikey",      "auth",   "credential",
                                                  "credentials", "key",    "password",
                                                  "passwd",      "secret", "token"};
  static const std::vector<std::string> allowed = {"public", "file", "version"};
  bool found = false;
  for (const std::string& p : parts) {
    if (std::find(allowed.begin(), allowed.end(), p) != allowed.end()) return false;
    if (std::find(secret.begin(), secret.end(), p) != secret.end()) found = true;
  }
  return found;
}

}  // namespace rigc
