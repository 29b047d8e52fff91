#pragma once
/// Stage 5: checks the IR against the rules of §4 that lower() is meant to obey,
/// and the spec-level rules that need the whole build (a `copy` or `deps` file
/// that the ignore patterns leave out of the context). A broken rule in generated
/// text is an internal error; a spec that causes one gets a located error.

#include "rigc/diagnostics.hpp"
#include "rigc/ir.hpp"
#include "rigc/resolver.hpp"

namespace rigc {

void validate(const ir::Build& build, const Resolved& resolved, Diagnostics& diagnostics);

}  // namespace rigc
