#pragma once
/// YAML through yaml-cpp's emitter, for the Compose file and the GitHub files.
/// Every string from a spec goes through `yaml::string`, so that no value can
/// change the structure of the document or be read back as another type.
///
/// Collections are block collections, except the two flow forms below
/// (`flow_quoted`, `empty_map`), which hold only double-quoted strings: the
/// scalar functions decide plain or quoted for block context (in flow context
/// `,[]{}` would end a plain scalar), so nothing else may open a flow collection.

#include <yaml-cpp/emitter.h>

#include <string>
#include <string_view>
#include <vector>

namespace rigc::yaml {

/// The scalar yaml-cpp writes for `out << text` in block context: plain when
/// yaml-cpp allows it, double-quoted otherwise. The choice is made here for
/// printable ASCII, without yaml-cpp's per-character regular expressions.
void scalar(YAML::Emitter& out, std::string_view text);

/// A mapping key written as `scalar`, then YAML::Value.
void key(YAML::Emitter& out, std::string_view text);

/// A string scalar: plain when every YAML reader (1.1 or 1.2) reads it back as
/// the same string, double-quoted otherwise ("true", "0.5", "22:22", "", "~").
void string(YAML::Emitter& out, const std::string& value);

/// A string scalar, always double-quoted.
void quoted(YAML::Emitter& out, const std::string& value);

/// A block sequence of strings.
void strings(YAML::Emitter& out, const std::vector<std::string>& values);

/// A flow sequence of double-quoted strings: ["a", "b"].
void flow_quoted(YAML::Emitter& out, const std::vector<std::string>& values);

/// A literal block scalar (`|`), for the fixed scripts of `run:` steps: lines kept as
/// they are. For fixed text only, never a spec's values.
void literal(YAML::Emitter& out, const std::string& text);

/// An empty flow mapping: {}.
void empty_map(YAML::Emitter& out);

/// `header` (comment lines, each ending in '\n'), then the document, then one newline.
std::string document(const std::string& header, const YAML::Emitter& out);

/// A fresh emitter with the project's layout: two-space indentation, sequences
/// indented under their key.
void configure(YAML::Emitter& out);

}  // namespace rigc::yaml
