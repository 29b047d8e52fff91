// The value syntax: each check matches the text of a value against its rule in
// grammar/values.hpp, which must take all of it.
//
// The second source that includes PEGTL (after src/parser.cpp): the value rules
// are a grammar of their own, which elaboration applies to one value at a time,
// and keeping them here keeps the parser a single stage and PEGTL out of every
// header. Nothing else includes PEGTL.
#include "rigc/value_syntax.hpp"

#include <algorithm>

#include "grammar/values.hpp"

namespace rigc::syntax {
namespace {

namespace g = grammar::values;
namespace p = tao::pegtl;

// The text as PEGTL input: no copy, no line tracking (positions are not needed).
using Input = p::memory_input<p::tracking_mode::lazy, p::eol::lf_crlf, const char*>;

Input input(std::string_view text) {
  return Input(text.data(), text.data() + text.size(), "value");
}

template <typename Rule>
bool whole(std::string_view text) {
  Input in = input(text);
  return p::parse<g::whole<Rule>>(in);
}

// The parts of a size and of a port that callers read.
template <typename Rule>
struct Parts : p::nothing<Rule> {};
template <>
struct Parts<g::decimal> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, Size& size) {
    size.number = in.string();
  }
};
template <>
struct Parts<g::size_unit> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, Size& size) {
    size.unit = *in.begin();
  }
};
template <>
struct Parts<g::port_number> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, Port& port) {
    port.first = in.string();
  }
};
template <>
struct Parts<g::port_last> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, Port& port) {
    port.last = in.string();
  }
};

template <typename Rule, typename Result>
std::optional<Result> parts(std::string_view text) {
  Input in = input(text);
  Result result;
  if (!p::parse<g::whole<Rule>, Parts>(in, result)) return std::nullopt;
  return result;
}

}  // namespace

std::optional<Size> size(std::string_view text) {
  return parts<g::size, Size>(text);
}

bool is_duration(std::string_view text) {
  return whole<g::duration>(text);
}

namespace {

// A duration's parts as they are read: the last number, then its unit.
struct Milliseconds {
  std::uint64_t number = 0;
  std::uint64_t total = 0;
};
template <typename Rule>
struct DurationParts : p::nothing<Rule> {};
template <>
struct DurationParts<g::digits> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, Milliseconds& ms) {
    ms.number = 0;
    for (const char c : in.string_view())
      ms.number =
          std::min<std::uint64_t>(ms.number * 10 + static_cast<unsigned>(c - '0'), 1u << 31);
  }
};
template <>
struct DurationParts<g::duration_unit> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, Milliseconds& ms) {
    const std::string_view unit = in.string_view();
    const std::uint64_t scale = unit == "ms"  ? 1
                                : unit == "s" ? 1000
                                : unit == "m" ? 60000
                                              : 3600000;
    ms.total += ms.number * scale;
  }
};

}  // namespace

std::optional<std::uint64_t> duration_seconds(std::string_view text) {
  Input in = input(text);
  Milliseconds ms;
  if (!p::parse<g::whole<g::duration>, DurationParts>(in, ms)) return std::nullopt;
  return ms.total / 1000;
}

bool is_decimal(std::string_view text) {
  return whole<g::decimal>(text);
}

bool is_image_reference(std::string_view text) {
  return whole<g::image_reference>(text);
}

bool is_registry(std::string_view text) {
  return whole<g::registry>(text);
}

bool is_tag(std::string_view text) {
  return whole<g::tag>(text);
}

bool is_env_key(std::string_view text) {
  return whole<g::env_key>(text);
}

bool is_apt_package(std::string_view text) {
  return whole<g::apt_package>(text);
}

bool is_label_word(std::string_view text) {
  return whole<g::label_word>(text);
}

bool is_version_word(std::string_view text) {
  return whole<g::version_word>(text);
}

bool is_label_key(std::string_view text) {
  return whole<g::label_key>(text);
}

bool is_user_name(std::string_view text) {
  return whole<g::user_name>(text);
}

bool is_secret_id(std::string_view text) {
  return whole<g::secret_id>(text);
}

std::optional<Port> port(std::string_view text) {
  return parts<g::port, Port>(text);
}

bool is_url(std::string_view text) {
  return whole<g::url>(text);
}

bool is_arch_word(std::string_view text) {
  return whole<g::arch_word>(text);
}

bool is_sha256_hex(std::string_view text) {
  return whole<g::sha256_hex>(text);
}

bool is_lower_alnum(std::string_view text) {
  return whole<g::lower_word>(text);
}

}  // namespace rigc::syntax
