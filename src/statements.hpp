#pragma once
// The statement table: every statement of the language, the blocks it may appear
// in, its usage line, and the reader that fills the typed module from its
// arguments. The walker (src/elaborate.cpp) looks statements up here; so do
// statement_keywords() and statement_usage() for "did you mean", completions and
// `rigc fmt`.

#include <string>
#include <vector>

#include "rigc/elaborate.hpp"
#include "rigc/spec.hpp"

namespace rigc::elab {

class Args;

// Reads a statement's arguments into the settings or the pack being built.
using SettingsReader = void (*)(Args&, spec::Settings&);
using PackReader = void (*)(Args&, spec::PackDecl&);

// The bit of a context in Statement::contexts.
constexpr unsigned bit(Context context) {
  return 1u << static_cast<unsigned>(context);
}

struct Statement {
  const char* keyword;
  unsigned contexts;  // bit() of every context that allows it
  bool single;        // single-valued: may appear once per block
  const char* usage;
  // The reader in defaults, image, runner and target blocks; null for the
  // declarations and `target`, which the walker reads itself.
  SettingsReader settings;
  PackReader pack;  // the reader in pack blocks
  // What to write instead in the blocks that do not allow it, when that is another
  // statement ("packs" for a pack's `requires` in an image); suggested where that
  // statement is allowed.
  const char* instead = nullptr;
};

// Every statement, declarations first. A keyword that means different things in
// settings and in packs (`apt`, `run`, …) has a row for each.
const std::vector<Statement>& statement_table();

// The statement `keyword` names in `context`, or null.
const Statement* find_statement(const std::string& keyword, Context context);

// How errors name a context: "an image", "'defaults'", "the top level".
const char* context_name(Context context);

// "; did you mean 'labels'?" when another statement allowed in `context` is one
// edit away from `keyword` (`label big` in a runner, which meant its labels), or "".
std::string neighbour_hint(const std::string& keyword, Context context);

// "; did you mean 'packs'?" for a statement that `context` does not allow: the
// statement to write there instead (a pack's `requires` in an image), or the
// closest one it allows; "" when there is none.
std::string misplaced_hint(const Statement& statement, Context context);

}  // namespace rigc::elab
