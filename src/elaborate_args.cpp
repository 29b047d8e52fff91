#include "src/elaborate_args.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "src/statements.hpp"

namespace rigc::elab {
namespace {

const char* kind_name(ast::ValueKind kind) {
  switch (kind) {
    case ast::ValueKind::word:
      return "word";
    case ast::ValueKind::string:
      return "string";
    case ast::ValueKind::pair:
      return "KEY=VALUE pair";
    case ast::ValueKind::list:
      return "list";
  }
  return "value";
}

std::string display(const ast::Value& v) {
  if (v.kind == ast::ValueKind::pair) return v.key + "=" + v.text;
  if (v.kind == ast::ValueKind::list) return "[…]";
  return v.text;
}

}  // namespace

// GitHub Actions evaluates `${{ … }}` anywhere in a workflow, quoted or not, so a
// value that reaches one (a build argument, a tag) could run an expression.
bool check_expression(Diagnostics& diagnostics, Location where, const std::string& text) {
  if (text.find("${{") == std::string::npos) return true;
  diagnostics.error(where,
                    "'${{' is not allowed in a spec: GitHub Actions would evaluate it as "
                    "an expression in the generated workflow");
  return false;
}

Location Args::end() const {
  const ast::Value& last = node_.args.empty() ? node_.head : node_.args.back();
  Location at = last.location;
  at.column += at.length;
  at.length = 1;
  return at;
}

const ast::Value* Args::take(const char* what, std::initializer_list<ast::ValueKind> kinds) {
  if (!ok_) return nullptr;
  // Only on an error: the search is no cost for statements that are right.
  const auto hint = [&] {
    return has_context_ ? neighbour_hint(node_.head.text, context_) : std::string();
  };
  if (done()) {
    error(end(), fmt::format("'{}' is missing {}; usage: {}", node_.head.text, what, usage_));
    return nullptr;
  }
  const ast::Value& value = node_.args[next_];
  if (std::find(kinds.begin(), kinds.end(), value.kind) == kinds.end()) {
    error(value.location, fmt::format("expected {}, not a {}; usage: {}{}", what,
                                      kind_name(value.kind), usage_, hint()));
    return nullptr;
  }
  ++next_;
  if (!acceptable(value)) return nullptr;
  return &value;
}

// What no value may be, whatever the statement: a word or key too long to check
// (the checks are regular expressions, which recurse per character), or text
// that a generated GitHub workflow would evaluate as an expression.
bool Args::acceptable(const ast::Value& value) {
  const bool word = value.kind == ast::ValueKind::word;
  if ((word && value.text.size() > kMaxWord) || value.key.size() > kMaxWord) {
    error(value.location,
          fmt::format("a {} longer than {} bytes", word ? "word" : "KEY", kMaxWord));
    return false;
  }
  std::vector<std::string> texts = value.items;
  texts.push_back(value.key);
  texts.push_back(value.text);
  for (const std::string& text : texts) {
    if (!check_expression(diagnostics_, value.location, text)) {
      ok_ = false;
      return false;
    }
  }
  return true;
}

std::optional<At<std::string>> Args::text(const char* what) {
  const ast::Value* v = take(what, {ast::ValueKind::word, ast::ValueKind::string});
  if (v == nullptr) return std::nullopt;
  return At<std::string>{v->text, v->location};
}

std::optional<At<std::string>> Args::word(const char* what) {
  const ast::Value* v = take(what, {ast::ValueKind::word});
  if (v == nullptr) return std::nullopt;
  return At<std::string>{v->text, v->location};
}

std::optional<At<std::string>> Args::string(const char* what) {
  const ast::Value* v = take(what, {ast::ValueKind::string});
  if (v == nullptr) return std::nullopt;
  return At<std::string>{v->text, v->location};
}

bool Args::keyword(const char* keyword) {
  const ast::Value* v = peek();
  if (ok_ && v != nullptr && v->kind == ast::ValueKind::word && v->text == keyword) {
    ++next_;
    return true;
  }
  return false;
}

void Args::finish(bool block) {
  if (ok_ && !done()) {
    const ast::Value& extra = node_.args[next_];
    error(extra.location,
          fmt::format("unexpected {} '{}' after the arguments of '{}'; usage: {}",
                      kind_name(extra.kind), display(extra), node_.head.text, usage_));
  }
  if (ok_ && node_.has_block && !block) {
    error(node_.head.location, fmt::format("'{}' does not take a block", node_.head.text));
  }
}

}  // namespace rigc::elab
