// The .dockerignore matcher against the matcher it replaced, which translated
// each pattern to a std::regex the way moby/patternmatcher translates it to a Go
// regexp: std::regex is the reference here and nowhere else. Patterns are glued
// from pieces of the glob language, with paths that match them often enough to
// test both answers; the comparison is first shown to catch a broken matcher.
#include "rigc/ignore_match.hpp"

#include <doctest/doctest.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

using namespace rigc;

namespace {

std::string reference_to_regex(const std::string& pattern) {
  std::string re = "^";
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (pattern.compare(i, 3, "**/") == 0) {
      re += "(.*/)?";
      i += 2;
    } else if (pattern.compare(i, 2, "**") == 0) {
      re += ".*";
      ++i;
    } else if (c == '*') {
      re += "[^/]*";
    } else if (c == '?') {
      re += "[^/]";
    } else if (c == '[' && pattern.find(']', i + 1) != std::string::npos) {
      const std::size_t end = pattern.find(']', i + 1);
      re += pattern.substr(i, end - i + 1);
      i = end;
    } else if (c == '[') {
      re += "\\[";
    } else if (c == '\\' && i + 1 < pattern.size()) {
      re += "\\";
      re += pattern[++i];
    } else if (std::string(".+()|{}$^").find(c) != std::string::npos) {
      re += "\\";
      re += c;
    } else {
      re += c;
    }
  }
  return re + "$";
}

class ReferenceMatcher {
 public:
  explicit ReferenceMatcher(const std::vector<std::string>& lines) {
    for (std::string line : lines) {
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
        line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      const bool exclusion = line[0] == '!';
      if (exclusion) line.erase(0, 1);
      const std::string cleaned = clean_path(line);
      if (cleaned.empty()) continue;
      try {
        patterns_.push_back({std::regex(reference_to_regex(cleaned)), exclusion});
      } catch (const std::regex_error&) {
      }
    }
  }
  bool excluded(const std::string& raw) const {
    const std::string path = clean_path(raw);
    std::vector<std::string> candidates;
    for (std::size_t at = path.find('/'); at != std::string::npos; at = path.find('/', at + 1))
      candidates.push_back(path.substr(0, at));
    candidates.push_back(path);
    bool excluded = false;
    for (const auto& [regex, exclusion] : patterns_) {
      bool match = false;
      for (const std::string& c : candidates)
        match = match || std::regex_match(c, regex);
      if (match) excluded = !exclusion;
    }
    return excluded;
  }

 private:
  std::vector<std::pair<std::regex, bool>> patterns_;
};

// A piece of pattern syntax and path text it matches.
struct Piece {
  std::string syntax;
  std::vector<std::string> samples;
};

// The glob language where a regular expression and the direct matcher mean the
// same: no escaped letter or digit (`\d` is a class to a regular expression, 'd'
// to Docker's users) and no POSIX class inside brackets.
const std::vector<Piece> kPieces = {{"a", {"a"}},
                                    {"b", {"b"}},
                                    {"ab", {"ab"}},
                                    {"/", {"/"}},
                                    {"*", {"", "x", "a.b"}},
                                    {"**", {"", "x/y", "a"}},
                                    {"**/", {"", "x/", "x/y/"}},
                                    {"?", {"a", "_"}},
                                    {"[", {"["}},
                                    {"]", {"]"}},
                                    {"[ab]", {"a", "b"}},
                                    {"[^a]", {"b", "/"}},
                                    {"[!a]", {"!", "b"}},
                                    {"[a-z]", {"q"}},
                                    {"[z-a]", {"z"}},
                                    {"[]", {""}},
                                    {"[^]", {"a", "/"}},
                                    {"[-a]", {"-"}},
                                    {"[a-]", {"-"}},
                                    {"[\\]]", {"]"}},
                                    {"[\\-]", {"-"}},
                                    {"\\*", {"*"}},
                                    {"\\?", {"?"}},
                                    {"\\[", {"["}},
                                    {"\\\\", {"\\"}},
                                    {"\\.", {"."}},
                                    {".", {"."}},
                                    {"..", {".."}},
                                    {"./", {""}},
                                    {"../", {""}},
                                    {"+", {"+"}},
                                    {"(", {"("}},
                                    {")", {")"}},
                                    {"|", {"|"}},
                                    {"{2}", {"{2}"}},
                                    {"$", {"$"}},
                                    {"^", {"^"}},
                                    {"-", {"-"}},
                                    {"_", {"_"}},
                                    {"x", {"x"}},
                                    {"log", {"log"}},
                                    {".git", {".git"}},
                                    {"~", {"~"}}};

std::vector<std::string> random_paths(std::mt19937& rng, int count) {
  const std::vector<std::string> parts = {"a", "b", "ab", "x", "log", ".git", "a.log",
                                          "_", "[", "]",  "-", "\\",  "aa",   "ba",
                                          "A", "0", "c",  "$", "*"};
  std::vector<std::string> paths = {"a", "a/b", "b/a", "a/b/c", ".git/config", "x/.git"};
  std::uniform_int_distribution<std::size_t> depth(1, 4);
  std::uniform_int_distribution<std::size_t> pick(0, parts.size() - 1);
  for (int i = 0; i < count; ++i) {
    std::string path;
    for (std::size_t n = depth(rng); n > 0; --n)
      path += (path.empty() ? "" : "/") + parts[pick(rng)];
    paths.push_back(path);
  }
  return paths;
}

// A .dockerignore file of a few generated patterns (some `!`, some comments, some
// with trailing blanks) and the paths to ask about.
struct Trial {
  std::vector<std::string> patterns;
  std::vector<std::string> paths;
};

Trial generate(std::mt19937& rng) {
  std::uniform_int_distribution<int> lines(1, 6), kind(0, 4), pieces(1, 4);
  std::uniform_int_distribution<std::size_t> piece(0, kPieces.size() - 1);
  Trial t;
  t.paths = random_paths(rng, 10);
  for (int i = lines(rng); i > 0; --i) {
    std::string pattern, sample;
    for (int n = pieces(rng); n > 0; --n) {
      const Piece& p = kPieces[piece(rng)];
      pattern += p.syntax;
      sample += p.samples[std::uniform_int_distribution<std::size_t>(0, p.samples.size() - 1)(rng)];
    }
    const int k = kind(rng);
    t.patterns.push_back((k == 0 ? "!" : k == 1 ? "# " : "") + pattern + (k == 2 ? " " : ""));
    t.paths.insert(t.paths.end(), {sample, sample + "/sub", "x/" + sample});
  }
  return t;
}

// The first path on which `excluded` and the reference disagree, described; empty
// when they agree on every trial. `counts` is {excluded, asked}.
template <typename Matcher>
std::string first_difference(int trials, std::pair<int, int>& counts) {
  std::mt19937 rng(5);
  for (int round = 0; round < trials; ++round) {
    const Trial t = generate(rng);
    const Matcher matcher(t.patterns);
    const ReferenceMatcher reference(t.patterns);
    for (const std::string& path : t.paths) {
      const bool expected = reference.excluded(path);
      counts.first += expected;
      ++counts.second;
      if (matcher.excluded(path) != expected) {
        std::string file;
        for (const std::string& p : t.patterns)
          file += p + "\n";
        return "path '" + path + "' with .dockerignore:\n" + file;
      }
    }
  }
  return "";
}

// The matcher with one deliberate fault: `?` also matches '/'.
class BrokenMatcher {
 public:
  explicit BrokenMatcher(std::vector<std::string> lines) : real_(edit(lines)) {}
  bool excluded(const std::string& path) const { return real_.excluded(path); }

 private:
  static std::vector<std::string> edit(std::vector<std::string>& lines) {
    for (std::string& line : lines) {
      for (std::size_t at = line.find('?'); at != std::string::npos; at = line.find('?', at + 3))
        line.replace(at, 1, "[^]");
    }
    return lines;
  }
  IgnoreMatcher real_;
};

}  // namespace

TEST_CASE("the ignore matcher excludes what the regular-expression translation excluded") {
  std::pair<int, int> broken{0, 0};
  CHECK(first_difference<BrokenMatcher>(3000, broken) != "");
  std::pair<int, int> counts{0, 0};
  const std::string difference = first_difference<IgnoreMatcher>(3000, counts);
  CHECK_MESSAGE(difference.empty(), difference);
  CHECK(counts.second > 50000);
  CHECK(counts.first > counts.second / 20);
}

TEST_CASE("the ignore matcher: escapes are literal; what Docker rejects excludes nothing") {
  CHECK(IgnoreMatcher({"a\\d"}).excluded("ad"));  // not a digit class
  CHECK_FALSE(IgnoreMatcher({"a\\d"}).excluded("a1"));
  CHECK(IgnoreMatcher({"\\*.log"}).excluded("*.log"));
  CHECK_FALSE(IgnoreMatcher({"\\*.log"}).excluded("a.log"));
  CHECK(IgnoreMatcher({"[\\]x]"}).excluded("]"));
  CHECK(IgnoreMatcher({"a[b"}).excluded("a[b"));        // an unclosed '[' is itself
  CHECK(IgnoreMatcher({"[z-a]", "*"}).excluded("b"));   // the next pattern still counts
  CHECK_FALSE(IgnoreMatcher({"[z-a]"}).excluded("z"));  // a reversed range
  CHECK_FALSE(IgnoreMatcher({"a\\"}).excluded("a"));    // a trailing backslash
  CHECK_FALSE(IgnoreMatcher({"a\\"}).excluded("a\\"));
  CHECK(IgnoreMatcher({"**"}).excluded("a\nb/c"));  // any character, a line break too
}
