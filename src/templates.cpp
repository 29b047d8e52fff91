#include "rigc/templates.hpp"

#include <fmt/format.h>

#include <cctype>
#include <stdexcept>

#include "rigc/embedded.hpp"

namespace rigc {

std::string render_template(const std::string& name, const TemplateVars& vars) {
  const embedded::File* file = nullptr;
  for (const embedded::File& f : embedded::templates()) {
    if (f.name == name) file = &f;
  }
  if (file == nullptr) throw std::logic_error(fmt::format("no template '{}'", name));
  const std::string_view text = file->text;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Text up to the next '@' is copied as is.
    const std::size_t at = text.find('@', i);
    out.append(text, i, (at == std::string_view::npos ? text.size() : at) - i);
    if (at == std::string_view::npos) break;
    i = at;
    // A placeholder is @name@ with a lowercase name; any other '@' is literal text
    // (shell's "$@", "${args[@]}").
    std::size_t end = i + 1;
    while (end < text.size() && (std::islower(static_cast<unsigned char>(text[end])) ||
                                 std::isdigit(static_cast<unsigned char>(text[end])) ||
                                 text[end] == '_' || text[end] == '-')) {
      ++end;
    }
    if (text[i] != '@' || end == i + 1 || end == text.size() || text[end] != '@' ||
        !std::islower(static_cast<unsigned char>(text[i + 1]))) {
      out += text[i];
      continue;
    }
    const std::string key(text.substr(i + 1, end - i - 1));
    const auto it = vars.find(key);
    if (it == vars.end()) {
      throw std::logic_error(fmt::format("template '{}': no value for @{}@", name, key));
    }
    out += it->second;
    i = end;
  }
  return out;
}

}  // namespace rigc
