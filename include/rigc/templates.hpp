#pragma once
/// Fixed text of the outputs, from templates/ (embedded). Placeholders are
/// `@name@` with a lowercase name, a syntax no target format uses; any other '@'
/// is literal. A missing
/// variable or an unknown template is an internal error (std::logic_error).

#include <map>
#include <string>

namespace rigc {

using TemplateVars = std::map<std::string, std::string>;

/// Renders templates/<name> with `vars`.
std::string render_template(const std::string& name, const TemplateVars& vars);

}  // namespace rigc
