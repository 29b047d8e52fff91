// Readers of pack statements. The statement table binds each to the member of
// spec::PackDecl it fills; the `fetch` statements (fetch, mirror, arch, sha256,
// extract, fetch-run, and checksums, releases and renovate, which say where
// upstream publishes what `rigc pin` reads) fill one spec::Fetch, which the first
// of them creates.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "rigc/value_syntax.hpp"
#include "src/elaborate_readers.hpp"
#include "src/elaborate_values.hpp"

namespace rigc::elab {
namespace {

// The directory `deps … into DIR` installs into: absolute, from the home (~/…) or
// from the workdir, in the characters of check_absolute().
bool check_into(Args& a, const At<std::string>& into) {
  const std::string& v = into.value;
  const bool plain = std::all_of(v.begin() + (v.rfind("~/", 0) == 0 ? 1 : 0), v.end(), [](char c) {
    return (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) ||
           std::string("/._-+@%").find(c) != std::string::npos;
  });
  if (v.empty() || v.size() > kMaxWord || !plain || v.find("..") != std::string::npos) {
    a.error(into.location, fmt::format("invalid path '{}': use letters, digits and "
                                       "/ . _ - + @ %, without '..'",
                                       v));
    return false;
  }
  return true;
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

// A URL of a fetch statement: http(s) or from the mirror.
std::optional<At<std::string>> read_url(Args& a) {
  auto url = a.word("a URL");
  if (!url) return std::nullopt;
  if (!is_url(url->value)) {
    a.error(url->location,
            fmt::format("invalid URL '{}'; expected http(s)://… or @mirror@/…", url->value));
    return std::nullopt;
  }
  return url;
}

// A member of an archive (`only docker/docker`) or a file name (`file docker-buildx`):
// relative, without '..', in characters that need no quoting anywhere.
bool check_member(Args& a, const At<std::string>& member, bool plain_name) {
  const std::string& v = member.value;
  const bool safe = std::all_of(v.begin(), v.end(), [&](char c) {
    return (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) ||
           std::string(plain_name ? "._+-" : "._+-/").find(c) != std::string::npos;
  });
  if (v.empty() || v.size() > kMaxWord || !safe || v[0] == '/' || v[0] == '-' ||
      v.find("..") != std::string::npos) {
    a.error(member.location,
            fmt::format("invalid {} '{}': use letters, digits and . _ + -{}, without '..'",
                        plain_name ? "file name" : "archive member", v, plain_name ? "" : " /"));
    return false;
  }
  return true;
}

// `only MEMBER …`, up to the end of the statement.
void read_only_members(Args& a, spec::Fetch& fetch) {
  if (a.done()) a.take("an archive member", {ast::ValueKind::word});
  while (a.ok() && !a.done()) {
    auto member = a.word("an archive member");
    if (!member || !check_member(a, *member, false)) return;
    fetch.only.push_back(member->value);
  }
}

}  // namespace

std::optional<std::string> read_pack_description(Args& a) {
  auto v = a.string("a quoted description");
  if (!v || !no_line_break(a, *v, "a description")) return std::nullopt;
  return v->value;
}

std::optional<spec::PackKind> read_pack_kind(Args& a) {
  auto v = a.word("system, toolchain or tool");
  if (!v) return std::nullopt;
  if (v->value == "system") return spec::PackKind::system;
  if (v->value == "toolchain") return spec::PackKind::toolchain;
  if (v->value == "tool") return spec::PackKind::tool;
  a.error(v->location,
          fmt::format("unknown pack kind '{}'; expected system, toolchain or tool", v->value));
  return std::nullopt;
}

std::optional<At<std::string>> read_pack_version(Args& a) {
  return a.word_if("a version", is_version, [](const std::string& word) {
    return fmt::format("invalid version '{}'", word);
  });
}

void read_pack_versions(Args& a, std::vector<At<std::string>>& out) {
  if (a.done()) a.take("a version", {ast::ValueKind::word});
  while (!a.done()) {
    auto v = read_pack_version(a);
    if (!v) return;
    out.push_back(*v);
  }
}

void read_pack_names(Args& a, std::vector<At<std::string>>& out) {
  if (a.done()) a.take("a pack name", {ast::ValueKind::word});
  while (!a.done()) {
    auto v = a.word("a pack name");
    if (!v || !check_name(a, *v, "pack")) return;
    out.push_back(*v);
  }
}

// Image repository names as Docker spells a path component: lowercase letters and
// digits, separated by '.', '_' or '-'.
void read_pack_images(Args& a, std::vector<At<std::string>>& out) {
  if (a.done()) a.take("an image repository name", {ast::ValueKind::word});
  while (!a.done()) {
    auto v = a.word("an image repository name");
    if (!v) return;
    const std::string& name = v->value;
    const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    const bool ok = !name.empty() && name.size() <= 128 && alnum(name.front()) &&
                    alnum(name.back()) && std::all_of(name.begin(), name.end(), [&](char c) {
                      return alnum(c) || c == '.' || c == '_' || c == '-';
                    });
    if (!ok) {
      a.error(v->location, fmt::format("invalid image repository name '{}': lowercase letters "
                                       "and digits, with '.', '_' or '-' between them (e.g. "
                                       "python, eclipse-temurin)",
                                       name));
      return;
    }
    out.push_back(*v);
  }
}

std::optional<spec::SystemVersion> read_pack_system(Args& a) {
  auto v = read_pack_version(a);
  if (!v) return std::nullopt;
  std::vector<At<std::string>> packages;
  read_apt_list(a, packages, "requires");
  spec::SystemVersion system{v->value, {}, v->location, {}};
  for (auto& package : packages)
    system.packages.push_back(package.value);
  if (a.ok() && packages.empty()) {
    a.error(a.peek()->location, "expected a package name before 'requires'");
    return std::nullopt;
  }
  if (a.keyword("requires")) read_pack_names(a, system.requires_);
  if (!a.ok()) return std::nullopt;
  return system;
}

void read_pack_env(Args& a, std::vector<spec::Pair>& out) {
  read_pairs(a, out, "a KEY=VALUE pair", true, false);
}

void read_pack_path(Args& a, std::vector<At<std::string>>& out) {
  if (a.done()) a.take("a directory", {ast::ValueKind::word});
  while (!a.done()) {
    auto v = a.text("a directory");
    if (!v || !check_absolute(a, *v, "path", true)) return;
    out.push_back(*v);
  }
}

std::optional<spec::AptFor> read_pack_apt_for(Args& a) {
  auto os = read_os(a);
  if (!os) return std::nullopt;
  spec::AptFor apt{*os, {}};
  read_apt_list(a, apt.packages, nullptr);
  if (!a.ok()) return std::nullopt;
  return apt;
}

std::optional<spec::PackDeps> read_pack_deps(Args& a) {
  spec::PackDeps deps;
  deps.location = a.node().head.location;
  while (a.ok() && !a.done() && a.peek()->kind == ast::ValueKind::word) {
    auto file = a.word("a file");
    if (!file || !check_relative_source(a, *file, "dependency manifest")) return std::nullopt;
    deps.files.push_back(file->value);
  }
  if (deps.files.empty()) {
    a.take("a dependency manifest", {ast::ValueKind::word});
    return std::nullopt;
  }
  auto command = a.string("the quoted install command");
  if (!command || !check_command(a, *command, "the deps command", false)) return std::nullopt;
  deps.command = command->value;
  if (a.keyword("into")) {
    auto into = a.text("a path");
    if (!into || !check_into(a, *into)) return std::nullopt;
    deps.into = into->value;
  }
  return deps;
}

std::optional<At<std::string>> read_pack_verify(Args& a) {
  auto v = a.string("a quoted command");
  if (!v || !no_line_break(a, *v, "a verify command")) return std::nullopt;
  return v;
}

void read_pack_fetch(Args& a, spec::PackDecl& p) {
  auto url = read_url(a);
  if (!url) return;
  spec::Fetch& fetch = fetch_of(p, a.node().head.location);
  if (a.keyword("for")) {
    spec::VersionUrl per_version{*url, {}};
    read_pack_versions(a, per_version.versions);
    if (a.ok()) fetch.version_urls.push_back(std::move(per_version));
    return;
  }
  if (!fetch.url.value.empty()) {
    a.error(url->location,
            fmt::format("the pack's URL is already set on line {}; another URL applies to some "
                        "versions only: fetch URL for VERSION …",
                        fetch.url.location.line));
    return;
  }
  fetch.url = *url;
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
  auto version = read_pack_version(a);
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
    const Location at = a.peek()->location;
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
    } else if (a.keyword("only")) {
      read_only_members(a, fetch);
    } else if (a.keyword("file")) {
      auto name = a.word("a file name");
      if (!name || !check_member(a, *name, true)) return;
      fetch.file = name->value;
    } else {
      a.error(at, "expected 'strip N', 'owned', 'only MEMBER …' or 'file NAME'");
      return;
    }
    if (!fetch.file.empty() && (fetch.strip > 0 || !fetch.only.empty())) {
      a.error(at,
              "'file NAME' installs a download that is not an archive: it takes no 'strip' "
              "or 'only'");
      return;
    }
  }
}

void read_pack_fetch_run(Args& a, spec::PackDecl& p) {
  auto command = a.string("a quoted command");
  if (!command || !check_command(a, *command, "the fetch-run command", false)) return;
  auto& fetch = fetch_of(p, a.node().head.location);
  fetch.run = *command;
  if (a.keyword("into")) {
    auto into = a.text("an absolute directory");
    if (!into || !check_absolute(a, *into, "fetch-run directory", false)) return;
    fetch.into = into->value;
  }
}

void read_pack_checksums(Args& a, spec::PackDecl& p) {
  auto format = a.word("sha256sums or json");
  if (!format) return;
  if (format->value != "sha256sums" && format->value != "json") {
    a.error(format->location,
            fmt::format("unknown checksum list '{}'; expected sha256sums (lines of HEX  FILE) or "
                        "json (objects naming the file and its sha256)",
                        format->value));
    return;
  }
  auto url = read_url(a);
  if (!url) return;
  fetch_of(p, a.node().head.location).published = spec::ChecksumSource{*format, *url};
}

void read_pack_releases(Args& a, spec::PackDecl& p) {
  auto url = read_url(a);
  if (!url) return;
  auto pattern = a.string("the quoted text around each version, with @version@");
  if (!pattern || !no_line_break(a, *pattern, "a releases pattern")) return;
  const std::string& text = pattern->value;
  const std::size_t at = text.find("@version@");
  if (at == 0 || at == std::string::npos || text.find("@version@", at + 1) != std::string::npos) {
    a.error(pattern->location,
            "a releases pattern holds @version@ once, after the text that "
            "comes before each version: \"/releases/tag/v@version@\"");
    return;
  }
  spec::ReleaseSource releases{*url, *pattern, 1, a.node().head.location};
  if (a.keyword("line")) {
    auto n = a.word("a number");
    if (!n) return;
    const auto value = parse_id(n->value);
    if (!value || *value < 1 || *value > 4) {
      a.error(n->location,
              "line takes a number from 1 to 4: the leading version components "
              "an update keeps");
      return;
    }
    releases.line = static_cast<int>(*value);
  }
  fetch_of(p, a.node().head.location).releases = releases;
}

void read_pack_renovate(Args& a, spec::PackDecl& p) {
  auto datasource = a.word("a Renovate datasource");
  if (!datasource) return;
  if (!syntax::is_label_key(datasource->value)) {
    a.error(datasource->location,
            fmt::format("invalid Renovate datasource '{}'", datasource->value));
    return;
  }
  auto package = a.word("the package name Renovate looks up");
  if (!package) return;
  const std::string& name = package->value;
  const bool plain = std::all_of(name.begin(), name.end(), [](char c) {
    return (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) ||
           std::string("._/@-").find(c) != std::string::npos;
  });
  if (name.empty() || name.size() > kMaxWord || !plain) {
    a.error(package->location, fmt::format("invalid package name '{}'", name));
    return;
  }
  fetch_of(p, a.node().head.location).renovate = spec::RenovateSource{*datasource, *package};
}

}  // namespace rigc::elab
