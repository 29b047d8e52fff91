#include "rigc/driver.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "rigc/elaborate.hpp"
#include "rigc/emit.hpp"
#include "rigc/lower.hpp"
#include "rigc/output.hpp"
#include "rigc/packs.hpp"
#include "rigc/parser.hpp"
#include "rigc/plan.hpp"
#include "rigc/resolver.hpp"
#include "rigc/text.hpp"
#include "rigc/validate.hpp"

namespace rigc {
namespace fs = std::filesystem;

namespace {

constexpr int kExitDifferent = 1;
constexpr int kExitError = 2;

// Everything one run of the pipeline produced.
struct Compilation {
  Sources sources;
  Diagnostics diagnostics;
  ir::Build build;
  std::string output_dir;  // as a path to open
  std::vector<OutputFile> files;
};

void print_diagnostics(const Compilation& c, const DriverOptions& options) {
  for (const Diagnostic& d : c.diagnostics.all()) {
    std::cerr << render(d, c.sources, options.error_format, options.color);
  }
}

std::string output_dir_for(const DriverOptions& options) {
  if (!options.output_dir.empty()) return options.output_dir;
  const fs::path spec_dir = fs::path(options.spec).parent_path();
  return (spec_dir / "docker").string();
}

// Stops between stages as soon as one reported errors.
bool compile(const DriverOptions& options, Compilation& c) {
  std::ifstream in(options.spec, std::ios::binary);
  if (!in || fs::is_directory(options.spec)) {
    c.diagnostics.error({}, fmt::format("cannot read spec '{}'{}", options.spec,
                                        options.spec == "Rigfile"
                                            ? ": no Rigfile here; pass a spec path or create one "
                                              "with `rigc new runner NAME --packs git`"
                                            : ""));
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const std::uint32_t file = c.sources.add(options.spec, text.str());
  const ast::Module module = parse(c.sources, file, c.diagnostics);
  const spec::Module decls = elaborate(module, c.diagnostics);
  std::vector<spec::PackDecl> library = load_packs(options.pack_path, c.sources, c.diagnostics);
  if (c.diagnostics.has_errors()) return false;
  const Resolved resolved = resolve(decls, std::move(library), c.diagnostics);
  if (c.diagnostics.has_errors()) return false;

  c.output_dir = output_dir_for(options);
  const fs::path spec_dir = fs::absolute(fs::path(options.spec)).parent_path();
  const fs::path out_rel =
      fs::absolute(c.output_dir).lexically_normal().lexically_relative(spec_dir.lexically_normal());
  LowerOptions lower_options{fs::path(options.spec).filename().string(),
                             out_rel.empty() ? "." : out_rel.string()};
  if (lower_options.output_dir.rfind("..", 0) == 0) {
    for (const ResolvedImage& image : resolved.images) {
      if (image.decl->runner) {
        c.diagnostics.error(
            image.decl->name.location,
            fmt::format("runner '{}' needs runner-entrypoint.sh in its build context, "
                        "but the output directory '{}' is outside the spec's directory",
                        image.decl->name.value, c.output_dir));
        return false;
      }
    }
  }
  c.build = lower(resolved, lower_options, c.diagnostics);
  if (c.diagnostics.has_errors()) return false;
  validate(c.build, resolved, c.diagnostics);
  if (c.diagnostics.has_errors()) return false;
  c.files = emit_all(c.build);
  c.files.insert(c.files.begin(), make_manifest(lower_options.spec_name, c.files));
  return true;
}

}  // namespace

int run_build(const DriverOptions& options) {
  Compilation c;
  const bool ok = compile(options, c);
  print_diagnostics(c, options);
  if (!ok) return kExitError;
  Diagnostics io;
  const WriteSummary summary = write_outputs(c.output_dir, c.files, options.force, io);
  for (const Diagnostic& d : io.all())
    std::cerr << render(d, c.sources, options.error_format, options.color);
  if (io.has_errors()) return kExitError;
  for (const std::string& path : summary.written)
    std::cout << "wrote " << (fs::path(c.output_dir) / path).string() << "\n";
  for (const std::string& path : summary.removed)
    std::cout << "removed stale " << (fs::path(c.output_dir) / path).string() << "\n";
  std::cout << fmt::format("{}: {} written, {} unchanged, {} removed\n", c.output_dir,
                           summary.written.size(), summary.unchanged.size(),
                           summary.removed.size());
  return 0;
}

int run_check(const DriverOptions& options) {
  Compilation c;
  const bool ok = compile(options, c);
  print_diagnostics(c, options);
  if (!ok) return kExitError;
  const CheckReport report = check_outputs(c.output_dir, c.files);
  std::cout << report.diff;
  const auto where = [&](const std::string& path) {
    return (fs::path(c.output_dir) / path).string();
  };
  for (const std::string& path : report.missing) {
    if (options.error_format == ErrorFormat::github) {
      std::cout << fmt::format("::error file={}::missing: run `rigc build` to generate it\n",
                               where(path));
    } else {
      std::cout << "missing: " << where(path) << "\n";
    }
  }
  for (const std::string& path : report.changed) {
    if (options.error_format == ErrorFormat::github) {
      std::cout << fmt::format("::error file={}::differs from what {} produces: run `rigc build`\n",
                               where(path), options.spec);
    } else {
      std::cout << "changed: " << where(path) << "\n";
    }
  }
  for (const std::string& path : report.stale) {
    if (options.error_format == ErrorFormat::github) {
      std::cout << fmt::format(
          "::error file={}::stale: no longer produced by the spec; `rigc build` removes it\n",
          where(path));
    } else {
      std::cout << "stale: " << where(path) << "\n";
    }
  }
  if (report.clean()) {
    std::cout << fmt::format("{}: up to date ({} files)\n", c.output_dir, c.files.size());
    return 0;
  }
  std::cout << fmt::format("{}: {} missing, {} changed, {} stale; run `rigc build {}` to update\n",
                           c.output_dir, report.missing.size(), report.changed.size(),
                           report.stale.size(), options.spec);
  return kExitDifferent;
}

int run_plan(const DriverOptions& options) {
  Compilation c;
  const bool ok = compile(options, c);
  print_diagnostics(c, options);
  if (!ok) return kExitError;
  std::cout << (options.format == "json" ? plan_json(c.build) : plan_text(c.build));
  return 0;
}

int run_packs(const DriverOptions& options) {
  Sources sources;
  Diagnostics diagnostics;
  std::vector<spec::PackDecl> packs = load_packs(options.pack_path, sources, diagnostics);
  for (const Diagnostic& d : diagnostics.all())
    std::cerr << render(d, sources, options.error_format, options.color);
  if (diagnostics.has_errors()) return kExitError;
  std::sort(packs.begin(), packs.end(),
            [](const auto& a, const auto& b) { return a.name.value < b.name.value; });
  const auto names = [](const std::vector<spec::At<std::string>>& list) {
    std::vector<std::string> out;
    for (const auto& item : list)
      out.push_back(item.value);
    return out;
  };
  const auto caches = [](const spec::PackDecl& p) {
    std::vector<std::string> out;
    for (const auto& cache : p.caches)
      out.push_back(cache.name);
    return out;
  };
  if (options.format == "json") {
    nlohmann::ordered_json root = nlohmann::ordered_json::array();
    for (const spec::PackDecl& p : packs) {
      nlohmann::ordered_json j;
      j["name"] = p.name.value;
      j["description"] = p.description;
      j["stock"] = p.stock;
      j["default_version"] = p.version ? p.version->value : "";
      j["versions"] = pack_versions(p);
      j["requires"] = names(p.requires_);
      j["after"] = names(p.after);
      j["caches"] = caches(p);
      j["labels"] = names(p.labels);
      j["fetched"] = p.fetch.has_value();
      j["verify"] = names(p.verify);
      root.push_back(j);
    }
    std::cout << root.dump(2) << "\n";
    return 0;
  }
  for (const spec::PackDecl& p : packs) {
    std::cout << fmt::format("{:<11} {}\n", p.name.value, p.description);
    const auto versions = pack_versions(p);
    if (!versions.empty()) {
      std::cout << fmt::format("            versions: {} (default {}){}\n",
                               text::join(versions, ", "),
                               p.version ? p.version->value : versions.front(),
                               p.fetch ? "; downloads are checked with SHA-256" : "");
    }
    if (!p.requires_.empty())
      std::cout << "            requires: " << text::join(names(p.requires_), ", ") << "\n";
    if (!p.caches.empty())
      std::cout << "            caches:   " << text::join(caches(p), ", ") << "\n";
    if (!p.labels.empty())
      std::cout << "            labels:   " << text::join(names(p.labels), ", ") << "\n";
  }
  return 0;
}

}  // namespace rigc
