#include "rigc/value_syntax.hpp"

#include <algorithm>

namespace rigc::syntax {
namespace {

// ASCII only, as the expressions' ranges are: no locale, no bytes above 0x7f.
bool digit(char c) {
  return c >= '0' && c <= '9';
}
bool lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool alnum(char c) {
  return digit(c) || lower(c) || upper(c);
}
bool lower_alnum(char c) {
  return digit(c) || lower(c);
}
bool one_of(char c, std::string_view set) {
  return c != '\0' && set.find(c) != std::string_view::npos;
}

template <typename Predicate>
bool all(std::string_view s, Predicate predicate) {
  return std::all_of(s.begin(), s.end(), predicate);
}

bool digits(std::string_view s) {
  return !s.empty() && all(s, digit);
}

// Where the run of digits that starts at `from` ends.
std::size_t digits_end(std::string_view s, std::size_t from) {
  while (from < s.size() && digit(s[from]))
    ++from;
  return from;
}

// `EDGE(INNER*EDGE)?` for INNER a superset of EDGE: the ends in `edge`, all of it
// in `inner`.
template <typename Edge, typename Inner>
bool edged(std::string_view s, Edge edge, Inner inner) {
  return !s.empty() && edge(s.front()) && edge(s.back()) && all(s, inner);
}

// `first rest*`: one character of `first`, then any of `rest`.
template <typename First, typename Rest>
bool word(std::string_view s, First first, Rest rest) {
  return !s.empty() && first(s[0]) && all(s.substr(1), rest);
}

// `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`
bool host_label(std::string_view s) {
  return edged(s, alnum, [](char c) { return alnum(c) || c == '-'; });
}

// `[a-z0-9]+([._-]+[a-z0-9]+)*`: lowercase runs joined by runs of . _ -
bool path_component(std::string_view s) {
  return edged(s, lower_alnum, [](char c) { return lower_alnum(c) || one_of(c, "._-"); });
}

// `ITEM(SEPARATOR ITEM)*`
template <typename Item>
bool separated(std::string_view s, char separator, Item item) {
  for (;;) {
    const std::size_t at = s.find(separator);
    if (!item(s.substr(0, at))) return false;
    if (at == std::string_view::npos) return true;
    s.remove_prefix(at + 1);
  }
}

// `HOST(:[0-9]+)?`
bool host_and_port(std::string_view s) {
  const std::size_t colon = s.find(':');
  if (colon != std::string_view::npos && !digits(s.substr(colon + 1))) return false;
  return separated(s.substr(0, colon), '.', host_label);
}

// `COMPONENT(/COMPONENT)*(:TAG)?(@sha256:[a-f0-9]{64})?`: no part but the digest
// holds '@', and none but the tag holds ':'.
bool path_tag_digest(std::string_view s) {
  const std::size_t at = s.find('@');
  if (at != std::string_view::npos) {
    const std::string_view digest = s.substr(at + 1);
    if (digest.substr(0, 7) != "sha256:" || !is_sha256_hex(digest.substr(7))) return false;
    s = s.substr(0, at);
  }
  const std::size_t colon = s.find(':');
  if (colon != std::string_view::npos && !is_tag(s.substr(colon + 1))) return false;
  return separated(s.substr(0, colon), '/', path_component);
}

}  // namespace

std::optional<Size> size(std::string_view text) {
  std::size_t i = digits_end(text, 0);
  if (i == 0) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    const std::size_t fraction = i + 1;
    i = digits_end(text, fraction);
    if (i == fraction) return std::nullopt;
  }
  if (i + 1 != text.size() || !one_of(text[i], "KMGT")) return std::nullopt;
  return Size{std::string(text.substr(0, i)), text[i]};
}

bool is_duration(std::string_view text) {
  if (text.empty()) return false;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t number = i;
    i = digits_end(text, number);
    if (i == number || i == text.size()) return false;
    // "ms" must be read whole: an 's' cannot start the next part.
    if (text[i] == 'm' && i + 1 < text.size() && text[i + 1] == 's') {
      i += 2;
    } else if (one_of(text[i], "smh")) {
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

bool is_decimal(std::string_view text) {
  const std::size_t dot = text.find('.');
  return digits(text.substr(0, dot)) &&
         (dot == std::string_view::npos || digits(text.substr(dot + 1)));
}

bool is_image_reference(std::string_view text) {
  if (path_tag_digest(text)) return true;
  // With a registry host: it ends at the first '/', which no host or port holds.
  const std::size_t slash = text.find('/');
  return slash != std::string_view::npos && host_and_port(text.substr(0, slash)) &&
         path_tag_digest(text.substr(slash + 1));
}

bool is_registry(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (!host_and_port(text.substr(0, slash))) return false;
  return slash == std::string_view::npos || separated(text.substr(slash + 1), '/', path_component);
}

bool is_tag(std::string_view text) {
  return text.size() <= 128 && word(
                                   text, [](char c) { return alnum(c) || c == '_'; },
                                   [](char c) { return alnum(c) || one_of(c, "_.-"); });
}

bool is_env_key(std::string_view text) {
  return word(
      text, [](char c) { return lower(c) || upper(c) || c == '_'; },
      [](char c) { return alnum(c) || c == '_'; });
}

bool is_apt_package(std::string_view text) {
  const std::size_t equals = text.find('=');
  const std::string_view name = text.substr(0, equals);
  if (name.size() < 2 ||
      !word(name, lower_alnum, [](char c) { return lower_alnum(c) || one_of(c, "+.-"); })) {
    return false;
  }
  if (equals == std::string_view::npos) return true;
  const std::string_view version = text.substr(equals + 1);
  return !version.empty() && all(version, [](char c) { return alnum(c) || one_of(c, ".+~:-"); });
}

bool is_label_word(std::string_view text) {
  return word(text, alnum, [](char c) { return alnum(c) || one_of(c, "._-"); });
}

bool is_version_word(std::string_view text) {
  return word(text, alnum, [](char c) { return alnum(c) || one_of(c, ".+_-"); });
}

bool is_label_key(std::string_view text) {
  return edged(text, lower_alnum, [](char c) { return lower_alnum(c) || one_of(c, ".-"); });
}

bool is_user_name(std::string_view text) {
  return text.size() <= 32 && word(
                                  text, [](char c) { return lower(c) || c == '_'; },
                                  [](char c) { return lower_alnum(c) || one_of(c, "_-"); });
}

bool is_secret_id(std::string_view text) {
  return word(
      text, [](char c) { return alnum(c) || c == '_'; },
      [](char c) { return alnum(c) || one_of(c, "_.-"); });
}

std::optional<Port> port(std::string_view text) {
  Port parts;
  std::size_t i = digits_end(text, 0);
  if (i == 0 || i > 5) return std::nullopt;
  parts.first = std::string(text.substr(0, i));
  if (i < text.size() && text[i] == '-') {
    const std::size_t from = i + 1;
    i = digits_end(text, from);
    if (i == from || i - from > 5) return std::nullopt;
    parts.last = std::string(text.substr(from, i - from));
  }
  const std::string_view rest = text.substr(i);
  if (!rest.empty() && rest != "/tcp" && rest != "/udp") return std::nullopt;
  return parts;
}

bool is_url(std::string_view text) {
  for (std::string_view scheme : {"http://", "https://", "@mirror@"}) {
    if (text.substr(0, scheme.size()) == scheme) {
      return all(text.substr(scheme.size()),
                 [](char c) { return alnum(c) || one_of(c, "._~:/?#[]@!&'()*+,;=%-"); });
    }
  }
  return false;
}

bool is_arch_word(std::string_view text) {
  return !text.empty() && all(text, [](char c) { return alnum(c) || one_of(c, "_.-"); });
}

bool is_sha256_hex(std::string_view text) {
  return text.size() == 64 && all(text, [](char c) { return digit(c) || (c >= 'a' && c <= 'f'); });
}

bool is_lower_alnum(std::string_view text) {
  return !text.empty() && all(text, lower_alnum);
}

}  // namespace rigc::syntax
