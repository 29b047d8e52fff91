#include "rigc/ignore_match.hpp"

namespace rigc {

std::string clean_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(begin, end - begin);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    begin = end + 1;
  }
  std::string out;
  for (const std::string& part : parts)
    out += (out.empty() ? "" : "/") + part;
  return out.empty() ? "." : out;
}

namespace {

// Translates a cleaned pattern to a regex the way patternmatcher does.
std::string to_regex(const std::string& pattern) {
  std::string re = "^";
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '*') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '*') {
        ++i;
        if (i + 1 < pattern.size() && pattern[i + 1] == '/') {
          ++i;
          re += "(.*/)?";  // "**/" matches zero or more directories
        } else {
          re += ".*";
        }
      } else {
        re += "[^/]*";
      }
    } else if (c == '?') {
      re += "[^/]";
    } else if (c == '[') {
      const std::size_t end = pattern.find(']', i + 1);
      if (end == std::string::npos) {
        re += "\\[";
      } else {
        std::string cls = pattern.substr(i + 1, end - i - 1);
        if (!cls.empty() && cls[0] == '^') cls[0] = '^';
        re += "[" + cls + "]";
        i = end;
      }
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

}  // namespace

IgnoreMatcher::IgnoreMatcher(const std::vector<std::string>& lines) {
  for (std::string line : lines) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    Pattern p;
    if (line[0] == '!') {
      p.exclusion = true;
      line = line.substr(1);
    }
    std::string cleaned = clean_path(line);
    if (cleaned.empty()) continue;
    try {
      p.regex = std::regex(to_regex(cleaned));
    } catch (const std::regex_error&) {
      continue;  // Docker skips what it cannot compile too
    }
    patterns_.push_back(std::move(p));
  }
}

bool IgnoreMatcher::excluded(const std::string& raw) const {
  const std::string path = clean_path(raw);
  // The path and each of its parent directories.
  std::vector<std::string> candidates;
  for (std::size_t at = path.find('/'); at != std::string::npos; at = path.find('/', at + 1)) {
    candidates.push_back(path.substr(0, at));
  }
  candidates.push_back(path);
  bool excluded = false;
  for (const Pattern& p : patterns_) {
    bool match = false;
    for (const std::string& c : candidates)
      match = match || std::regex_match(c, p.regex);
    if (match) excluded = !p.exclusion;
  }
  return excluded;
}

}  // namespace rigc
