#include "src/elaborate_values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "rigc/elaborate.hpp"
#include "rigc/value_syntax.hpp"

namespace rigc::elab {
namespace {

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

}  // namespace

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

// A command must not be empty, and must not end in '\', which would continue the
// Dockerfile line into the next instruction. `joined` commands share one RUN with
// the steps after them, so a shell comment would silently drop those steps.
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

std::optional<std::uint32_t> parse_id(const std::string& text) {
  if (text.empty() || text.size() > 10 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const unsigned long long value = std::stoull(text);
  if (value > 2147483647ULL) return std::nullopt;  // what Docker and useradd accept everywhere
  return static_cast<std::uint32_t>(value);
}

bool is_version(const std::string& version) {
  return syntax::is_version_word(version);
}

}  // namespace rigc::elab

namespace rigc {

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
