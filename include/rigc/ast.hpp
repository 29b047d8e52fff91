#pragma once
/// The syntax tree of a Rig file: statements as written, with their locations and
/// the comments and blank lines around them (so `rigc fmt` can keep them).
/// Meaning — which statements exist, what their arguments are — comes later, in
/// elaborate().

#include <cstdint>
#include <string>
#include <vector>

#include "rigc/diagnostics.hpp"

namespace rigc::ast {

enum class ValueKind { word, string, pair, list };

/// One argument (or the head) of a statement.
struct Value {
  ValueKind kind = ValueKind::word;
  std::string text;                ///< word or string: its text, unescaped; pair: the value
  std::string key;                 ///< pair: the key
  bool quoted = false;             ///< string, or a pair whose value was quoted
  std::vector<std::string> items;  ///< list: the strings, unescaped
  Location location;               ///< the whole token
};

/// A statement: `head args… [{ children… }]`. Top-level declarations are
/// statements too (`image api extends base {`).
struct Node {
  Value head;
  std::vector<Value> args;
  bool has_block = false;
  std::vector<Node> children;
  Location location;  ///< the line of the statement, from its head

  // Layout, for the formatter: lines above the statement ("" for a blank line,
  // "# text" for a comment), the comment after it on its line, the lines before
  // the closing brace and the comment after the brace.
  std::vector<std::string> leading;
  std::string comment;
  std::vector<std::string> trailing;
  std::string close_comment;
};

struct Module {
  std::uint32_t file = 0;
  std::vector<Node> nodes;
  /// Declarations that did not parse, as far as they were read (the head and the
  /// arguments before the error), so that later stages can leave out what depends
  /// on them instead of reporting it unknown.
  std::vector<Node> broken;
  std::vector<std::string> trailing;  ///< comments and blank lines after the last node
};

}  // namespace rigc::ast
