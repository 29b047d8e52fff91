#pragma once
/// Docker's .dockerignore matching (moby/patternmatcher): patterns are cleaned
/// paths with `*`, `?`, `[…]` and `**`; a `!` pattern re-includes; the last
/// matching pattern wins; a pattern that matches a directory matches what is in it.
///
/// patternmatcher translates a pattern to a regular expression; here the pattern
/// is matched directly: `*` is any run of characters but '/', `?` one character
/// but '/', `**` any run of characters, `**/` zero or more directories, `[…]` a
/// class of characters, ranges `a-z` and `\`-escaped characters (negated by a
/// leading `^`), and `\c` the character c. A '[' with no ']' after it is itself;
/// a pattern Docker rejects (a class whose ']' is escaped away, a reversed range,
/// a trailing `\`) excludes nothing. tests/ignore_match_test.cpp holds the
/// earlier std::regex translation against this on generated patterns.

#include <bitset>
#include <string>
#include <string_view>
#include <vector>

namespace rigc {

class IgnoreMatcher {
 public:
  /// `lines` as in a .dockerignore file (comments and blank lines are skipped).
  explicit IgnoreMatcher(const std::vector<std::string>& lines);

  /// True when `path` (relative to the context, '/'-separated) is left out of the
  /// build context.
  bool excluded(const std::string& path) const;

  /// One step of a pattern: a character of a class, or one of the wildcards.
  struct Token {
    enum Kind { one, star, any, dirs } kind = one;  // one character; `*`; `**`; `**/`
    std::bitset<256> set;                           // the characters `one` accepts
  };

 private:
  struct Pattern {
    std::vector<Token> tokens;
    bool exclusion = false;  // a `!` pattern
  };
  static bool matches(const std::vector<Token>& tokens, std::string_view text);

  std::vector<Pattern> patterns_;
};

/// filepath.Clean for '/'-separated relative paths: drops "." parts, resolves
/// "..", removes leading and trailing slashes.
std::string clean_path(const std::string& path);

}  // namespace rigc
