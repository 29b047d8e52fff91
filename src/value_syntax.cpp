// The value syntax: each check matches the text of a value against its rule in
// grammar/values.hpp, which must take all of it.
//
// The second source that includes PEGTL (after src/parser.cpp): the value rules
// are a grammar of their own, which elaboration applies to one value at a time,
// and keeping them here keeps the parser a single stage and PEGTL out of every
// header. Nothing else includes PEGTL.
#include "rigc/value_syntax.hpp"

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
