#include "rigc/compile.hpp"

#include <filesystem>

#include "rigc/elaborate.hpp"
#include "rigc/manifest.hpp"
#include "rigc/packs.hpp"
#include "rigc/parser.hpp"
#include "rigc/validate.hpp"

namespace rigc {
namespace fs = std::filesystem;

namespace {

// `to` seen from `from`, both absolute; "." when they are the same directory.
std::string relative_or_dot(const fs::path& to, const fs::path& from) {
  const fs::path rel = to.lexically_normal().lexically_relative(from.lexically_normal());
  std::string text = rel.generic_string();
  while (text.size() > 1 && text.back() == '/')
    text.pop_back();
  return text.empty() ? "." : text;
}

// The root of the git repository holding `dir` (the nearest ancestor with a
// `.git`), or "" outside a repository. Workflows name paths from there.
fs::path find_repository_root(const fs::path& dir) {
  std::error_code ec;
  for (fs::path p = dir.lexically_normal(); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / ".git", ec)) return p;
    if (p == p.root_path()) break;
  }
  return {};
}

}  // namespace

CompileOptions compile_options(const std::string& spec_path, const std::string& output_dir,
                               const std::vector<std::string>& pack_path) {
  CompileOptions options;
  options.pack_path = pack_path;
  const fs::path spec(spec_path);
  options.output_dir = output_dir.empty() ? (spec.parent_path() / "docker").string() : output_dir;
  // `rigc new` compiles a spec it has not read, whose path may be empty (writing it
  // then fails): fs::absolute would throw.
  const fs::path spec_dir = spec.empty() ? fs::path() : fs::absolute(spec).parent_path();
  const fs::path out = fs::absolute(options.output_dir);
  const fs::path out_rel = out.lexically_normal().lexically_relative(spec_dir.lexically_normal());
  options.lower.spec_name = spec.filename().string();
  options.lower.output_dir = out_rel.empty() ? "." : out_rel.string();
  options.lower.context = relative_or_dot(spec_dir, out);
  const fs::path root = spec.empty() ? fs::path() : find_repository_root(spec_dir);
  options.repository_root = root.string();
  options.lower.in_repository = !root.empty();
  options.lower.repo_dir = relative_or_dot(spec_dir, root.empty() ? spec_dir : root);
  return options;
}

Compilation compile(Sources& sources, std::uint32_t file, const CompileOptions& options,
                    Stop stop_after) {
  const bool keep = stop_after == Stop::everything;
  Compilation c;
  {
    ast::Module module = parse(sources, file, c.diagnostics);
    c.syntax_ok = !c.diagnostics.has_errors();
    c.decls = elaborate(module, c.diagnostics);
    if (keep) c.module = std::move(module);
  }
  if (stop_after == Stop::declarations) return c;
  std::vector<spec::PackDecl> library =
      options.library ? *options.library : load_packs(options.pack_path, sources, c.diagnostics);
  if (c.diagnostics.has_errors()) return c;
  c.resolved = resolve(c.decls, std::move(library), c.diagnostics);
  if (c.diagnostics.has_errors()) return c;
  check_output_directory(c.resolved.images, options.output_dir, options.lower.output_dir,
                         c.diagnostics);
  if (c.diagnostics.has_errors()) return c;
  c.build = lower(c.resolved, options.lower, c.diagnostics);
  if (c.diagnostics.has_errors()) return c;
  if (!keep && stop_after != Stop::resolution) {
    c.resolved = Resolved{};  // points into decls: first
    c.decls = spec::Module{};
  }
  validate(c.build, c.diagnostics);
  if (c.diagnostics.has_errors() || stop_after == Stop::resolution) return c;
  if (stop_after == Stop::ir) return c;
  // Emission releases each image's stages once its files are written, unless the
  // caller reads the IR afterwards.
  c.files = keep ? emit_all(c.build) : emit_all(std::move(c.build));
  if (!keep) c.build = ir::Build{};
  c.files.insert(c.files.begin(), make_manifest(options.lower.spec_name, c.files));
  return c;
}

}  // namespace rigc
