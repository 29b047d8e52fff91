// The value syntax (PEGTL rules in grammar/values.hpp) against the regular
// expressions it replaced, which are the reference here (std::regex_match, as
// elaborate used them). Strings come from a grammar of near misses: valid values
// built from each expression's parts, then cut, doubled, stretched past the
// length limits and sprinkled with foreign characters. The comparison is first
// shown to catch deliberately wrong checks.
#include "rigc/value_syntax.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <random>
#include <regex>
#include <string>
#include <tao/pegtl/contrib/analyze.hpp>
#include <vector>

#include "grammar/values.hpp"

using namespace rigc;

namespace {

// A check and the expression it must agree with.
struct Syntax {
  const char* name;
  std::function<bool(const std::string&)> check;
  const char* expression;
};

// Captures that callers read, compared along with the answer.
std::string size_groups(const std::string& s) {
  const auto parts = syntax::size(s);
  return parts ? parts->number + "|" + (parts->unit != 0 ? std::string(1, parts->unit) : "") : "-";
}
std::string port_groups(const std::string& s) {
  const auto parts = syntax::port(s);
  return parts ? parts->first + "|" + (parts->last ? *parts->last : "(none)") : "-";
}

const std::vector<Syntax>& syntaxes() {
  static const std::vector<Syntax> all = {
      {"size", [](const std::string& s) { return syntax::size(s).has_value(); },
       R"(^([0-9]+)(\.[0-9]+)?(([KMGTPkmgtp])([iI][bB]|[bB])?|[bB])?$)"},
      {"duration", [](const std::string& s) { return syntax::is_duration(s); },
       R"(^([0-9]+(ms|s|m|h))+$)"},
      {"decimal", [](const std::string& s) { return syntax::is_decimal(s); },
       R"(^[0-9]+(\.[0-9]+)?$)"},
      {"image reference", [](const std::string& s) { return syntax::is_image_reference(s); },
       R"(^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*)"
       R"((:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*)"
       R"((:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$)"},
      {"registry", [](const std::string& s) { return syntax::is_registry(s); },
       R"(^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*)"
       R"((:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$)"},
      {"tag", [](const std::string& s) { return syntax::is_tag(s); },
       R"(^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$)"},
      {"env key", [](const std::string& s) { return syntax::is_env_key(s); },
       R"(^[A-Za-z_][A-Za-z0-9_]*$)"},
      {"apt package", [](const std::string& s) { return syntax::is_apt_package(s); },
       R"(^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$)"},
      {"label word", [](const std::string& s) { return syntax::is_label_word(s); },
       R"(^[A-Za-z0-9][A-Za-z0-9._-]*$)"},
      {"version word", [](const std::string& s) { return syntax::is_version_word(s); },
       R"(^[0-9A-Za-z][0-9A-Za-z.+_-]*$)"},
      {"label key", [](const std::string& s) { return syntax::is_label_key(s); },
       R"(^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$)"},
      {"user name", [](const std::string& s) { return syntax::is_user_name(s); },
       R"(^[a-z_][a-z0-9_-]{0,31}$)"},
      {"secret id", [](const std::string& s) { return syntax::is_secret_id(s); },
       R"(^[A-Za-z0-9_][A-Za-z0-9_.-]*$)"},
      {"port", [](const std::string& s) { return syntax::port(s).has_value(); },
       R"(^([0-9]{1,5})(-([0-9]{1,5}))?(/(tcp|udp))?$)"},
      {"url", [](const std::string& s) { return syntax::is_url(s); },
       R"(^(https?://|@mirror@)[A-Za-z0-9._~:/?#\[\]@!&'()*+,;=%-]*$)"},
      {"arch word", [](const std::string& s) { return syntax::is_arch_word(s); },
       R"(^[A-Za-z0-9_.-]+$)"},
      {"sha256", [](const std::string& s) { return syntax::is_sha256_hex(s); },
       R"(^[0-9a-f]{64}$)"},
      {"lower alnum", [](const std::string& s) { return syntax::is_lower_alnum(s); },
       R"(^[a-z0-9]+$)"},
  };
  return all;
}

// Pieces that the expressions above are made of, and some they reject.
const std::vector<std::string> kPieces = {
    "a",
    "z",
    "A",
    "Z",
    "0",
    "9",
    "5",
    "42",
    "65535",
    "65536",
    "123456",
    "_",
    "-",
    ".",
    "..",
    "+",
    "~",
    ":",
    "/",
    "//",
    "=",
    "@",
    "@sha256:",
    "sha256:",
    "ms",
    "s",
    "m",
    "h",
    "K",
    "M",
    "G",
    "T",
    "k",
    "tcp",
    "udp",
    "/tcp",
    "/udp",
    "http://",
    "https://",
    "@mirror@",
    "localhost",
    "example.com",
    "ex-ample",
    "-x",
    "x-",
    ":5000",
    "library",
    "ubuntu",
    "22.04",
    "v1.2",
    "[",
    "]",
    "'",
    "(",
    ")",
    "*",
    "#",
    "?",
    "%",
    ";",
    ",",
    "!",
    "&",
    "$",
    " ",
    "\t",
    "\n",
    "\xc3\xa9",
    std::string(1, '\0'),
    "0123456789abcdef0123456789abcdef",
    "ABCDEF",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};

// Numbers with units and separators, for sizes, durations, ports and decimals.
const std::vector<std::string> kNumberPieces = {
    "0", "1", "42", "65535", "123456", "5", ".",  "-", "/", "/tcp", "/udp", "tcp", "K", "M", "G",
    "T", "k", "ms", "s",     "m",      "h", "sm", " ", "b", "B",    "i",    "iB",  "P", "g", "GiB"};

std::string random_string(std::mt19937& rng) {
  const auto& pieces = std::uniform_int_distribution<int>(0, 2)(rng) == 0 ? kNumberPieces : kPieces;
  std::uniform_int_distribution<std::size_t> count(0, 6);
  std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
  std::string out;
  for (std::size_t n = count(rng); n > 0; --n)
    out += pieces[piece(rng)];
  return out;
}

// Valid-looking values, then near misses of each.
std::vector<std::string> generated_strings(unsigned seed, int count) {
  std::mt19937 rng(seed);
  std::vector<std::string> out = {"",
                                  "a",
                                  "1",
                                  "1K",
                                  "1.5G",
                                  "1.G",
                                  ".5G",
                                  "1m30s",
                                  "1ms",
                                  "1msh",
                                  "0s",
                                  "10",
                                  "0.5",
                                  "1.",
                                  "ubuntu",
                                  "ubuntu:22.04",
                                  "library/ubuntu",
                                  "localhost:5000/a/b:tag",
                                  "ghcr.io/org/img@sha256:" + std::string(64, 'a'),
                                  "a:b:c",
                                  "a/b:c/d",
                                  "-a",
                                  "a-",
                                  "a..b",
                                  "a__b",
                                  "ex-ample.com/x",
                                  "ex-.com/x",
                                  "ghcr.io",
                                  "ghcr.io:443/org/team",
                                  "8080",
                                  "8080/tcp",
                                  "1-2/udp",
                                  "80-",
                                  "80/sctp",
                                  "https://example.com/x?y=1#z",
                                  "@mirror@/a",
                                  "http:/x",
                                  "build-essential",
                                  "libc6=2.36-9+deb12u1",
                                  "g",
                                  "a=",
                                  "user_1",
                                  "_",
                                  std::string(128, 'a'),
                                  std::string(129, 'a'),
                                  std::string(32, 'u'),
                                  std::string(33, 'u'),
                                  std::string(64, 'f'),
                                  std::string(63, 'f'),
                                  std::string(65, 'f'),
                                  "x" + std::string(127, '.'),
                                  std::string("a\0b", 3)};
  std::uniform_int_distribution<int> edit(0, 5);
  for (int i = 0; i < count; ++i) {
    std::string s = random_string(rng);
    if (!out.empty() && edit(rng) == 0)
      s = out[std::uniform_int_distribution<std::size_t>(0, out.size() - 1)(rng)] + s;
    if (!s.empty()) {
      std::uniform_int_distribution<std::size_t> at(0, s.size() - 1);
      switch (edit(rng)) {
        case 0:
          s.erase(at(rng), 1);
          break;
        case 1:
          s.insert(at(rng), 1, s[at(rng)]);
          break;
        case 2:
          s += std::string(std::uniform_int_distribution<std::size_t>(100, 140)(rng), s.back());
          break;
        default:
          break;
      }
    }
    out.push_back(s);
  }
  return out;
}

// The first string on which a check and its expression disagree; empty if none.
std::string first_difference(const std::function<bool(const std::string&)>& check,
                             const std::string& expression, const std::vector<std::string>& strings,
                             int* accepted = nullptr) {
  const std::regex reference(expression);
  for (const std::string& s : strings) {
    const bool expected = std::regex_match(s, reference);
    if (accepted != nullptr) *accepted += expected;
    if (check(s) != expected) return s.empty() ? "(empty)" : s;
  }
  return "";
}

}  // namespace

TEST_CASE("the value syntax comparison catches a check that differs from its expression") {
  const std::vector<std::string> strings = generated_strings(1, 20000);
  // A tag one character too long, a registry that takes an uppercase path, a
  // duration without "ms", a port of six digits, a URL that takes a space.
  CHECK(first_difference(
            [](const std::string& s) {
              return s.size() <= 129 && syntax::is_tag(s.size() == 129 ? s.substr(0, 128) : s);
            },
            syntaxes()[5].expression, strings) != "");
  CHECK(first_difference(
            [](const std::string& s) {
              std::string lowered = s;
              for (char& c : lowered)
                c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
              return syntax::is_registry(lowered);
            },
            syntaxes()[4].expression, strings) != "");
  CHECK(first_difference(
            [](const std::string& s) {
              return syntax::is_duration(s) && s.find("ms") == std::string::npos;
            },
            syntaxes()[1].expression, strings) != "");
  CHECK(first_difference(
            [](const std::string& s) {
              return syntax::port(s).has_value() ||
                     (s.size() == 6 && s.find_first_not_of("0123456789") == std::string::npos);
            },
            syntaxes()[13].expression, strings) != "");
  CHECK(first_difference(
            [](const std::string& s) {
              std::string spaced = s;
              for (char& c : spaced)
                c = c == ' ' ? 'a' : c;
              return syntax::is_url(spaced);
            },
            syntaxes()[14].expression, strings) != "");
}

TEST_CASE("each value syntax accepts exactly what its regular expression accepted") {
  const std::vector<std::string> strings = generated_strings(2, 60000);
  for (const Syntax& s : syntaxes()) {
    int accepted = 0;
    INFO(s.name);
    CHECK(first_difference(s.check, s.expression, strings, &accepted) == "");
    CHECK(accepted >= 30);  // the strings reach both answers
  }
}

TEST_CASE("sizes and ports give the parts that the expressions captured") {
  const std::regex size(R"(^([0-9]+)(\.[0-9]+)?(([KMGTPkmgtp])([iI][bB]|[bB])?|[bB])?$)");
  const std::regex port(R"(^([0-9]{1,5})(-([0-9]{1,5}))?(/(tcp|udp))?$)");
  for (const std::string& s : generated_strings(3, 20000)) {
    std::smatch m;
    const std::string expected_size =
        std::regex_match(s, m, size) ? m[1].str() + m[2].str() + "|" + m[4].str() : "-";
    CHECK(size_groups(s) == expected_size);
    const std::string expected_port =
        std::regex_match(s, m, port) ? m[1].str() + "|" + (m[3].matched ? m[3].str() : "(none)")
                                     : "-";
    CHECK(port_groups(s) == expected_port);
  }
}

TEST_CASE("no value rule can loop without consuming input") {
  namespace g = rigc::grammar::values;
  using tao::pegtl::analyze;
  CHECK(analyze<g::whole<g::size>>() == 0);
  CHECK(analyze<g::whole<g::duration>>() == 0);
  CHECK(analyze<g::whole<g::decimal>>() == 0);
  CHECK(analyze<g::whole<g::image_reference>>() == 0);
  CHECK(analyze<g::whole<g::registry>>() == 0);
  CHECK(analyze<g::whole<g::tag>>() == 0);
  CHECK(analyze<g::whole<g::env_key>>() == 0);
  CHECK(analyze<g::whole<g::apt_package>>() == 0);
  CHECK(analyze<g::whole<g::label_word>>() == 0);
  CHECK(analyze<g::whole<g::version_word>>() == 0);
  CHECK(analyze<g::whole<g::label_key>>() == 0);
  CHECK(analyze<g::whole<g::user_name>>() == 0);
  CHECK(analyze<g::whole<g::secret_id>>() == 0);
  CHECK(analyze<g::whole<g::port>>() == 0);
  CHECK(analyze<g::whole<g::url>>() == 0);
  CHECK(analyze<g::whole<g::arch_word>>() == 0);
  CHECK(analyze<g::whole<g::sha256_hex>>() == 0);
  CHECK(analyze<g::whole<g::lower_word>>() == 0);
}
