#pragma once
/// The Dockerfile printer: the only code that writes Dockerfile keywords, flags,
/// quoting and continuation lines. It turns typed IR into text and never the
/// other way round.

#include <string>
#include <vector>

#include "rigc/ir.hpp"

namespace rigc {

/// One instruction as it appears in the Dockerfile, without its comments; a long
/// instruction continues on lines indented by four spaces after " \".
std::string print_instruction(const ir::Instruction& instruction);

/// Stages as the Dockerfile lists them: each with its purpose above its FROM and
/// each instruction with its comments, appended to `out`.
void stages_text(const std::vector<ir::Stage>& stages, std::string& out);

/// One image's whole Dockerfile: the header, then each stage with its purpose
/// above its FROM and each instruction with its comments.
std::string dockerfile_text(const ir::Build& build, const ir::Image& image);

}  // namespace rigc
