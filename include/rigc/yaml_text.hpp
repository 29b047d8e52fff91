#pragma once
/// YAML through yaml-cpp's emitter, for the Compose file and the GitHub files.
/// Every string from a spec goes through `yaml::string`, so that no value can
/// change the structure of the document or be read back as another type.

#include <yaml-cpp/emitter.h>

#include <string>
#include <vector>

namespace rigc::yaml {

/// A string scalar: plain when every YAML reader (1.1 or 1.2) reads it back as
/// the same string, double-quoted otherwise ("true", "0.5", "22:22", "", "~").
void string(YAML::Emitter& out, const std::string& value);

/// A string scalar, always double-quoted.
void quoted(YAML::Emitter& out, const std::string& value);

/// A block sequence of strings.
void strings(YAML::Emitter& out, const std::vector<std::string>& values);

/// `header` (comment lines, each ending in '\n'), then the document, then one newline.
std::string document(const std::string& header, const YAML::Emitter& out);

/// A fresh emitter with the project's layout: two-space indentation, sequences
/// indented under their key.
void configure(YAML::Emitter& out);

}  // namespace rigc::yaml
