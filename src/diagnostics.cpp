#include "rigc/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace rigc {

std::uint32_t Sources::add(std::string name, std::string text) {
  files_.push_back({std::move(name), std::move(text)});
  return static_cast<std::uint32_t>(files_.size() - 1);
}

std::string Sources::line(std::uint32_t file, std::uint32_t line) const {
  const std::string& text = files_[file].text;
  std::size_t begin = 0;
  for (std::uint32_t n = 1; n < line; ++n) {
    begin = text.find('\n', begin);
    if (begin == std::string::npos) return {};
    ++begin;
  }
  std::size_t end = text.find('\n', begin);
  if (end == std::string::npos) end = text.size();
  if (end > begin && text[end - 1] == '\r') --end;
  return text.substr(begin, end - begin);
}

namespace {

// After this many errors the rest are counted but not kept: a huge broken spec
// gets a readable report in bounded time and memory.
constexpr std::size_t kMaxErrors = 100;

}  // namespace

void Diagnostics::error(Location where, std::string message) {
  ++errors_;
  if (errors_ <= kMaxErrors) {
    diagnostics_.push_back({Severity::error, where, std::move(message)});
  } else if (errors_ == kMaxErrors + 1) {
    diagnostics_.push_back(
        {Severity::error,
         {},
         fmt::format("too many errors; stopped reporting after {}", kMaxErrors)});
  }
}

void Diagnostics::warning(Location where, std::string message) {
  if (errors_ > kMaxErrors) return;
  diagnostics_.push_back({Severity::warning, where, std::move(message)});
}

void Diagnostics::note(Location where, std::string message) {
  if (errors_ > kMaxErrors) return;  // its error was not kept either
  diagnostics_.push_back({Severity::note, where, std::move(message)});
}

namespace {

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::note:
      return "note";
  }
  return "error";
}

// Workflow commands treat '%', CR and LF specially everywhere, and ':' and ','
// inside properties.
std::string escape_github(const std::string& text, bool property) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      case ':':
        out += property ? "%3A" : ":";
        break;
      case ',':
        out += property ? "%2C" : ",";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Text from a spec as a terminal or a log may show it: control characters other
// than tab and LF (escape sequences) and bytes that are not UTF-8 become '?',
// bidirectional controls and line separators U+FFFD — each taking the display
// columns caret_prefix counts for it, so the caret stays under its token.
std::string displayable(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F ? '?' : static_cast<char>(c);
      ++i;
      continue;
    }
    if ((c & 0xC0) == 0x80) {  // a stray continuation byte takes no column
      ++i;
      continue;
    }
    const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    std::size_t valid = 1;
    while (valid < length && i + valid < text.size() &&
           (static_cast<unsigned char>(text[i + valid]) & 0xC0) == 0x80) {
      ++valid;
    }
    if (c < 0xC2 || c > 0xF4 || valid < length) {
      out += '?';
      i += valid;
      continue;
    }
    const std::string sequence = text.substr(i, length);
    char32_t code = c & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k)
      code = (code << 6) | (static_cast<unsigned char>(sequence[k]) & 0x3F);
    const char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < least[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      out += '?';
      i += length;
      continue;
    }
    const bool unwelcome = (code >= 0x80 && code <= 0x9F) || code == 0x2028 || code == 0x2029 ||
                           (code >= 0x202A && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069);
    out += unwelcome ? "\xEF\xBF\xBD" : sequence;
    i += length;
  }
  return out;
}

// Number of display columns of the first `bytes` bytes: UTF-8 continuation bytes
// take none, a tab keeps its place by being copied into the caret line.
std::string caret_prefix(const std::string& line, std::size_t bytes) {
  std::string prefix;
  for (std::size_t i = 0; i < bytes && i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) == 0x80) continue;
    prefix += c == '\t' ? '\t' : ' ';
  }
  return prefix;
}

}  // namespace

std::string render(const Diagnostic& d, const Sources& sources, ErrorFormat format, bool color) {
  const Location& at = d.location;
  if (format == ErrorFormat::github) {
    const char* kind = d.severity == Severity::error     ? "error"
                       : d.severity == Severity::warning ? "warning"
                                                         : "notice";
    const std::string message = escape_github(displayable(d.message), false);
    if (!at.valid()) return fmt::format("::{}::{}\n", kind, message);
    return fmt::format("::{} file={},line={},col={}::{}\n", kind,
                       escape_github(sources.name(at.file), true), at.line, at.column, message);
  }
  const char* bold = color ? "\033[1m" : "";
  const char* reset = color ? "\033[0m" : "";
  const char* hue = !color                            ? ""
                    : d.severity == Severity::error   ? "\033[1;31m"
                    : d.severity == Severity::warning ? "\033[1;35m"
                                                      : "\033[1;36m";
  const std::string message = displayable(d.message);
  if (!at.valid()) {
    return fmt::format("rigc: {}{}:{} {}\n", hue, severity_name(d.severity), reset, message);
  }
  std::string out = fmt::format("{}{}:{}:{}:{} {}{}:{} {}\n", bold, sources.name(at.file), at.line,
                                at.column, reset, hue, severity_name(d.severity), reset, message);
  const std::string line = sources.line(at.file, at.line);
  // No line to show (an empty file): nothing to put a caret under.
  if (at.line == 0 || at.column == 0 || line.empty()) return out;
  out += "  " + displayable(line) + "\n";
  const std::size_t start = at.column - 1;
  std::string marks = "^";
  const std::size_t available = line.size() > start ? line.size() - start : 1;
  const std::size_t length = std::max<std::size_t>(1, std::min<std::size_t>(at.length, available));
  for (std::size_t i = 1; i < length; ++i) {
    const auto c = static_cast<unsigned char>(line[start + i]);
    if ((c & 0xC0) != 0x80) marks += '~';
  }
  out += "  " + caret_prefix(line, start) + (color ? "\033[1;32m" : "") + marks + reset + "\n";
  return out;
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      // Damerau: a swap of two neighbours is one edit ("pyhton").
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::size_t distance_with_swaps(const std::string& a, const std::string& b) {
  std::size_t best = edit_distance(a, b);
  for (std::size_t i = 0; i + 1 < a.size(); ++i) {
    if (a[i] == a[i + 1]) continue;
    std::string swapped = a;
    std::swap(swapped[i], swapped[i + 1]);
    best = std::min(best, 1 + edit_distance(swapped, b));
  }
  return best;
}

}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  // Like ninja's SpellcheckString: a small distance relative to the word's length.
  const std::size_t limit = word.size() <= 3 ? 1 : word.size() <= 6 ? 2 : 3;
  std::string best;
  std::size_t best_distance = limit + 1;
  if (word.size() > 64) return best;  // no misspelling of a name is that long
  for (const std::string& candidate : candidates) {
    // The distance is at least the difference in length: skip the hopeless ones.
    const std::size_t longer = std::max(word.size(), candidate.size());
    if (candidate == word || longer - std::min(word.size(), candidate.size()) > limit) continue;
    const std::size_t d = distance_with_swaps(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string best = closest_match(word, candidates);
  return best.empty() ? std::string() : fmt::format("; did you mean '{}'?", best);
}

}  // namespace rigc
