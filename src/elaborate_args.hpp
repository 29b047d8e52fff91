#pragma once
// The argument cursor of elaboration: reads one statement's arguments left to right
// and reports shape errors against the statement's usage line. Internal to
// elaboration (the statement readers and the walker), hence in src/.

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>

#include "rigc/ast.hpp"
#include "rigc/diagnostics.hpp"
#include "rigc/elaborate.hpp"
#include "rigc/spec.hpp"

namespace rigc::elab {

using spec::At;

// The longest word (and pair KEY, path, pattern) a spec may use; quoted strings and
// values are bounded by the parser's line length instead.
inline constexpr std::size_t kMaxWord = 1024;

// Reports text that a generated GitHub workflow would evaluate as an expression
// (`${{ … }}`); false when it did.
bool check_expression(Diagnostics& diagnostics, Location where, const std::string& text);

// One statement's arguments. Every reading function returns nothing once an error
// was reported, so a reader can stop at its first failed step.
class Args {
 public:
  Args(const ast::Node& node, Diagnostics& diagnostics, std::string usage)
      : node_(node), diagnostics_(diagnostics), usage_(std::move(usage)) {}

  const ast::Node& node() const { return node_; }

  // The block the statement is in: an argument of the wrong shape then also
  // suggests a statement of that block one letter away (`label big` in a runner).
  void in_context(Context context) {
    context_ = context;
    has_context_ = true;
  }
  bool ok() const { return ok_; }
  bool done() const { return next_ == node_.args.size(); }
  const ast::Value* peek() const { return done() ? nullptr : &node_.args[next_]; }

  void error(Location where, const std::string& message) {
    diagnostics_.error(where, message);
    ok_ = false;
  }

  // The position just after the last token, for "missing X" errors.
  Location end() const;

  // The next argument when it is of one of `kinds`; otherwise an error naming
  // `what` (missing, or of the wrong kind).
  const ast::Value* take(const char* what, std::initializer_list<ast::ValueKind> kinds);

  // A word or a quoted string.
  std::optional<At<std::string>> text(const char* what);
  std::optional<At<std::string>> word(const char* what);
  std::optional<At<std::string>> string(const char* what);

  // A word that `valid` accepts; otherwise the error `invalid(word)` at it.
  template <class Valid, class Invalid>
  std::optional<At<std::string>> word_if(const char* what, Valid valid, Invalid invalid) {
    auto v = word(what);
    if (v && !valid(v->value)) {
      error(v->location, invalid(v->value));
      return std::nullopt;
    }
    return v;
  }

  // Consumes the next argument when it is the word `keyword`.
  bool keyword(const char* keyword);

  // Reports an argument left over, and a block where the statement takes none.
  void finish() { finish(false); }
  // The same for statements that open a block (declarations, targets).
  void finish_header() { finish(true); }

 private:
  bool acceptable(const ast::Value& value);
  void finish(bool block);

  const ast::Node& node_;
  Diagnostics& diagnostics_;
  std::string usage_;
  std::size_t next_ = 0;
  bool ok_ = true;
  Context context_ = Context::top;
  bool has_context_ = false;
};

}  // namespace rigc::elab
