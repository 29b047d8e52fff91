#include "rigc/ignore_match.hpp"

#include <algorithm>
#include <string_view>

namespace rigc {

std::string clean_path(const std::string& path) {
  std::vector<std::string_view> parts;
  const std::string_view all(path);
  std::size_t begin = 0;
  while (begin <= all.size()) {
    std::size_t end = all.find('/', begin);
    if (end == std::string_view::npos) end = all.size();
    const std::string_view part = all.substr(begin, end - begin);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    begin = end + 1;
  }
  std::string out;
  for (const std::string_view part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out.empty() ? "." : out;
}

namespace {

using Token = IgnoreMatcher::Token;

// A class from just after its '[' to its ']' (the first one not escaped): characters, ranges
// and escaped characters, negated by a leading '^'. False for a reversed range.
bool read_class(std::string_view body, std::bitset<256>& set) {
  const bool negated = !body.empty() && body[0] == '^';
  if (negated) body.remove_prefix(1);
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size()) ++i;
    const auto low = static_cast<unsigned char>(body[i]);
    auto high = low;
    if (i + 2 < body.size() && body[i + 1] == '-') {
      i += 2;
      if (body[i] == '\\' && i + 1 < body.size()) ++i;
      high = static_cast<unsigned char>(body[i]);
      if (high < low) return false;
    }
    for (unsigned c = low; c <= high; ++c)
      set.set(c);
  }
  if (negated) set.flip();
  return true;
}

// A cleaned pattern as tokens; false for one Docker rejects.
bool read_pattern(std::string_view pattern, std::vector<Token>& tokens) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    Token t;
    if (c == '*' && pattern.substr(i, 3) == "**/") {
      t.kind = Token::dirs;
      i += 2;
    } else if (c == '*' && pattern.substr(i, 2) == "**") {
      t.kind = Token::any;
      ++i;
    } else if (c == '*') {
      t.kind = Token::star;
    } else if (c == '?') {
      t.set.set();
      t.set.reset('/');
    } else if (c == '[' && pattern.find(']', i + 1) != std::string_view::npos) {
      std::size_t end = i + 1;  // the first ']' not escaped
      while (end < pattern.size() && pattern[end] != ']')
        end += pattern[end] == '\\' ? 2 : 1;
      if (end >= pattern.size()) return false;
      if (!read_class(pattern.substr(i + 1, end - i - 1), t.set)) return false;
      i = end;
    } else if (c == '\\') {
      if (++i == pattern.size()) return false;
      t.set.set(static_cast<unsigned char>(pattern[i]));
    } else {
      t.set.set(static_cast<unsigned char>(c));
    }
    tokens.push_back(t);
  }
  return true;
}

}  // namespace

IgnoreMatcher::IgnoreMatcher(const std::vector<std::string>& lines) {
  for (std::string line : lines) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const bool exclusion = line[0] == '!';
    if (exclusion) line.erase(0, 1);
    const std::string cleaned = clean_path(line);
    if (cleaned.empty()) continue;
    Pattern p{{}, exclusion};
    if (read_pattern(cleaned, p.tokens)) patterns_.push_back(std::move(p));
  }
}

bool IgnoreMatcher::excluded(const std::string& raw) const {
  const std::string path = clean_path(raw);
  // The path and each of its parent directories.
  std::vector<std::string_view> candidates;
  for (std::size_t at = path.find('/'); at != std::string::npos; at = path.find('/', at + 1))
    candidates.push_back(std::string_view(path).substr(0, at));
  candidates.push_back(path);
  bool excluded = false;
  for (const Pattern& p : patterns_) {
    bool match = false;
    for (const std::string_view c : candidates)
      match = match || matches(p.tokens, c);
    if (match) excluded = !p.exclusion;
  }
  return excluded;
}

// The positions of `text` each token can end at, token by token, from the start.
bool IgnoreMatcher::matches(const std::vector<Token>& tokens, std::string_view text) {
  std::vector<char> at(text.size() + 1, 0), next(text.size() + 1);
  at[0] = 1;
  for (const Token& t : tokens) {
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (!at[i]) continue;
      any = true;
      switch (t.kind) {
        case Token::one:
          if (i < text.size() && t.set.test(static_cast<unsigned char>(text[i]))) next[i + 1] = 1;
          break;
        case Token::star:
          for (std::size_t j = i;; ++j) {
            next[j] = 1;
            if (j == text.size() || text[j] == '/') break;
          }
          break;
        case Token::any:
          std::fill(next.begin() + static_cast<std::ptrdiff_t>(i), next.end(), 1);
          break;
        case Token::dirs:
          next[i] = 1;
          for (std::size_t j = i; j < text.size(); ++j)
            if (text[j] == '/') next[j + 1] = 1;
          break;
      }
    }
    if (!any) return false;
    at.swap(next);
  }
  return at[text.size()] != 0;
}

}  // namespace rigc
