#pragma once
// The Rig grammar as PEGTL rules, one rule per line; grammar/rig.peg is the same
// grammar for people. Keep them in step. Only src/parser.cpp includes this file.
// The text these rules read is checked first (UTF-8, no control characters, line
// length: src/parser.cpp, check_text), as rig.peg says.
//
// The grammar is deliberately generic: a statement is a head, arguments and an
// optional block. Which statements exist where, and what their arguments mean, is
// decided by the statement table (src/statements.cpp), so a misspelled keyword gets
// a "did you mean" instead of a syntax error.

#include <tao/pegtl.hpp>

namespace rigc::grammar {

namespace p = tao::pegtl;

struct ws : p::one<' ', '\t'> {};
struct comment_text : p::star<p::not_one<'\n', '\r'>> {};
struct full_comment : p::seq<p::one<'#'>, comment_text> {};
struct end_comment : p::seq<p::one<'#'>, comment_text> {};
struct line_end : p::seq<p::star<ws>, p::opt<end_comment>, p::eolf> {};
struct open_line_end : line_end {};
struct close_line_end : line_end {};
struct blank_line : p::seq<p::star<ws>, p::opt<full_comment>, p::eol> {};
struct final_blank : p::seq<p::star<ws>, p::opt<full_comment>, p::eof> {};

struct escaped_char : p::one<'"', '\\', 'n', 't'> {};
struct escape : p::seq<p::one<'\\'>, p::must<escaped_char>> {};
struct string_char : p::sor<escape, p::not_one<'"', '\\', '\n', '\r'>> {};
struct string_content : p::star<string_char> {};
struct string_close : p::one<'"'> {};
struct quoted : p::seq<p::one<'"'>, string_content, p::must<string_close>> {};

struct word_char : p::not_one<' ', '\t', '\r', '\n', '{', '}', '"', '#'> {};
struct word : p::plus<word_char> {};

struct key_first : p::ranges<'A', 'Z', 'a', 'z', '_'> {};
struct key_rest : p::ranges<'A', 'Z', 'a', 'z', '0', '9', '_', '_', '.', '.', '-', '-'> {};
struct pair_key : p::seq<key_first, p::star<key_rest>> {};
struct pair_word : p::star<word_char> {};
struct pair_value : p::sor<quoted, pair_word> {};
struct pair : p::seq<pair_key, p::one<'='>, pair_value> {};

struct list_item : quoted {};
struct list_close : p::one<']'> {};
struct list_more : p::seq<p::star<ws>, p::one<','>, p::star<ws>, p::must<list_item>> {};
struct list_items : p::seq<list_item, p::star<list_more>> {};
struct list
    : p::seq<p::one<'['>, p::star<ws>, p::opt<list_items>, p::star<ws>, p::must<list_close>> {};

struct argument : p::sor<list, quoted, pair, word> {};
struct arguments : p::star<p::plus<ws>, argument> {};
struct head : p::sor<quoted, word> {};

struct statement;
struct body : p::star<p::sor<blank_line, statement>> {};
struct close_brace : p::one<'}'> {};
struct block_close : p::seq<p::star<ws>, close_brace, p::must<close_line_end>> {};
struct open_brace : p::one<'{'> {};
struct block : p::seq<p::star<ws>, open_brace, p::must<open_line_end>, body, p::must<block_close>> {
};
struct statement : p::seq<p::star<ws>, head, arguments, p::sor<block, p::must<line_end>>> {};

// Error recovery at the top level: a declaration that does not parse is reported,
// then skipped up to the next line that starts a declaration in column 1.
struct skip_line
    : p::sor<p::seq<p::star<p::not_one<'\n'>>, p::one<'\n'>>, p::plus<p::not_one<'\n'>>> {};
struct declaration_start : p::ranges<'a', 'z'> {};
struct recover : p::seq<skip_line, p::star<p::not_at<declaration_start>, skip_line>> {};
struct declaration : p::sor<p::try_catch<statement>, recover> {};

struct file
    : p::seq<p::opt<p::utf8::bom>, p::star<p::sor<blank_line, declaration>>, final_blank, p::eof> {
};

}  // namespace rigc::grammar
