#include "rigc/yaml_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ostream>
#include <stdexcept>

namespace rigc::yaml {
namespace {

// Words that YAML 1.1 readers (PyYAML, docker-compose 1.x) resolve to booleans or
// null, and 1.2 readers to null. None is longer than five bytes, and most values
// are: those are answered by their length alone.
bool is_special_word(std::string_view value) {
  static constexpr std::string_view words[] = {
      "y",    "Y",    "yes",  "Yes",   "YES",   "n",     "N",  "no", "No", "NO",
      "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off",
      "Off",  "OFF",  "null", "Null",  "NULL",  "~",     "<<", "="};
  if (value.size() > 5) return false;
  return std::find(std::begin(words), std::end(words), value) != std::end(words);
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

// A plain scalar's text, for Emitter::WriteIntegralType: that public member
// template (yaml-cpp's writer of numbers) prints the value into a
// std::stringstream and writes what was printed as a scalar, unchanged; for this
// type, the text. The stringstream costs about 3,000 instructions a scalar;
// `out << text` would cost about ten times that in yaml-cpp's regular expressions.
struct PlainText {
  std::string_view text;
};

std::ostream& operator<<(std::ostream& out, const PlainText& plain) {
  return out.write(plain.text.data(), static_cast<std::streamsize>(plain.text.size()));
}

}  // namespace

void scalar(YAML::Emitter& out, std::string_view text) {
  // yaml-cpp writes a key of more than 1,024 bytes in long form; leave those to it.
  const Form form = text.size() > 1024 ? Form::unknown : block_form(text);
  if (form == Form::plain) {
    out.WriteIntegralType(PlainText{text});
  } else if (form == Form::double_quoted) {
    out << YAML::DoubleQuoted << std::string(text);
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
  out << YAML::DoubleQuoted << value;
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

void literal(YAML::Emitter& out, const std::string& text) {
  // yaml-cpp writes a final line break as an empty line of the block: the text
  // goes without it, and the block keeps its lines (`|-` is not needed: YAML's
  // clipping leaves one final line break either way).
  std::string_view lines(text);
  while (!lines.empty() && lines.back() == '\n')
    lines.remove_suffix(1);
  out << YAML::Literal << std::string(lines);
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
