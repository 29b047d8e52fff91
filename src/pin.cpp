// `rigc pin`'s own logic, on text in memory: URLs from a pack's fetch, checksums
// and versions out of what upstream publishes, and the one-line edit of a spec.
// The driver downloads; nothing here touches the network or the disk.
#include "rigc/pin.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "rigc/format.hpp"
#include "rigc/text.hpp"
#include "rigc/value_syntax.hpp"

namespace rigc::pin {
namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

bool is_hex64(const std::string& word) {
  return syntax::is_sha256_hex(word);
}

// The words of one line, split at blanks.
std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < line.size()) {
    const std::size_t start = line.find_first_not_of(" \t\r\n", at);
    if (start == std::string::npos) break;
    const std::size_t end = std::min(line.find_first_of(" \t\r\n", start), line.size());
    out.push_back(line.substr(start, end - start));
    at = end;
  }
  return out;
}

std::optional<std::string> in_sha256sums(const std::string& document, const std::string& file) {
  const std::vector<std::string> lines = text::lines(document);
  std::vector<std::vector<std::string>> rows;
  for (const std::string& line : lines) {
    std::vector<std::string> w = words(line);
    if (!w.empty()) rows.push_back(std::move(w));
  }
  for (const auto& row : rows) {
    if (row.size() < 2 || !is_hex64(row[0])) continue;
    std::string name = row[1];
    if (!name.empty() && name[0] == '*') name.erase(0, 1);  // binary mode, as BSD tools write
    const std::size_t slash = name.rfind('/');
    if (name == file || (slash != std::string::npos && name.substr(slash + 1) == file))
      return row[0];
  }
  // A per-file FILE.sha256 that holds the checksum alone.
  if (rows.size() == 1 && rows[0].size() == 1 && is_hex64(rows[0][0])) return rows[0][0];
  return std::nullopt;
}

// Depth first through `node` for an object naming `file` with its checksum.
std::optional<std::string> in_json(const nlohmann::json& node, const std::string& file) {
  if (node.is_object()) {
    bool names_file = false;
    for (const auto& [key, value] : node.items()) {
      if (value.is_string() && value.get_ref<const std::string&>() == file) names_file = true;
    }
    if (names_file) {
      const auto sha = node.find("sha256");
      if (sha != node.end() && sha->is_string() && is_hex64(sha->get<std::string>()))
        return sha->get<std::string>();
      const auto digest = node.find("digest");
      if (digest != node.end() && digest->is_string()) {
        const std::string d = digest->get<std::string>();
        if (d.rfind("sha256:", 0) == 0 && is_hex64(d.substr(7))) return d.substr(7);
      }
    }
  }
  if (node.is_structured()) {
    for (const auto& child : node) {
      if (auto found = in_json(child, file)) return found;
    }
  }
  return std::nullopt;
}

// Matches `pattern` at `at` in `text`; a space in the pattern matches any run of
// white space, or none. The end of the match, or npos.
std::size_t match_at(const std::string& text, std::size_t at, const std::string& pattern) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == ' ') {
      while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at])))
        ++at;
      continue;
    }
    if (at >= text.size() || text[at] != pattern[i]) return std::string::npos;
    ++at;
  }
  return at;
}

// A release version: digits and dots, then optionally '+' and a build of
// letters, digits and dots. Release candidates (1.28rc1, v0.38.0-rc1) are not.
bool is_release(const std::string& v) {
  const std::size_t plus = v.find('+');
  const std::string core = v.substr(0, plus);
  if (core.empty() || !std::isdigit(static_cast<unsigned char>(core[0])) || core.back() == '.' ||
      core.find_first_not_of("0123456789.") != std::string::npos)
    return false;
  if (plus == std::string::npos) return true;
  const std::string build = v.substr(plus + 1);
  return !build.empty() && std::all_of(build.begin(), build.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.';
  });
}

// The indentation of `line`.
std::string indentation(const std::string& line) {
  return line.substr(0, line.find_first_not_of(" \t"));
}

// `text` split into lines, each with its line break ("" for a last line without).
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    if (end == std::string::npos) {
      out.push_back(text.substr(at));
      break;
    }
    out.push_back(text.substr(at, end + 1 - at));
    at = end + 1;
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines)
    out += line;
  return out;
}

// The line break `lines` use ("\r\n" when the first line has one).
std::string line_break(const std::vector<std::string>& lines) {
  return !lines.empty() && lines[0].size() > 1 && lines[0].rfind("\r\n") == lines[0].size() - 2
             ? "\r\n"
             : "\n";
}

ast::Node pin_node(const std::string& pack, const std::string& version,
                   const std::vector<Sum>& sums) {
  ast::Node node;
  node.head.text = "pin";
  const auto word = [&](const std::string& text) {
    ast::Value v;
    v.text = text;
    node.args.push_back(v);
  };
  word(pack);
  word(version);
  word("sha256");
  for (const Sum& sum : sums) {
    word(sum.arch);
    word(sum.sha256);
  }
  return node;
}

const ast::Node* find_defaults(const ast::Module& module) {
  for (const ast::Node& node : module.nodes) {
    if (node.head.kind == ast::ValueKind::word && node.head.text == "defaults" && node.has_block)
      return &node;
  }
  return nullptr;
}

bool is_pin_of(const ast::Node& node, const std::string& pack) {
  return node.head.kind == ast::ValueKind::word && node.head.text == "pin" &&
         node.args.size() >= 2 && node.args[0].text == pack;
}

// Where a new `defaults` block goes: after a first paragraph of comments that a
// blank line ends (a file header), else at the very top.
std::size_t top_insertion(const std::vector<std::string>& lines) {
  std::size_t i = 0;
  while (i < lines.size() && indentation(lines[i]).size() < lines[i].size() &&
         lines[i][indentation(lines[i]).size()] == '#')
    ++i;
  if (i > 0 && i < lines.size() && words(lines[i]).empty()) return i + 1;
  return 0;
}

}  // namespace

std::string expand(const std::string& text, const std::string& mirror, const std::string& version,
                   const std::string& upstream_arch) {
  std::string out = text;
  const std::size_t plus = version.find('+');
  replace_all(out, "@mirror@", mirror);
  replace_all(out, "@version-base@", version.substr(0, plus));
  replace_all(out, "@version-build@", plus == std::string::npos ? "" : version.substr(plus + 1));
  replace_all(out, "@version@", version);
  replace_all(out, "@arch@", upstream_arch);
  return out;
}

std::string upstream_arch(const spec::Fetch& fetch, const std::string& arch) {
  for (const spec::Pair& mapping : fetch.arch) {
    if (mapping.key == arch) return mapping.value;
  }
  return arch;
}

std::string download_url(const spec::Fetch& fetch, const std::string& mirror,
                         const std::string& version, const std::string& arch) {
  const std::string* url = &fetch.url.value;
  for (const spec::VersionUrl& per_version : fetch.version_urls) {
    for (const auto& v : per_version.versions) {
      if (v.value == version) url = &per_version.url.value;
    }
  }
  return expand(*url, mirror, version, upstream_arch(fetch, arch));
}

std::string file_name(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  path = path.substr(path.rfind('/') + 1);
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() &&
        std::isxdigit(static_cast<unsigned char>(path[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
      out += static_cast<char>(std::stoi(path.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += path[i];
    }
  }
  return out;
}

std::optional<std::string> checksum_in_list(const std::string& document, const std::string& format,
                                            const std::string& file) {
  if (format == "json") {
    const nlohmann::json parsed = nlohmann::json::parse(document, nullptr, false);
    if (parsed.is_discarded()) return std::nullopt;
    return in_json(parsed, file);
  }
  return in_sha256sums(document, file);
}

std::vector<std::string> versions_in(const std::string& document, const std::string& pattern) {
  const std::size_t at = pattern.find("@version@");
  const std::string before = pattern.substr(0, at);
  const std::string after = pattern.substr(at + 9);
  // The first word of `before`, found with find(); the rest matched in place.
  const std::string anchor = words(before).empty() ? before : words(before).front();
  std::vector<std::string> found;
  std::set<std::string> seen;
  for (std::size_t start = document.find(anchor); start != std::string::npos;
       start = document.find(anchor, start + 1)) {
    const std::size_t begin = match_at(document, start, before.substr(before.find(anchor)));
    if (begin == std::string::npos) continue;
    // The version runs to the first place where `after` matches, within a word
    // (to the end of the word when the pattern ends with @version@).
    std::size_t end = begin;
    const auto ends_here = [&](std::size_t i) {
      const char c = document[i];
      return after.empty() ? !(std::isalnum(static_cast<unsigned char>(c)) ||
                               std::string(".+_-").find(c) != std::string::npos)
                           : match_at(document, i, after) != std::string::npos;
    };
    while (end < document.size() && end - begin <= 64 &&
           !std::isspace(static_cast<unsigned char>(document[end])) && !ends_here(end))
      ++end;
    if (end == begin || (!after.empty() && (end == document.size() || !ends_here(end)))) continue;
    const std::string version = document.substr(begin, end - begin);
    if (is_release(version) && seen.insert(version).second) found.push_back(version);
  }
  return found;
}

std::string newer_on_line(const std::vector<std::string>& versions, const std::string& current,
                          int parts) {
  const std::string line = version_line(current, parts);
  std::string best;
  for (const std::string& v : versions) {
    if (version_line(v, parts) != line || !version_less(current, v)) continue;
    if (best.empty() || version_less(best, v)) best = v;
  }
  return best;
}

Edit write_pin(const std::string& text, const ast::Module& module, const std::string& pack,
               const std::string& version, int parts, const std::vector<Sum>& sums) {
  std::vector<std::string> lines = split_lines(text);
  const std::string br = line_break(lines);
  const std::string code = format_statement(pin_node(pack, version, sums));
  Edit edit;
  const ast::Node* defaults = find_defaults(module);
  if (defaults == nullptr) {
    const std::size_t at = top_insertion(lines);
    if (!lines.empty() && lines.back().find('\n') == std::string::npos) lines.back() += br;
    const bool blank_after = at < lines.size() && !words(lines[at]).empty();
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at),
                 {"defaults {" + br, "  " + code + br, "}" + br});
    if (blank_after) lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at + 3), br);
    edit.line = at + 2;
  } else {
    const ast::Node* same_line = nullptr;
    const ast::Node* last_pin = nullptr;
    for (const ast::Node& child : defaults->children) {
      if (child.head.text == "pin") last_pin = &child;
      if (is_pin_of(child, pack) &&
          version_line(child.args[1].text, parts) == version_line(version, parts))
        same_line = &child;
    }
    if (same_line != nullptr) {
      std::string& line = lines.at(same_line->location.line - 1);
      const bool ends = line.find('\n') != std::string::npos;
      line = indentation(line) + code +
             (same_line->comment.empty() ? "" : " " + same_line->comment) + (ends ? br : "");
      edit.line = same_line->location.line;
      edit.replaced = true;
    } else {
      const ast::Node* after = last_pin != nullptr           ? last_pin
                               : !defaults->children.empty() ? &defaults->children.back()
                                                             : nullptr;
      const std::size_t at = after != nullptr ? after->location.line : defaults->location.line;
      const std::string indent =
          after != nullptr ? indentation(lines.at(after->location.line - 1)) : "  ";
      if (lines.at(at - 1).find('\n') == std::string::npos) lines.at(at - 1) += br;
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), indent + code + br);
      edit.line = at + 1;
    }
  }
  edit.text = join_lines(lines);
  return edit;
}

std::vector<std::string> architectures(const Resolved& resolved, const std::string& pack) {
  std::vector<std::string> using_pack, all;
  for (const ResolvedImage& image : resolved.images) {
    std::vector<std::string> archs;
    if (image.settings.platforms) {
      for (const std::string& platform : image.settings.platforms->value) {
        std::string arch = platform.substr(platform.find('/') + 1);
        archs.push_back(arch.substr(0, arch.find('/')));
      }
    } else {
      archs.push_back("amd64");
    }
    const bool uses =
        std::any_of(image.packs.begin(), image.packs.end(),
                    [&](const ResolvedPack& rp) { return rp.pack->name.value == pack; });
    all.insert(all.end(), archs.begin(), archs.end());
    if (uses) using_pack.insert(using_pack.end(), archs.begin(), archs.end());
  }
  if (!using_pack.empty()) return text::sorted_unique(using_pack);
  if (!all.empty()) return text::sorted_unique(all);
  return {"amd64"};
}

}  // namespace rigc::pin
