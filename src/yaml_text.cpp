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

enum class Form { plain, double_quoted, unknown };

// The form yaml-cpp 0.7 gives `text` in block context (its IsValidPlainScalar),
// worked out here for printable ASCII: plain unless it is a null word, starts
// with a blank or an indicator (`,[]{}#&*!|>'"%@` and backquote, or `-?:` before
// a blank or the end), ends with a blank, or holds ": ", a final ':' or " #".
// Other text (tabs, line breaks, control bytes, UTF-8) is left to yaml-cpp.
Form block_form(std::string_view text) {
  const bool printable =
      std::all_of(text.begin(), text.end(), [](char c) { return c >= ' ' && c <= '~'; });
  if (!printable) return Form::unknown;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return Form::double_quoted;
  const char first = text.front();
  if (first == ' ' || std::strchr(",[]{}#&*!|>'\"%@`", first) != nullptr)
    return Form::double_quoted;
  if (std::strchr("-?:", first) != nullptr && (text.size() == 1 || text[1] == ' '))
    return Form::double_quoted;
  if (text.back() == ' ' || text.back() == ':') return Form::double_quoted;
  if (text.find(": ") != std::string_view::npos || text.find(" #") != std::string_view::npos)
    return Form::double_quoted;
  return Form::plain;
}

// A plain scalar's text, written as is (below).
struct Verbatim {
  std::string_view text;
};

}  // namespace
}  // namespace rigc::yaml

// yaml-cpp writes a scalar's text unchanged only through WriteIntegralType, the
// member template for numbers, whose generic body formats the value through a
// std::stringstream built for each call (as much as the rest of a Compose file).
// This specialization takes the same steps (PrepareNode, the text, StartedScalar)
// and writes the text itself; yaml-cpp's own plain path writes the same bytes.
namespace YAML {
template <>
Emitter& Emitter::WriteIntegralType<rigc::yaml::Verbatim>(rigc::yaml::Verbatim value) {
  if (!good()) return *this;
  PrepareNode(EmitterNodeType::Scalar);
  m_stream.write(value.text.data(), value.text.size());
  StartedScalar();
  return *this;
}
}  // namespace YAML

namespace rigc::yaml {

void scalar(YAML::Emitter& out, std::string_view text) {
  // yaml-cpp writes a key of more than 1,024 bytes in long form; leave those to it.
  const Form form = text.size() > 1024 ? Form::unknown : block_form(text);
  if (form == Form::plain) {
    out.WriteIntegralType(Verbatim{text});
  } else if (form == Form::double_quoted) {
    quoted(out, std::string(text));
  } else {
    out << std::string(text);
  }
}

void key(YAML::Emitter& out, std::string_view text) {
  out << YAML::Key;
  scalar(out, text);
  out << YAML::Value;
}

void string(YAML::Emitter& out, const std::string& value) {
  if (value.empty() || is_special_word(value) || looks_numeric(value)) {
    quoted(out, value);
  } else {
    scalar(out, value);
  }
}

void quoted(YAML::Emitter& out, const std::string& value) {
  // yaml-cpp escapes '"', '\\', control characters and some of UTF-8; printable
  // ASCII without '"' and '\\' it writes between quotes unchanged.
  const bool plain_inside =
      value.size() <= 1024 && std::all_of(value.begin(), value.end(), [](char c) {
        return c >= ' ' && c <= '~' && c != '"' && c != '\\';
      });
  if (plain_inside) {
    out.WriteIntegralType(Verbatim{"\"" + value + "\""});
  } else {
    out << YAML::DoubleQuoted << value;
  }
}

void strings(YAML::Emitter& out, const std::vector<std::string>& values) {
  out << YAML::BeginSeq;
  for (const std::string& v : values)
    string(out, v);
  out << YAML::EndSeq;
}

void flow_quoted(YAML::Emitter& out, const std::vector<std::string>& values) {
  out << YAML::Flow << YAML::BeginSeq;
  for (const std::string& v : values)
    quoted(out, v);
  out << YAML::EndSeq;
}

void empty_map(YAML::Emitter& out) {
  out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
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
