#pragma once
/// Stage 1: text to syntax tree.

#include "rigc/ast.hpp"
#include "rigc/diagnostics.hpp"

namespace rigc {

/// Maximum nesting of blocks (`image { target { … } }` is 2). Deeper input is an
/// error, so recursion in the parser stays bounded whatever the input.
inline constexpr int kMaxBlockDepth = 8;

/// Parses sources.text(file). Syntax errors go to `diagnostics`; the parser recovers
/// at the next top-level declaration, so every broken declaration is reported. The
/// returned module holds every declaration that parsed.
ast::Module parse(const Sources& sources, std::uint32_t file, Diagnostics& diagnostics);

}  // namespace rigc
