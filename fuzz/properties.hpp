#pragma once
// What every successful compilation must produce, checked on the generated text by
// the fuzz target (fuzz_pipeline.cpp) and proven able to fail by
// `rigc_fuzz_replay --selftest`. Each check returns "" or what is wrong.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "rigc/dockerfile_printer.hpp"
#include "rigc/emit.hpp"
#include "rigc/ir.hpp"
#include "rigc/manifest.hpp"
#include "rigc/text.hpp"

namespace rigc::fuzz {

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

inline std::string trim_left(const std::string& s) {
  const auto at = s.find_first_not_of(" \t");
  return at == std::string::npos ? std::string() : s.substr(at);
}

/// Docker's line continuation: the escape character, then only blanks, at the end.
inline bool continues(const std::string& line) {
  const auto last = line.find_last_not_of(" \t");
  return last != std::string::npos && line[last] == '\\';
}

inline std::string first_word(const std::string& text) {
  const std::string t = trim_left(text);
  return t.substr(0, t.find_first_of(" \t\n"));
}

/// The instruction keywords of a Dockerfile as Docker's parser reads them: comment
/// and blank lines skipped (inside a continuation too), continued lines joined.
inline std::vector<std::string> dockerfile_instructions(const std::string& text) {
  std::vector<std::string> keywords;
  bool continuing = false;
  for (const std::string& line : rigc::text::lines(text)) {
    const std::string t = trim_left(line);
    if (t.empty() || t[0] == '#') continue;
    if (!continuing) keywords.push_back(first_word(t));
    continuing = continues(t);
  }
  return keywords;
}

/// The Dockerfile reads back as exactly the IR's instructions, in order, and no
/// instruction has a line Docker would drop or a continuation out of its last line.
inline std::string check_dockerfile(const ir::Image& image, const std::string& text) {
  std::vector<std::string> expected;
  for (const ir::Stage& stage : image.stages) {
    expected.push_back("FROM");
    for (const ir::Instruction& in : stage.instructions) {
      const std::string printed = rigc::print_instruction(in);
      expected.push_back(first_word(printed));
      const std::vector<std::string> lines = rigc::text::lines(printed);
      for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string t = trim_left(lines[i]);
        if (t.empty() || t[0] == '#')
          return "an instruction line that Docker drops as a comment or blank:\n" + printed;
      }
      if (lines.empty() || continues(lines.back()))
        return "an instruction that continues into the next one:\n" + printed;
      for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        if (!continues(lines[i]))
          return "an instruction line without its continuation:\n" + printed;
      }
    }
  }
  const std::vector<std::string> got = dockerfile_instructions(text);
  if (got == expected) return "";
  std::string detail = "the Dockerfile does not read back as the IR's instructions\nexpected:";
  for (const auto& k : expected)
    detail += " " + k;
  detail += "\nread back:";
  for (const auto& k : got)
    detail += " " + k;
  return detail + "\n" + text;
}

/// LF text ending in exactly one newline, no control characters but tab; YAML parses.
inline std::string check_file(const OutputFile& file) {
  const std::string& t = file.content;
  if (t.empty() || t.back() != '\n' || ends_with(t, "\n\n"))
    return "a file that does not end in exactly one newline: " + file.path;
  for (const char ch : t) {
    const auto u = static_cast<unsigned char>(ch);
    if ((u < 0x20 && ch != '\n' && ch != '\t') || u == 0x7f)
      return "a control character in a generated file: " + file.path;
  }
  if (ends_with(file.path, ".yaml") || ends_with(file.path, ".yml")) {
    try {
      (void)YAML::LoadAll(t);
    } catch (const YAML::Exception& e) {
      return "a generated YAML file does not parse (" + std::string(e.what()) + "): " + file.path;
    }
  }
  return "";
}

/// Every file's own check, each image's Dockerfile, and a manifest (first) that
/// lists every other file.
inline std::string check_outputs(const ir::Build& build, const std::vector<OutputFile>& files) {
  for (const OutputFile& file : files) {
    const std::string problem = check_file(file);
    if (!problem.empty()) return problem;
  }
  for (const ir::Image& image : build.images) {
    bool found = false;
    for (const OutputFile& file : files) {
      if (file.path != image.dockerfile) continue;
      const std::string problem = check_dockerfile(image, file.content);
      if (!problem.empty()) return problem;
      found = true;
    }
    if (!found) return "no Dockerfile for image " + image.name;
  }
  if (files.empty() || files.front().path != kManifestName) return "no manifest first";
  if (parse_manifest(files.front().content).size() + 1 != files.size())
    return "the manifest does not list every file";
  return "";
}

}  // namespace rigc::fuzz
