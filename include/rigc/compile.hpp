#pragma once
/// The whole pipeline on a spec's text: parse → elaborate → (packs) → resolve →
/// lower → validate → emit, and the manifest. Every command, the tests, the fuzzer
/// and the benchmark compile through here; the disk is left to output.hpp.

#include <cstdint>
#include <string>
#include <vector>

#include "rigc/ast.hpp"
#include "rigc/diagnostics.hpp"
#include "rigc/emit.hpp"
#include "rigc/ir.hpp"
#include "rigc/lower.hpp"
#include "rigc/resolver.hpp"
#include "rigc/spec.hpp"

namespace rigc {

/// What the caller reads of a compilation. The pipeline runs as far as that needs,
/// and frees each stage's result once the next stage has used it unless the caller
/// reads it: for a spec of a thousand images the syntax tree, the declarations and
/// the resolution weigh as much as the generated files.
enum class Stop {
  declarations,  ///< parse and elaborate: `decls` (`new` checks the names taken)
  ir,            ///< through validate: `build` (`plan`)
  resolution,    ///< through validate: `decls`, `resolved` and `build` (`graph`)
  files,         ///< through emit: `files` (`build`, `check`, `new`)
  everything,    ///< through emit, keeping every stage's result (tests, the fuzzer)
};

/// What a compilation reads besides the spec, and where its files go.
struct CompileOptions {
  std::vector<std::string> pack_path;  ///< directories of more packs (--pack-path)
  /// Packs loaded before, into the same Sources (or a copy of the Sources they were
  /// loaded into), used instead of loading the stock packs and pack_path again.
  const std::vector<spec::PackDecl>* library = nullptr;
  std::string output_dir = "docker";  ///< where the files go, as a path to open
  /// The root of the git repository holding the spec, as a path to open ("" outside
  /// one): where a workflow written with `ci-workflow` goes.
  std::string repository_root;
  /// The spec and the output directory as the generated files name them.
  LowerOptions lower{"Rigfile", "docker"};
};

/// The options for the spec at `spec_path` whose files go to `output_dir` ("" means
/// docker/ beside the spec), with paths relative to the spec's directory and to the
/// root of the git repository holding it (the nearest ancestor with a `.git`).
/// Reads no file; looks for `.git` directories.
CompileOptions compile_options(const std::string& spec_path, const std::string& output_dir,
                               const std::vector<std::string>& pack_path);

/// What one compilation produced. Which results are kept depends on the Stop; the
/// diagnostics always are. (`resolved` points into `decls`, which owns what it points
/// to on the heap: a Compilation can be moved.)
struct Compilation {
  Diagnostics diagnostics;
  bool syntax_ok = false;  ///< parse reported no errors: `module` is the whole spec
  ast::Module module;      ///< the syntax tree (Stop::everything)
  spec::Module decls;
  Resolved resolved;
  ir::Build build;
  std::vector<OutputFile> files;  ///< the manifest first

  /// No stage reported an error.
  bool ok() const { return !diagnostics.has_errors(); }
};

/// Compiles sources.text(file) as far as `stop_after` needs, stopping between stages
/// as soon as one reported errors. Pack files are added to `sources`, so every
/// diagnostic renders against it.
Compilation compile(Sources& sources, std::uint32_t file, const CompileOptions& options,
                    Stop stop_after);

}  // namespace rigc
