#pragma once
/// Stage 5: checks the IR against the rules of §4 that lower() is meant to obey,
/// and the spec-level rules that need the whole build (a `copy` or `deps` file
/// that the ignore patterns leave out of the context). A broken rule in the IR is
/// an internal error; a spec that causes one gets a located error. Every rule
/// reads typed fields of the IR, never generated text.

#include "rigc/diagnostics.hpp"
#include "rigc/ir.hpp"

namespace rigc {

void validate(const ir::Build& build, Diagnostics& diagnostics);

}  // namespace rigc
