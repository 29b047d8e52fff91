#pragma once
// Runs the pipeline on a spec held in a string, for unit tests.

#include <algorithm>
#include <stdexcept>
#include <string>

#include "rigc/compile.hpp"
#include "rigc/diagnostics.hpp"
// The stages, for tests that call one of them directly.
#include "rigc/elaborate.hpp"
#include "rigc/emit.hpp"
#include "rigc/lower.hpp"
#include "rigc/packs.hpp"
#include "rigc/parser.hpp"
#include "rigc/resolver.hpp"
#include "rigc/validate.hpp"

namespace rigc::test {

/// Every stage's result (Stop::everything), with the sources they point into.
struct Result : Compilation {
  Sources sources;

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

/// Compiles `text` as a spec named "Rigfile" whose files go to docker/ beside it,
/// stopping at the first stage with errors.
inline Result compile(const std::string& text) {
  Result r;
  const std::uint32_t file = r.sources.add("Rigfile", text);
  static_cast<Compilation&>(r) = rigc::compile(r.sources, file, CompileOptions{}, Stop::everything);
  return r;
}

/// The position of `needle` in `haystack`, or npos; for order assertions.
inline std::size_t at(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle);
}

}  // namespace rigc::test
