#include "rigc/compile.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "rigc/manifest.hpp"
#include "rigc/packs.hpp"

using namespace rigc;
namespace fs = std::filesystem;

namespace {

const char* const kSpec = "image api {\n  packs python\n}\n";

Compilation compile_text(Sources& sources, const std::string& text, Stop stop,
                         const CompileOptions& options = {}) {
  return compile(sources, sources.add("Rigfile", text), options, stop);
}

std::string rendered(const Compilation& c, const Sources& sources) {
  std::string out;
  for (const Diagnostic& d : c.diagnostics.all())
    out += render(d, sources, ErrorFormat::human);
  return out;
}

}  // namespace

TEST_CASE("compile keeps what the caller reads, and frees the rest") {
  Sources s1, s2, s3, s4, s5;
  const Compilation files = compile_text(s1, kSpec, Stop::files);
  REQUIRE(files.ok());
  CHECK(files.syntax_ok);
  CHECK(files.module.nodes.empty());
  CHECK(files.decls.images.empty());
  CHECK(files.resolved.images.empty());
  CHECK(files.build.images.empty());
  REQUIRE(files.files.size() > 2);
  CHECK(files.files.front().path == kManifestName);
  CHECK(parse_manifest(files.files.front().content).size() + 1 == files.files.size());

  const Compilation ir = compile_text(s2, kSpec, Stop::ir);
  CHECK(ir.decls.images.empty());
  CHECK(ir.resolved.images.empty());
  CHECK(ir.build.images.size() == 1);
  CHECK(ir.files.empty());

  const Compilation graph = compile_text(s3, kSpec, Stop::resolution);
  CHECK(graph.decls.images.size() == 1);
  CHECK(graph.resolved.images.size() == 1);
  CHECK(graph.resolved.images[0].decl == &graph.decls.images[0]);
  CHECK(graph.build.images.size() == 1);
  CHECK(graph.files.empty());

  const Compilation names = compile_text(s4, kSpec, Stop::declarations);
  CHECK(names.decls.images.size() == 1);
  CHECK(names.resolved.images.empty());
  CHECK(s4.size() == 1);  // no pack was loaded

  const Compilation all = compile_text(s5, kSpec, Stop::everything);
  CHECK(all.module.nodes.size() == 1);
  CHECK(all.decls.images.size() == 1);
  CHECK(all.resolved.images.size() == 1);
  CHECK(all.build.images.size() == 1);
  CHECK(all.files.size() == files.files.size());
}

TEST_CASE("compile stops after the first stage that reported errors") {
  Sources sources;
  const Compilation c =
      compile_text(sources, "image api {\n  packs pyhton\n}\nimage {\n", Stop::everything);
  CHECK_FALSE(c.ok());
  CHECK_FALSE(c.syntax_ok);
  CHECK(c.decls.images.size() == 1);  // elaborate runs after a syntax error…
  CHECK(c.resolved.images.empty());   // …resolve does not
  CHECK(c.files.empty());

  Sources later;
  const Compilation unknown = compile_text(later, "image api {\n  packs pyhton\n}\n", Stop::files);
  CHECK(unknown.syntax_ok);
  CHECK(rendered(unknown, later) ==
        "Rigfile:2:9: error: unknown pack 'pyhton'; did you mean 'python'?\n"
        "    packs pyhton\n"
        "          ^~~~~~\n");
  CHECK(unknown.build.images.empty());
}

TEST_CASE("compile uses packs loaded before instead of loading them again") {
  Sources sources;
  Diagnostics diagnostics;
  const std::vector<spec::PackDecl> library = load_packs({}, sources, diagnostics);
  REQUIRE_FALSE(diagnostics.has_errors());
  const std::size_t pack_files = sources.size();
  CompileOptions options;
  options.library = &library;
  const Compilation c = compile_text(sources, kSpec, Stop::files, options);
  CHECK(c.ok());
  CHECK(sources.size() == pack_files + 1);
}

TEST_CASE("a runner needs its entrypoint inside the spec's directory") {
  const std::string runner = "runner ci {\n  packs git\n}\n";
  CompileOptions options;
  options.output_dir = "../out";
  options.lower.output_dir = "../out";
  Sources sources;
  const Compilation c = compile_text(sources, runner, Stop::files, options);
  CHECK(rendered(c, sources) ==
        "Rigfile:1:8: error: runner 'ci' needs runner-entrypoint.sh in its build context, but the "
        "output directory '../out' is outside the spec's directory\n"
        "  runner ci {\n"
        "         ^~\n");
  CHECK(c.files.empty());
  Sources images;
  CHECK(compile_text(images, kSpec, Stop::files, options).ok());  // an image does not
}

TEST_CASE("compile options: paths from the spec's directory and the repository root") {
  char name[] = "/tmp/rigc-test-XXXXXX";
  const fs::path root = ::mkdtemp(name);
  fs::create_directories(root / ".git");
  fs::create_directories(root / "ci" / "images");
  const std::string spec = (root / "ci" / "images" / "Rigfile").string();

  const CompileOptions beside = compile_options(spec, "", {"packs"});
  CHECK(beside.pack_path == std::vector<std::string>{"packs"});
  CHECK(beside.output_dir == (root / "ci" / "images" / "docker").string());
  CHECK(beside.lower.spec_name == "Rigfile");
  CHECK(beside.lower.output_dir == "docker");
  CHECK(beside.lower.context == "..");
  CHECK(beside.lower.repo_dir == "ci/images");

  const CompileOptions same = compile_options(spec, (root / "ci" / "images").string(), {});
  CHECK(same.lower.output_dir == ".");
  CHECK(same.lower.context == ".");

  const CompileOptions outside = compile_options(spec, (root / "out").string(), {});
  CHECK(outside.output_dir == (root / "out").string());
  CHECK(outside.lower.output_dir == "../../out");
  CHECK(outside.lower.context == "../ci/images");
  fs::remove_all(root);
}

TEST_CASE("every independent error in one run; what depends on a broken declaration is left out") {
  Sources sources;
  const Compilation c = compile_text(sources,
                                     "image broken {\n  tag -bad\n}\n"
                                     "image child extends broken {\n  packs lost\n}\n"
                                     "image misspelled {\n  packs pyhton\n}\n"
                                     "image fine {\n  packs git\n}\n",
                                     Stop::files);
  std::vector<std::string> lines;
  for (const Diagnostic& d : c.diagnostics.all())
    lines.push_back(std::to_string(d.location.line) + ": " + d.message);
  // Elaboration's error and resolution's, but nothing about 'child', whose parent
  // is broken (not even its unknown pack); and no files.
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("2: invalid tag '-bad'", 0) == 0);
  CHECK(lines[1] == "8: unknown pack 'pyhton'; did you mean 'python'?");
  CHECK(c.files.empty());
}

TEST_CASE("a spec with no image or runner is an error; one whose images are broken says only why") {
  Sources empty, packs_only, broken;
  CHECK(rendered(compile_text(empty, "", Stop::files), empty) ==
        "Rigfile:1:1: error: the spec is empty: it declares no image and no runner, so there is "
        "nothing to generate; add one, e.g. `rigc new runner ci --packs git`, or an 'image NAME "
        "{ … }' block\n");
  const Compilation p = compile_text(packs_only, "pack tool {\n  apt tool\n}\n", Stop::files);
  CHECK(p.diagnostics.error_count() == 1);
  CHECK(p.diagnostics.all()[0].message.rfind("the spec declares no image and no runner", 0) == 0);
  const Compilation b = compile_text(broken, "image a {\n  packs \"open\n}\n", Stop::files);
  CHECK(b.diagnostics.error_count() == 1);  // the syntax error, not "declares no image"
}

TEST_CASE("the build context on disk, only when the caller names it") {
  char name[] = "/tmp/rigc-context-XXXXXX";
  const fs::path dir = ::mkdtemp(name);
  const std::string spec =
      "image a {\n  packs python\n  deps requirements.txt\n  copy src /app\n  copy *.cfg "
      "/etc/a/\n}\n";
  Sources pure;
  CHECK(compile_text(pure, spec, Stop::files).ok());  // no context_dir: the disk is not read
  CompileOptions options;
  options.context_dir = dir.string();
  Sources missing;
  const Compilation m = compile_text(missing, spec, Stop::files, options);
  REQUIRE(m.diagnostics.error_count() == 3);
  CHECK(m.diagnostics.all()[0].message.find("deps file 'requirements.txt' of image 'a' is not in "
                                            "the build context") != std::string::npos);
  CHECK(m.diagnostics.all()[1].message.find("copy source 'src'") != std::string::npos);
  CHECK(m.diagnostics.all()[2].message.find("copy source '*.cfg' of image 'a' matches nothing") !=
        std::string::npos);
  CHECK(m.files.empty());
  std::ofstream(dir / "requirements.txt") << "\n";
  fs::create_directory(dir / "src");
  std::ofstream(dir / "app.cfg") << "\n";
  Sources present;
  CHECK(compile_text(present, spec, Stop::files, options).ok());
  // A file the ignore lines leave out does not count for a wildcard.
  Sources ignored;
  const Compilation i =
      compile_text(ignored, spec + "ignore {\n  app.cfg\n}\n", Stop::files, options);
  REQUIRE(i.diagnostics.error_count() == 1);
  CHECK(i.diagnostics.all()[0].message.find("matches nothing") != std::string::npos);
  fs::remove_all(dir);
}
