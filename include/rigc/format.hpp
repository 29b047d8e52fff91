#pragma once
/// `rigc fmt`: the canonical text of a spec, from its syntax tree. Statement order
/// and comments are kept; indentation is two spaces per block, tokens are separated
/// by one space, runs of blank lines become one, declarations are separated by one
/// blank line, and trailing comments of consecutive lines are aligned.
/// Formatting formatted text changes nothing.

#include <string>

#include "rigc/ast.hpp"

namespace rigc {

std::string format_module(const ast::Module& module);

/// One statement without a block as `rigc fmt` writes it, without indentation or
/// comment: its head and arguments separated by one space, strings quoted.
std::string format_statement(const ast::Node& node);

}  // namespace rigc
