#pragma once
// Runs the pipeline on a spec held in a string, for unit tests.

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "rigc/diagnostics.hpp"
#include "rigc/elaborate.hpp"
#include "rigc/emit.hpp"
#include "rigc/lower.hpp"
#include "rigc/packs.hpp"
#include "rigc/parser.hpp"
#include "rigc/resolver.hpp"
#include "rigc/validate.hpp"

namespace rigc::test {

struct Result {
  Sources sources;
  Diagnostics diagnostics;
  ast::Module module;
  spec::Module decls;
  Resolved resolved;
  ir::Build build;
  std::vector<OutputFile> files;

  /// Every diagnostic rendered, as the command line prints them.
  std::string rendered() const {
    std::string out;
    for (const Diagnostic& d : diagnostics.all())
      out += render(d, sources, ErrorFormat::human);
    return out;
  }
  const ir::Image& image(const std::string& name) const {
    for (const ir::Image& i : build.images) {
      if (i.name == name) return i;
    }
    throw std::runtime_error("no image " + name);
  }
  std::string dockerfile(const std::string& name) const {
    for (const OutputFile& f : files) {
      if (f.path == name + ".Dockerfile") return f.content;
    }
    throw std::runtime_error("no Dockerfile for " + name);
  }
};

/// Compiles `text` as a spec named "Rigfile", stopping at the first stage with errors.
inline Result compile(const std::string& text) {
  Result r;
  const auto file = r.sources.add("Rigfile", text);
  r.module = parse(r.sources, file, r.diagnostics);
  r.decls = elaborate(r.module, r.diagnostics);
  auto library = load_packs({}, r.sources, r.diagnostics);
  if (r.diagnostics.has_errors()) return r;
  r.resolved = resolve(r.decls, std::move(library), r.diagnostics);
  if (r.diagnostics.has_errors()) return r;
  r.build = lower(r.resolved, {"Rigfile", "docker"}, r.diagnostics);
  if (r.diagnostics.has_errors()) return r;
  validate(r.build, r.diagnostics);
  if (r.diagnostics.has_errors()) return r;
  r.files = emit_all(r.build);
  return r;
}

/// The position of `needle` in `haystack`, or npos; for order assertions.
inline std::size_t at(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle);
}

}  // namespace rigc::test
