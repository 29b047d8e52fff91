#pragma once
/// Docker's .dockerignore matching (moby/patternmatcher): patterns are cleaned
/// paths with `*`, `?`, `[…]` and `**`; a `!` pattern re-includes; the last
/// matching pattern wins; a pattern that matches a directory matches what is in it.

#include <regex>
#include <string>
#include <vector>

namespace rigc {

class IgnoreMatcher {
 public:
  /// `lines` as in a .dockerignore file (comments and blank lines are skipped).
  explicit IgnoreMatcher(const std::vector<std::string>& lines);

  /// True when `path` (relative to the context, '/'-separated) is left out of the
  /// build context.
  bool excluded(const std::string& path) const;

 private:
  struct Pattern {
    std::regex regex;
    bool exclusion = false;  // a `!` pattern
  };
  std::vector<Pattern> patterns_;
};

/// filepath.Clean for '/'-separated relative paths: drops "." parts, resolves
/// "..", removes leading and trailing slashes.
std::string clean_path(const std::string& path);

}  // namespace rigc
