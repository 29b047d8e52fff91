#include "rigc/driver.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "rigc/diff.hpp"
#include "rigc/elaborate.hpp"
#include "rigc/emit.hpp"
#include "rigc/file_io.hpp"
#include "rigc/format.hpp"
#include "rigc/graph.hpp"
#include "rigc/lower.hpp"
#include "rigc/manifest.hpp"
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
  spec::Module decls;
  Resolved resolved;  // points into decls
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

// `to` seen from `from`, both absolute; "." when they are the same directory.
std::string relative_or_dot(const fs::path& to, const fs::path& from) {
  const fs::path rel = to.lexically_normal().lexically_relative(from.lexically_normal());
  std::string text = rel.generic_string();
  while (text.size() > 1 && text.back() == '/')
    text.pop_back();
  return text.empty() ? "." : text;
}

// The root of the git repository holding `dir` (the nearest ancestor with a
// `.git`), or `dir` itself outside a repository. Workflows name paths from there.
fs::path repository_root(const fs::path& dir) {
  std::error_code ec;
  for (fs::path p = dir.lexically_normal(); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / ".git", ec)) return p;
    if (p == p.root_path()) break;
  }
  return dir;
}

// What a command uses of the pipeline. A stage's input is freed once the next
// stage has run, unless the command reads it: for a spec of a thousand images the
// syntax tree, the declarations and the resolution weigh as much as the outputs.
enum class Need {
  files,       // build, check, new: the generated files
  ir,          // plan: the IR, no files
  resolution,  // graph: the resolution and the IR, no files
};

// Stops between stages as soon as one reported errors.
bool compile(const DriverOptions& options, Compilation& c, Need need = Need::files) {
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
  {
    const ast::Module module = parse(c.sources, file, c.diagnostics);
    c.decls = elaborate(module, c.diagnostics);
  }
  std::vector<spec::PackDecl> library = load_packs(options.pack_path, c.sources, c.diagnostics);
  if (c.diagnostics.has_errors()) return false;
  c.resolved = resolve(c.decls, std::move(library), c.diagnostics);
  const Resolved& resolved = c.resolved;
  if (c.diagnostics.has_errors()) return false;

  c.output_dir = output_dir_for(options);
  const fs::path spec_dir = fs::absolute(fs::path(options.spec)).parent_path();
  const fs::path out_rel =
      fs::absolute(c.output_dir).lexically_normal().lexically_relative(spec_dir.lexically_normal());
  LowerOptions lower_options{fs::path(options.spec).filename().string(),
                             out_rel.empty() ? "." : out_rel.string()};
  lower_options.context = relative_or_dot(spec_dir, fs::absolute(c.output_dir));
  lower_options.repo_dir = relative_or_dot(spec_dir, repository_root(spec_dir));
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
  if (need == Need::resolution) return true;
  c.resolved = Resolved{};  // points into decls: first
  c.decls = spec::Module{};
  if (need == Need::ir) return true;
  c.files = emit_all(c.build);
  c.build = ir::Build{};
  c.files.insert(c.files.begin(), make_manifest(lower_options.spec_name, c.files));
  return true;
}

// A GitHub annotation on the spec line responsible for a generated file: the
// image's declaration, or the spec's first line for files of the whole spec.
std::string annotation(const Compilation& c, const std::string& path, const std::string& message) {
  Location at{0, 1, 1, 1};
  for (const OutputFile& file : c.files) {
    if (file.path == path && file.origin.valid()) at = file.origin;
  }
  return render({Severity::error, at, message}, c.sources, ErrorFormat::github);
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
  const bool github = options.error_format == ErrorFormat::github;
  std::cout << report.diff;
  const auto report_each = [&](const std::vector<std::string>& paths, const char* kind,
                               const char* what) {
    for (const std::string& path : paths) {
      const std::string where = (fs::path(c.output_dir) / path).string();
      if (github) {
        std::cout << annotation(c, path, fmt::format("{} {}", where, what));
      } else {
        std::cout << kind << ": " << where << "\n";
      }
    }
  };
  report_each(report.missing, "missing", "is missing; run `rigc build`");
  report_each(report.changed, "changed", "differs from what the spec produces; run `rigc build`");
  report_each(report.stale, "stale",
              "is stale: the spec no longer produces it; `rigc build` removes it");
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
  const bool ok = compile(options, c, Need::ir);
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
      nlohmann::ordered_json system = nlohmann::ordered_json::array();
      for (const spec::SystemVersion& v : p.system) {
        system.push_back(
            {{"version", v.version}, {"packages", v.packages}, {"requires", names(v.requires_)}});
      }
      j["system"] = system;
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
    for (const spec::SystemVersion& v : p.system) {
      if (!v.requires_.empty()) {
        std::cout << fmt::format("            at {}:    requires {}\n", v.version,
                                 text::join(names(v.requires_), ", "));
      }
    }
    if (!p.caches.empty())
      std::cout << "            caches:   " << text::join(caches(p), ", ") << "\n";
    if (!p.labels.empty())
      std::cout << "            labels:   " << text::join(names(p.labels), ", ") << "\n";
  }
  return 0;
}

}  // namespace rigc

namespace rigc {
namespace {

bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in || fs::is_directory(path)) return false;
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return true;
}

// Compiles `text` as if it were the spec, in memory, to prove an edit is sound
// before it is written. Prints the diagnostics; true when there are no errors.
bool compiles(const DriverOptions& options, const std::string& text) {
  const std::string temporary =
      (fs::temp_directory_path() / fmt::format("rigc-new-{}.rig", ::getpid())).string();
  std::string error;
  if (!write_file_atomically(temporary, text, error)) {
    std::cerr << "rigc: error: " << error << "\n";
    return false;
  }
  Compilation c;
  DriverOptions probe = options;
  probe.spec = temporary;
  const bool ok = compile(probe, c);
  fs::remove(temporary);
  // Point diagnostics at the spec the user named, not the temporary copy.
  Sources renamed;
  for (std::uint32_t i = 0; i < c.sources.size(); ++i) {
    renamed.add(c.sources.name(i) == temporary ? options.spec : c.sources.name(i),
                c.sources.text(i));
  }
  for (const Diagnostic& d : c.diagnostics.all()) {
    std::cerr << render(d, renamed, options.error_format, options.color);
  }
  return ok;
}

// The names declared at the top level of a spec (images, runners, packs).
bool declared_names(const DriverOptions& options, const std::string& text,
                    std::vector<std::string>& images, std::vector<std::string>& packs) {
  Sources sources;
  Diagnostics diagnostics;
  const ast::Module module = parse(sources, sources.add(options.spec, text), diagnostics);
  const spec::Module decls = elaborate(module, diagnostics);
  for (const Diagnostic& d : diagnostics.all())
    std::cerr << render(d, sources, options.error_format, options.color);
  if (diagnostics.has_errors()) return false;
  for (const auto& image : decls.images)
    images.push_back(image.name.value);
  for (const auto& pack : decls.packs)
    packs.push_back(pack.name.value);
  return true;
}

// Appends `declaration` to the spec (created when missing), keeping every
// existing byte, after proving that the result compiles.
int append_declaration(const DriverOptions& options, const std::string& kind,
                       const std::string& declaration) {
  std::string text;
  const bool exists = read_text(options.spec, text);
  if (!exists && fs::exists(options.spec)) {
    std::cerr << fmt::format("rigc: error: cannot read spec '{}'\n", options.spec);
    return kExitError;
  }
  std::vector<std::string> images, packs;
  if (exists && !declared_names(options, text, images, packs)) return kExitError;
  const auto& taken = kind == "pack" ? packs : images;
  if (std::find(taken.begin(), taken.end(), options.name) != taken.end() ||
      (kind != "pack" && std::find(images.begin(), images.end(), options.name) != images.end())) {
    std::cerr << fmt::format("rigc: error: '{}' is already declared in {}; choose another name\n",
                             options.name, options.spec);
    return kExitError;
  }
  std::string updated = text;
  if (!updated.empty() && updated.back() != '\n') updated += '\n';
  if (!updated.empty()) updated += '\n';
  const auto line = static_cast<std::size_t>(std::count(updated.begin(), updated.end(), '\n')) + 1;
  updated += declaration;
  if (!compiles(options, updated)) {
    std::cerr << fmt::format("rigc: nothing was written to {}\n", options.spec);
    return kExitError;
  }
  std::string error;
  if (!write_file_atomically(options.spec, updated, error)) {
    std::cerr << "rigc: error: " << error << "\n";
    return kExitError;
  }
  std::cout << fmt::format("{} {}:{}: added {} '{}'\n", exists ? "updated" : "created",
                           options.spec, line, kind, options.name);
  std::cout << declaration;
  std::cout << fmt::format("next: rigc build {}\n", options.spec);
  return 0;
}

bool valid_new_name(const std::string& name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

int run_new_runner(const DriverOptions& options) {
  if (!valid_new_name(options.name)) {
    std::cerr << fmt::format(
        "rigc: error: invalid runner name '{}': use lowercase letters, digits and '-', "
        "starting with a letter\n",
        options.name);
    return kExitError;
  }
  std::string declaration = fmt::format("runner {} {{\n", options.name);
  if (!options.packs.empty()) declaration += "  packs " + text::join(options.packs, " ") + "\n";
  if (!options.labels.empty()) declaration += "  labels " + text::join(options.labels, " ") + "\n";
  if (!options.limits.empty()) {
    // cpus=2,memory=4G -> limits cpus 2 memory 4G
    std::string limits = "  limits";
    std::stringstream parts(options.limits);
    std::string part;
    while (std::getline(parts, part, ',')) {
      const auto eq = part.find('=');
      if (eq == std::string::npos ||
          (part.substr(0, eq) != "cpus" && part.substr(0, eq) != "memory")) {
        std::cerr << fmt::format("rigc: error: --limits takes cpus=N,memory=SIZE, not '{}'\n",
                                 part);
        return kExitError;
      }
      limits += " " + part.substr(0, eq) + " " + part.substr(eq + 1);
    }
    declaration += limits + "\n";
  }
  declaration += "}\n";
  return append_declaration(options, "runner", declaration);
}

int run_new_pack(const DriverOptions& options) {
  if (!valid_new_name(options.name)) {
    std::cerr << fmt::format(
        "rigc: error: invalid pack name '{}': use lowercase letters, digits and '-', "
        "starting with a letter\n",
        options.name);
    return kExitError;
  }
  const std::string& n = options.name;
  std::string declaration = fmt::format(
      "# The {0} pack: uncomment what it needs (packs/README.md lists every statement).\n"
      "pack {0} {{\n"
      "  description \"{0}\"\n"
      "  # Where its layer goes: system, toolchain or tool.\n"
      "  kind tool\n"
      "  requires base\n"
      "  # The default version; `versions` lists the allowed ones.\n"
      "  # version 1.0\n"
      "  # OS packages of the final image, and those needed only where deps are built.\n"
      "  # apt {0}\n"
      "  # build-apt lib{0}-dev\n"
      "  # env {1}_HOME=/opt/{0}\n"
      "  # path /opt/{0}/bin\n"
      "  # A setup step, run as the image user, and the cache it fills.\n"
      "  # run \"{0} --init\"\n"
      "  # cache {0} ~/.cache/{0}\n"
      "  # How it installs an image's `deps {0}.lock`.\n"
      "  # deps {0}.lock \"{0} install\"\n"
      "  # verify \"{0} --version\"\n"
      "  # Runner labels of images with this pack.\n"
      "  # labels {0}\n"
      "}}\n",
      n, text::arg_stem(n));
  return append_declaration(options, "pack", declaration);
}

int run_fmt(const DriverOptions& options) {
  std::string text;
  if (!read_text(options.spec, text)) {
    std::cerr << fmt::format("rigc: error: cannot read spec '{}'\n", options.spec);
    return kExitError;
  }
  Sources sources;
  Diagnostics diagnostics;
  const ast::Module module = parse(sources, sources.add(options.spec, text), diagnostics);
  for (const Diagnostic& d : diagnostics.all())
    std::cerr << render(d, sources, options.error_format, options.color);
  if (diagnostics.has_errors()) return kExitError;
  const std::string formatted = format_module(module);
  if (formatted == text) return 0;
  if (options.check_only) {
    std::cout << unified_diff(text, formatted, options.spec + " (as written)",
                              options.spec + " (formatted)");
    std::cout << fmt::format("{}: not formatted; run `rigc fmt {}`\n", options.spec, options.spec);
    return kExitDifferent;
  }
  std::string error;
  if (!write_file_atomically(options.spec, formatted, error)) {
    std::cerr << "rigc: error: " << error << "\n";
    return kExitError;
  }
  std::cout << "formatted " << options.spec << "\n";
  return 0;
}

int run_graph(const DriverOptions& options) {
  Compilation c;
  const bool ok = compile(options, c, Need::resolution);
  print_diagnostics(c, options);
  if (!ok) return kExitError;
  std::cout << (options.format == "mermaid" ? graph_mermaid(c.resolved, c.build)
                                            : graph_dot(c.resolved, c.build));
  return 0;
}

}  // namespace rigc
