// The only file that includes PEGTL: grammar/rig.hpp's rules, the error message of
// each commit point (must<>), and the actions that build the syntax tree.
#include "rigc/parser.hpp"

#include <fmt/format.h>

#include "grammar/rig.hpp"

namespace rigc {
namespace {

namespace g = grammar;
namespace p = tao::pegtl;

// One message per commit point of the grammar.
template <typename Rule>
inline constexpr const char* kErrorMessage = nullptr;
template <>
inline constexpr const char* kErrorMessage<g::escaped_char> =
    "unknown escape in string; the escapes are \\\", \\\\, \\n and \\t";
template <>
inline constexpr const char* kErrorMessage<g::string_close> =
    "unterminated string: missing the closing '\"' on this line";
template <>
inline constexpr const char* kErrorMessage<g::list_item> = "expected a quoted string after ','";
template <>
inline constexpr const char* kErrorMessage<g::list_close> =
    "expected ']' to end the list; list items are quoted strings separated by ','";
template <>
inline constexpr const char* kErrorMessage<g::line_end> = "expected the end of the line";
template <>
inline constexpr const char* kErrorMessage<g::open_line_end> =
    "'{' must end its line; put each statement of the block on a line of its own";
template <>
inline constexpr const char* kErrorMessage<g::close_line_end> = "'}' must be alone on its line";
template <>
inline constexpr const char* kErrorMessage<g::block_close> =
    "expected a statement or '}' to close the block";

struct State {
  const Sources& sources;
  std::uint32_t file;
  Diagnostics& diagnostics;
  ast::Module module;
  std::vector<ast::Node> stack;      // statements being parsed, innermost last
  std::vector<std::string> pending;  // comments and blank lines not yet attached
  std::size_t errors_at_declaration = 0;
  bool closing = false;            // between a block's '}' and its line end
  const char* pair_end = nullptr;  // end of the last complete pair token

  Location location(const p::position& at, std::size_t length) const {
    return {file, static_cast<std::uint32_t>(at.line), static_cast<std::uint32_t>(at.column),
            static_cast<std::uint32_t>(length == 0 ? 1 : length)};
  }
};

// Describes the byte at the error position for "unexpected X" messages.
template <typename Input>
std::string describe_next(const Input& in) {
  if (in.empty()) return "the end of the file";
  const char c = in.peek_char();
  if (c == '\n' || c == '\r') return "the end of the line";
  return fmt::format("'{}'", c);
}

template <typename Rule>
struct Control : p::normal<Rule> {
  template <typename Input>
  [[noreturn]] static void raise(const Input& in, State& state) {
    std::string message;
    if constexpr (kErrorMessage<Rule> != nullptr) {
      message = kErrorMessage<Rule>;
    } else {
      message = "syntax error";
    }
    if constexpr (std::is_same_v<Rule, g::line_end>) {
      message = fmt::format("unexpected {}; expected the end of the line", describe_next(in));
    }
    Location where = state.location(in.position(), 1);
    if constexpr (std::is_same_v<Rule, g::block_close>) {
      if (in.empty() && !state.stack.empty()) {
        // Point at the statement whose block is left open.
        const ast::Node& open = state.stack.back();
        where = open.head.location;
        message = fmt::format(
            "the block of '{}' is never closed: expected '}}' before the end of "
            "the file",
            open.head.text);
      }
    }
    state.diagnostics.error(where, std::move(message));
    throw p::parse_error("", in);
  }
};

template <>
struct Control<g::statement> : p::normal<g::statement> {
  template <typename Input>
  static void start(const Input& in, State& state) {
    if (static_cast<int>(state.stack.size()) >= kMaxBlockDepth) {
      state.diagnostics.error(state.location(in.position(), 1),
                              fmt::format("blocks nested more than {} deep", kMaxBlockDepth));
      throw p::parse_error("", in);
    }
    state.stack.emplace_back();
    state.stack.back().location = state.location(in.position(), 1);
  }
  template <typename Input>
  static void success(const Input&, State& state) {
    ast::Node node = std::move(state.stack.back());
    state.stack.pop_back();
    if (state.stack.empty()) {
      state.module.nodes.push_back(std::move(node));
    } else {
      state.stack.back().children.push_back(std::move(node));
    }
  }
  template <typename Input>
  static void failure(const Input&, State& state) {
    state.stack.pop_back();
  }
};

template <>
struct Control<g::declaration> : p::normal<g::declaration> {
  template <typename Input>
  static void start(const Input&, State& state) {
    state.stack.clear();
    state.closing = false;
    state.errors_at_declaration = state.diagnostics.error_count();
  }
};

template <typename Rule>
struct Action : p::nothing<Rule> {};

std::string unescape(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 == raw.size()) {
      out += raw[i];
      continue;
    }
    switch (raw[++i]) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      default:
        out += raw[i];
    }
  }
  return out;
}

template <>
struct Action<g::head> {
  template <typename Input>
  static void apply(const Input& in, State& state) {
    ast::Value& head = state.stack.back().head;
    head.location = state.location(in.position(), in.size());
    if (in.peek_char() == '"') {
      head.kind = ast::ValueKind::string;
      head.quoted = true;
      head.text = unescape(std::string_view(in.begin() + 1, in.size() - 2));
    } else {
      head.kind = ast::ValueKind::word;
      head.text = in.string();
    }
    ast::Node& node = state.stack.back();
    node.location = head.location;
    node.leading = std::move(state.pending);
    state.pending.clear();
  }
};

template <>
struct Action<g::argument> {
  template <typename Input>
  static void apply(const Input& in, State& state) {
    ast::Value value;
    value.location = state.location(in.position(), in.size());
    const std::string_view text(in.begin(), in.size());
    if (text.front() == '[') {
      value.kind = ast::ValueKind::list;
      // Items are quoted strings; split them here rather than in more actions so a
      // failed list leaves no state behind.
      for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '"') continue;
        std::size_t end = i + 1;
        while (text[end] != '"')
          end += text[end] == '\\' ? 2 : 1;
        value.items.push_back(unescape(text.substr(i + 1, end - i - 1)));
        i = end;
      }
    } else if (text.front() == '"') {
      value.kind = ast::ValueKind::string;
      value.quoted = true;
      value.text = unescape(text.substr(1, text.size() - 2));
    } else if (state.pair_end == in.end()) {
      const auto eq = text.find('=');
      value.kind = ast::ValueKind::pair;
      value.key = std::string(text.substr(0, eq));
      const std::string_view rest = text.substr(eq + 1);
      if (!rest.empty() && rest.front() == '"') {
        value.quoted = true;
        value.text = unescape(rest.substr(1, rest.size() - 2));
      } else {
        value.text = std::string(rest);
      }
    } else {
      value.kind = ast::ValueKind::word;
      value.text = std::string(text);
    }
    state.stack.back().args.push_back(std::move(value));
  }
};

template <>
struct Action<g::pair> {
  template <typename Input>
  static void apply(const Input& in, State& state) {
    state.pair_end = in.end();
  }
};

template <>
struct Action<g::open_brace> {
  template <typename Input>
  static void apply(const Input&, State& state) {
    state.stack.back().has_block = true;
  }
};

template <>
struct Action<g::close_brace> {
  template <typename Input>
  static void apply(const Input&, State& state) {
    ast::Node& node = state.stack.back();
    node.trailing = std::move(state.pending);
    state.pending.clear();
    state.closing = true;
  }
};

template <>
struct Action<g::close_line_end> {
  template <typename Input>
  static void apply(const Input&, State& state) {
    state.closing = false;
  }
};

template <>
struct Action<g::end_comment> {
  template <typename Input>
  static void apply(const Input& in, State& state) {
    if (state.stack.empty()) return;
    ast::Node& node = state.stack.back();
    (state.closing ? node.close_comment : node.comment) = in.string();
  }
};

template <>
struct Action<g::blank_line> {
  template <typename Input>
  static void apply(const Input& in, State& state) {
    std::string line = in.string();
    const auto hash = line.find('#');
    if (hash == std::string::npos) {
      state.pending.emplace_back();
    } else {
      line = line.substr(hash);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.pop_back();
      state.pending.push_back(std::move(line));
    }
  }
};

template <>
struct Action<g::final_blank> {
  template <typename Input>
  static void apply(const Input& in, State& state) {
    std::string line = in.string();
    const auto hash = line.find('#');
    if (hash != std::string::npos) state.pending.push_back(line.substr(hash));
    state.module.trailing = std::move(state.pending);
    state.pending.clear();
  }
};

template <>
struct Action<g::recover> {
  template <typename Input>
  static void apply(const Input& in, State& state) {
    if (!state.stack.empty()) state.module.broken.push_back(std::move(state.stack.front()));
    state.stack.clear();
    state.pending.clear();
    if (state.diagnostics.error_count() == state.errors_at_declaration) {
      // Nothing raised: the line did not start a statement at all.
      const std::string text = in.string();
      const auto first = text.find_first_not_of(" \t");
      const auto pos = in.position();
      Location where = state.location(pos, 1);
      where.column += static_cast<std::uint32_t>(first == std::string::npos ? 0 : first);
      const char c = first == std::string::npos ? '?' : text[first];
      state.diagnostics.error(where, c == '}' ? "unexpected '}' with no open block"
                                              : fmt::format("unexpected '{}'", c));
    }
  }
};

// Lines longer than this are an error: every token then stays small enough for the
// checks of later stages, and every generated Dockerfile line stays under the
// 64 KiB that Docker's parser reads.
constexpr std::size_t kMaxLineLength = 16384;

// The length of the UTF-8 sequence at `at` and its code point, or 0 when the bytes
// there are not valid UTF-8 (overlong forms and surrogates included).
std::size_t utf8_sequence(const std::string& text, std::size_t at, char32_t& code) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t length = 0;
  if (lead < 0x80) {
    code = lead;
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(at + i) & 0x3F);
  }
  const char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < least[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

// What a character does that makes it unwelcome in a spec, or null. Control
// characters reach terminals and generated files; YAML 1.1 readers break lines at
// NEL, U+2028 and U+2029; bidirectional controls make text read differently from
// what it does ("Trojan Source").
const char* unwelcome(char32_t c) {
  if (c == '\t' || c == '\n') return nullptr;
  if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)) return "a control character";
  if (c == 0x2028 || c == 0x2029) return "a line separator YAML readers break lines at";
  if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069))
    return "a bidirectional text control, which makes text read differently from what it does";
  return nullptr;
}

// A Rig file is UTF-8 text with lines of at most kMaxLineLength bytes and no
// unwelcome characters; CR only before LF. One error per line.
bool check_text(const std::string& text, std::uint32_t file, Diagnostics& diagnostics) {
  bool ok = true;
  std::uint32_t line = 1;
  std::size_t line_start = 0;
  bool reported = false;
  for (std::size_t i = 0; i < text.size();) {
    const auto report = [&](const std::string& message) {
      if (!reported) {
        diagnostics.error({file, line, static_cast<std::uint32_t>(i - line_start + 1), 1}, message);
      }
      reported = true;
      ok = false;
    };
    char32_t code = 0;
    const std::size_t length = utf8_sequence(text, i, code);
    if (length == 0) {
      report(fmt::format("invalid UTF-8 (byte 0x{:02X}); a spec is UTF-8 text",
                         static_cast<unsigned char>(text[i])));
      ++i;
      continue;
    }
    if (code == '\n') {
      ++line;
      line_start = i + 1;
      reported = false;
    } else if (code == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      // CRLF ends a line like LF.
    } else if (const char* why = unwelcome(code)) {
      report(
          fmt::format("character U+{:04X} is not allowed: {}", static_cast<unsigned>(code), why));
    } else if (i - line_start >= kMaxLineLength) {
      report(fmt::format("line longer than {} bytes", kMaxLineLength));
    }
    i += length;
  }
  return ok;
}

}  // namespace

ast::Module parse(const Sources& sources, std::uint32_t file, Diagnostics& diagnostics) {
  State state{sources, file, diagnostics, {}, {}, {}, 0, false, nullptr};
  state.module.file = file;
  const std::string& text = sources.text(file);
  // Text that is not what the grammar reads is reported once, before it can cause
  // a cascade of syntax errors.
  if (!check_text(text, file, diagnostics)) return std::move(state.module);
  p::memory_input<> in(text.data(), text.size(), sources.name(file));
  try {
    p::parse<g::file, Action, Control>(in, state);
  } catch (const p::parse_error&) {
    // Already reported by Control::raise.
  }
  return std::move(state.module);
}

}  // namespace rigc
