#include "rigc/yaml_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace rigc::yaml {
namespace {

// Words that YAML 1.1 readers (PyYAML, docker-compose 1.x) resolve to booleans or
// null, and 1.2 readers to null.
bool is_special_word(const std::string& value) {
  static const char* const words[] = {"y",     "Y",     "yes",  "Yes",  "YES",  "n",    "N",
                                      "no",    "No",    "NO",   "true", "True", "TRUE", "false",
                                      "False", "FALSE", "on",   "On",   "ON",   "off",  "Off",
                                      "OFF",   "null",  "Null", "NULL", "~",    "<<",   "="};
  return std::any_of(std::begin(words), std::end(words), [&](const char* w) { return value == w; });
}

// Anything a reader might take for a number, a sexagesimal number, a timestamp
// or a special float: it starts like a number and uses only number characters.
bool looks_numeric(const std::string& value) {
  const unsigned char first = static_cast<unsigned char>(value.front());
  if (!std::isdigit(first) && first != '+' && first != '-' && first != '.') return false;
  if (std::none_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); }) &&
      value.find_first_of("iInN") == std::string::npos) {
    return false;  // "..", "-", "--": punctuation only
  }
  return std::all_of(value.begin(), value.end(), [](unsigned char c) {
    return std::isdigit(c) || std::isxdigit(c) || std::strchr("xXoO._:+-tTzZ ", c) != nullptr ||
           c == 'i' || c == 'n' || c == 'I' || c == 'N';
  });
}

}  // namespace

void string(YAML::Emitter& out, const std::string& value) {
  if (value.empty() || is_special_word(value) || looks_numeric(value)) {
    quoted(out, value);
  } else {
    out << value;
  }
}

void quoted(YAML::Emitter& out, const std::string& value) {
  out << YAML::DoubleQuoted << value;
}

void strings(YAML::Emitter& out, const std::vector<std::string>& values) {
  out << YAML::BeginSeq;
  for (const std::string& v : values)
    string(out, v);
  out << YAML::EndSeq;
}

std::string document(const std::string& header, const YAML::Emitter& out) {
  if (!out.good()) throw std::logic_error("YAML emitter: " + out.GetLastError());
  return header + out.c_str() + "\n";
}

void configure(YAML::Emitter& out) {
  out.SetIndent(2);
  out.SetMapFormat(YAML::Block);
  out.SetSeqFormat(YAML::Block);
}

}  // namespace rigc::yaml
