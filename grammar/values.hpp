#pragma once
// The syntax of spec values (sizes, durations, ports, image references, names,
// ...) as PEGTL rules, one rule per line; grammar/values.peg is the same syntax
// for people. Keep them in step. Only src/value_syntax.cpp includes this file.
//
// The parser reads a value as a word or a quoted string (grammar/rig.hpp);
// elaboration then checks the text of the value against one of the rules below,
// which must match all of it. ASCII only: a byte above 0x7f, like a NUL, is in
// no character class.

#include <tao/pegtl.hpp>

namespace rigc::grammar::values {

namespace p = tao::pegtl;

struct digit : p::range<'0', '9'> {};
struct digits : p::plus<digit> {};
struct lower_alnum : p::ranges<'a', 'z', '0', '9'> {};
struct alnum : p::ranges<'a', 'z', 'A', 'Z', '0', '9'> {};
struct hex_digit : p::ranges<'0', '9', 'a', 'f'> {};
struct name_first : p::ranges<'A', 'Z', 'a', 'z', '0', '9', '_'> {};
struct name_char : p::ranges<'A', 'Z', 'a', 'z', '0', '9', '_', '_', '.', '.', '-', '-'> {};

struct decimal : p::seq<digits, p::opt<p::one<'.'>, digits>> {};
struct size_unit : p::one<'K', 'M', 'G', 'T', 'P', 'k', 'm', 'g', 't', 'p'> {};
struct size_suffix : p::sor<p::seq<p::one<'i', 'I'>, p::one<'b', 'B'>>, p::one<'b', 'B'>> {};
struct byte_unit : p::one<'b', 'B'> {};
struct size : p::seq<decimal, p::opt<p::sor<p::seq<size_unit, p::opt<size_suffix>>, byte_unit>>> {};
struct duration_unit : p::sor<TAO_PEGTL_STRING("ms"), p::one<'s', 'm', 'h'>> {};
struct duration : p::plus<digits, duration_unit> {};

struct port_number : p::rep_min_max<1, 5, digit> {};
struct port_last : port_number {};
struct protocol : p::sor<TAO_PEGTL_STRING("tcp"), TAO_PEGTL_STRING("udp")> {};
struct port : p::seq<port_number, p::opt<p::one<'-'>, port_last>, p::opt<p::one<'/'>, protocol>> {};

struct host_label_tail : p::seq<p::plus<p::one<'-'>>, alnum> {};
struct host_label : p::seq<alnum, p::star<p::sor<alnum, host_label_tail>>> {};
struct host : p::seq<host_label, p::star<p::one<'.'>, host_label>> {};
struct host_port : p::seq<host, p::opt<p::one<':'>, digits>> {};
struct path_separator : p::one<'.', '_', '-'> {};
struct path_component
    : p::seq<p::plus<lower_alnum>, p::star<p::plus<path_separator>, p::plus<lower_alnum>>> {};
struct path : p::seq<path_component, p::star<p::one<'/'>, path_component>> {};
struct tag : p::seq<name_first, p::rep_max<127, name_char>> {};
struct sha256_hex : p::rep<64, hex_digit> {};
struct digest : p::seq<TAO_PEGTL_STRING("@sha256:"), sha256_hex> {};
struct registry_part : p::seq<host_port, p::one<'/'>> {};
struct image_reference
    : p::seq<p::opt<registry_part>, path, p::opt<p::one<':'>, tag>, p::opt<digest>> {};
struct registry : p::seq<host_port, p::star<p::one<'/'>, path_component>> {};

struct env_key : p::identifier {};
struct apt_name : p::seq<lower_alnum, p::plus<p::sor<lower_alnum, p::one<'+', '.', '-'>>>> {};
struct apt_version : p::plus<p::sor<alnum, p::one<'.', '+', '~', ':', '-'>>> {};
struct apt_package : p::seq<apt_name, p::opt<p::one<'='>, apt_version>> {};
struct label_word : p::seq<alnum, p::star<p::sor<alnum, p::one<'.', '_', '-'>>>> {};
struct version_word : p::seq<alnum, p::star<p::sor<alnum, p::one<'.', '+', '_', '-'>>>> {};
struct label_key_tail : p::seq<p::plus<p::one<'.', '-'>>, lower_alnum> {};
struct label_key : p::seq<lower_alnum, p::star<p::sor<lower_alnum, label_key_tail>>> {};
struct user_first : p::ranges<'a', 'z', '_'> {};
struct user_char : p::ranges<'a', 'z', '0', '9', '_', '_', '-', '-'> {};
struct user_name : p::seq<user_first, p::rep_max<31, user_char>> {};
struct secret_id : p::seq<name_first, p::star<name_char>> {};
struct scheme : p::sor<TAO_PEGTL_STRING("https://"), TAO_PEGTL_STRING("http://"),
                       TAO_PEGTL_STRING("@mirror@")> {};
struct url_char : p::sor<alnum, p::one<'.', '_', '~', ':', '/', '?', '#', '[', ']', '@', '!', '&',
                                       '\'', '(', ')', '*', '+', ',', ';', '=', '%', '-'>> {};
struct url : p::seq<scheme, p::star<url_char>> {};
struct arch_word : p::plus<name_char> {};
struct lower_word : p::plus<lower_alnum> {};

// A whole value: `Rule`, then the end of the text.
template <typename Rule>
struct whole : p::seq<Rule, p::eof> {};

}  // namespace rigc::grammar::values
