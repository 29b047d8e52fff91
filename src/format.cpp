#include "rigc/format.hpp"

#include <algorithm>

namespace rigc {
namespace {

std::string quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

std::string value_text(const ast::Value& v) {
  switch (v.kind) {
    case ast::ValueKind::word:
      return v.text;
    case ast::ValueKind::string:
      return quote(v.text);
    case ast::ValueKind::pair:
      return v.key + "=" + (v.quoted ? quote(v.text) : v.text);
    case ast::ValueKind::list: {
      std::string out = "[";
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        out += (i == 0 ? "" : ", ") + quote(v.items[i]);
      }
      return out + "]";
    }
  }
  return v.text;
}

std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.pop_back();
  return s;
}

// One output line: code and an optional trailing comment, aligned later.
struct Line {
  std::string code;         // with indentation; "" for a blank line
  std::string comment;      // "# …" or ""
  bool standalone = false;  // a full-line comment: never aligned with code
};

class Formatter {
 public:
  std::string run(const ast::Module& module) {
    for (std::size_t i = 0; i < module.nodes.size(); ++i)
      node(module.nodes[i], 0, i == 0, true);
    extra(module.trailing, 0, true);
    while (!lines_.empty() && lines_.back().code.empty() && lines_.back().comment.empty()) {
      lines_.pop_back();
    }
    return render();
  }

 private:
  static std::string indent(int depth) {
    return std::string(static_cast<std::size_t>(depth) * 2, ' ');
  }

  void blank() {
    if (lines_.empty()) return;  // never at the start of the file
    const Line& last = lines_.back();
    if (last.code.empty() && last.comment.empty()) return;  // runs of blanks become one
    if (!last.standalone && !last.code.empty() && last.code.back() == '{') return;  // not after '{'
    lines_.push_back({});
  }

  // Comments and blank lines above a statement or before a closing brace.
  void extra(const std::vector<std::string>& lines, int depth, bool allow_blank) {
    for (const std::string& line : lines) {
      if (line.empty()) {
        if (allow_blank) blank();
      } else {
        lines_.push_back({indent(depth) + trim_right(line), "", true});
      }
    }
  }

  void node(const ast::Node& n, int depth, bool first, bool top) {
    // Declarations are separated by exactly one blank line, before their comments.
    if (top && !first) {
      blank();
      std::vector<std::string> rest = n.leading;
      while (!rest.empty() && rest.front().empty())
        rest.erase(rest.begin());
      extra(rest, depth, true);
    } else {
      extra(n.leading, depth, true);
    }
    std::string code = indent(depth) + value_text(n.head);
    for (const ast::Value& arg : n.args)
      code += " " + value_text(arg);
    if (n.has_block) code += " {";
    lines_.push_back({code, trim_right(n.comment), false});
    if (!n.has_block) return;
    for (std::size_t i = 0; i < n.children.size(); ++i)
      node(n.children[i], depth + 1, i == 0, false);
    extra(n.trailing, depth + 1, true);
    // No blank line before the closing brace.
    while (!lines_.empty() && lines_.back().code.empty() && lines_.back().comment.empty()) {
      lines_.pop_back();
    }
    lines_.push_back({indent(depth) + "}", trim_right(n.close_comment), false});
  }

  // Trailing comments of consecutive code lines line up one space after the
  // longest code among them, as gofmt does.
  std::string render() const {
    std::string out;
    std::size_t i = 0;
    while (i < lines_.size()) {
      if (lines_[i].comment.empty() || lines_[i].standalone) {
        out += (lines_[i].standalone ? lines_[i].code : lines_[i].code) + "\n";
        ++i;
        continue;
      }
      std::size_t end = i;
      std::size_t width = 0;
      while (end < lines_.size() && !lines_[end].standalone && !lines_[end].code.empty() &&
             !lines_[end].comment.empty()) {
        width = std::max(width, lines_[end].code.size());
        ++end;
      }
      for (std::size_t j = i; j < end; ++j) {
        out += lines_[j].code + std::string(width - lines_[j].code.size() + 1, ' ') +
               lines_[j].comment + "\n";
      }
      i = end;
    }
    return out;
  }

  std::vector<Line> lines_;
};

}  // namespace

std::string format_module(const ast::Module& module) {
  return Formatter().run(module);
}

std::string format_statement(const ast::Node& node) {
  std::string code = value_text(node.head);
  for (const ast::Value& arg : node.args)
    code += " " + value_text(arg);
  return code;
}

}  // namespace rigc
