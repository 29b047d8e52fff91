#pragma once
/// Stage 2: syntax tree to typed declarations, through the statement table.

#include <string>
#include <vector>

#include "rigc/ast.hpp"
#include "rigc/diagnostics.hpp"
#include "rigc/spec.hpp"

namespace rigc {

/// Where a statement may appear.
enum class Context { top, defaults, image, runner, target, pack };

/// Checks every statement against the statement table (known keyword, arguments of
/// the right shape and value) and builds the typed module. Errors go to `diagnostics`.
spec::Module elaborate(const ast::Module& module, Diagnostics& diagnostics);

/// The keywords valid in a context, sorted (for "did you mean", completions and fmt).
std::vector<std::string> statement_keywords(Context context);

/// The usage line of a statement, e.g. "limits cpus N memory SIZE".
std::string statement_usage(const std::string& keyword);

/// True when an `env`/`arg` name looks like it holds a secret (BuildKit's
/// SecretsUsedInArgOrEnv rule): a name part like token, password or key.
bool looks_like_secret(const std::string& name);

}  // namespace rigc
