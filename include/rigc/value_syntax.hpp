#pragma once
/// The syntax of spec values that elaborate checks (image references, sizes,
/// ports, names, ...): each function matches the whole text against the PEGTL
/// rule of grammar/values.hpp (grammar/values.peg for people) named as the
/// function without its `is_` (`lower_word` for is_lower_alnum). Each accepts
/// exactly the strings its regular expression (in its comment) accepts with
/// std::regex_match; tests/value_syntax_test.cpp compares them on generated
/// strings.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rigc::syntax {

/// `([0-9]+)(\.[0-9]+)?(([KMGTPkmgtp])([iI][bB]|[bB])?|[bB])?`: a size as Docker's
/// RAMInBytes reads it (512M, 4g, 1.5GiB, 100 bytes), as its number ("1.5") and
/// its unit letter as written (0 for bytes).
struct Size {
  std::string number;
  char unit = 0;
};
std::optional<Size> size(std::string_view text);

/// `([0-9]+(ms|s|m|h))+`, e.g. 1m30s.
bool is_duration(std::string_view text);

/// A duration in whole seconds ("1m30s" -> 90, "500ms" -> 0); each number counts
/// at most 2^31, so no sum overflows.
std::optional<std::uint64_t> duration_seconds(std::string_view text);

/// `[0-9]+(\.[0-9]+)?`, e.g. 2 or 0.5.
bool is_decimal(std::string_view text);

/// An image reference as Docker parses it, `[host[:port]/]path[:tag][@sha256:hex]`:
/// `(HOST(:[0-9]+)?/)?COMPONENT(/COMPONENT)*(:TAG)?(@sha256:[a-f0-9]{64})?`, where
/// HOST is `LABEL(\.LABEL)*`, LABEL `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`,
/// COMPONENT `[a-z0-9]+([._-]+[a-z0-9]+)*` and TAG as in is_tag.
bool is_image_reference(std::string_view text);

/// A registry with an optional repository path: `HOST(:[0-9]+)?(/COMPONENT)*`.
bool is_registry(std::string_view text);

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
bool is_tag(std::string_view text);

/// `[A-Za-z_][A-Za-z0-9_]*`.
bool is_env_key(std::string_view text);

/// `[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?`: a Debian package, maybe pinned.
bool is_apt_package(std::string_view text);

/// `[A-Za-z0-9][A-Za-z0-9._-]*` (runner labels).
bool is_label_word(std::string_view text);

/// `[0-9A-Za-z][0-9A-Za-z.+_-]*` (versions).
bool is_version_word(std::string_view text);

/// `[a-z0-9]([a-z0-9.-]*[a-z0-9])?` (OCI label keys).
bool is_label_key(std::string_view text);

/// `[a-z_][a-z0-9_-]{0,31}` (user names).
bool is_user_name(std::string_view text);

/// `[A-Za-z0-9_][A-Za-z0-9_.-]*` (secret ids).
bool is_secret_id(std::string_view text);

/// `([0-9]{1,5})(-([0-9]{1,5}))?(/(tcp|udp))?`: a port or a range, as its first
/// and (for a range) last number.
struct Port {
  std::string first;
  std::optional<std::string> last;
};
std::optional<Port> port(std::string_view text);

/// `(https?://|@mirror@)[A-Za-z0-9._~:/?#\[\]@!&'()*+,;=%-]*`.
bool is_url(std::string_view text);

/// `[A-Za-z0-9_.-]+` (architecture names in a pack's fetch).
bool is_arch_word(std::string_view text);

/// `[0-9a-f]{64}`.
bool is_sha256_hex(std::string_view text);

/// `[a-z0-9]+`.
bool is_lower_alnum(std::string_view text);

}  // namespace rigc::syntax
