// One fuzz input is one spec, run through the whole pipeline as `rigc build` runs
// it up to the disk (compile(), rigc/compile.hpp): parse → elaborate → (stock
// packs) → resolve → lower → validate → emit_all → manifest, then fmt, plan and
// graph on what compiled, and every diagnostic rendered both ways. Besides
// crashes, hangs and sanitizer reports, it checks properties every run must have;
// a broken one aborts, so libFuzzer (or the replay driver, tests/CMakeLists.txt)
// reports the input:
//
//   - no "internal error": a spec that breaks a rule of the generated files must be
//     rejected with a located error before lower();
//   - every generated Dockerfile reads back, the way Docker's parser reads it, as
//     exactly the instructions of the IR, in order: nothing from the spec adds,
//     swallows or comments out an instruction (line breaks, `\` continuations);
//   - every generated file is LF text ending in one newline, without control
//     characters; every YAML file parses; the manifest lists every file;
//   - `rigc fmt` output parses, is a fixed point, and compiles to the same files.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/properties.hpp"
#include "rigc/compile.hpp"
#include "rigc/diagnostics.hpp"
#include "rigc/format.hpp"
#include "rigc/graph.hpp"
#include "rigc/packs.hpp"
#include "rigc/plan.hpp"

namespace {

using namespace rigc;

[[noreturn]] void fail(const std::string& what, const std::string& detail) {
  std::fprintf(stderr, "rigc fuzz property broken: %s\n%s\n", what.c_str(), detail.c_str());
  std::abort();
}

// The stock packs, parsed once: every input starts from a copy.
struct Stock {
  Sources sources;
  std::vector<spec::PackDecl> packs;
};

const Stock& stock() {
  static const Stock loaded = [] {
    Stock s;
    Diagnostics diagnostics;
    s.packs = load_packs({}, s.sources, diagnostics);
    if (diagnostics.has_errors()) fail("the stock packs do not load", "");
    return s;
  }();
  return loaded;
}

// One input compiled as `rigc build` compiles a spec "Rigfile" whose outputs go to
// docker/, every stage's result kept.
struct Compiled : Compilation {
  Sources sources;
};

void compile(const std::string& text, Compiled& c) {
  c.sources = stock().sources;
  const std::uint32_t file = c.sources.add("Rigfile", text);
  CompileOptions options;
  options.library = &stock().packs;
  static_cast<Compilation&>(c) = rigc::compile(c.sources, file, options, Stop::everything);
}

void render_all(const Compiled& c) {
  for (const Diagnostic& d : c.diagnostics.all()) {
    // rigc's own internal errors start the message; a spec's text quoted in a
    // message ("… 'internal error' …") does not count.
    if (d.message.rfind("internal error", 0) == 0)
      fail("an internal error reached the user", render(d, c.sources, ErrorFormat::human));
    (void)render(d, c.sources, ErrorFormat::human, true);
    (void)render(d, c.sources, ErrorFormat::github);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Compiled c;
  compile(text, c);
  render_all(c);
  if (c.ok()) {
    const std::string problem = fuzz::check_outputs(c.build, c.files);
    if (!problem.empty()) fail("a generated file breaks a property", problem);
    (void)plan_text(c.build);
    (void)plan_json(c.build);
    (void)graph_dot(c.resolved, c.build);
    (void)graph_mermaid(c.resolved, c.build);
  }
  // fmt: only specs without syntax errors are formatted.
  if (c.syntax_ok) {
    const std::string formatted = format_module(c.module);
    Compiled again;
    compile(formatted, again);
    if (!again.syntax_ok) fail("fmt output does not parse", text + "\n---\n" + formatted);
    const std::string twice = format_module(again.module);
    if (twice != formatted) fail("fmt is not idempotent", formatted + "\n---\n" + twice);
    if (again.ok() != c.ok())
      fail("fmt changed whether the spec compiles", text + "\n---\n" + formatted);
    if (c.ok()) {
      for (std::size_t i = 0; i < c.files.size() && i < again.files.size(); ++i) {
        // The manifest and headers name the same spec, so the files must be equal.
        if (c.files[i].path != again.files[i].path || c.files[i].content != again.files[i].content)
          fail("fmt changed the generated " + c.files[i].path, text + "\n---\n" + formatted);
      }
      if (c.files.size() != again.files.size()) fail("fmt changed the set of files", formatted);
    }
  }
  return 0;
}
