#pragma once
/// `rigc graph`: the pack dependency graph (solid edges: requires; dashed: after)
/// and, per image, the stage graph (FROM and COPY --from), as Graphviz DOT or
/// Mermaid.

#include <string>

#include "rigc/ir.hpp"
#include "rigc/resolver.hpp"

namespace rigc {

std::string graph_dot(const Resolved& resolved, const ir::Build& build);
std::string graph_mermaid(const Resolved& resolved, const ir::Build& build);

}  // namespace rigc
