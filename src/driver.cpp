#include "rigc/driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "rigc/compile.hpp"
#include "rigc/diff.hpp"
#include "rigc/file_io.hpp"
#include "rigc/format.hpp"
#include "rigc/graph.hpp"
#include "rigc/manifest.hpp"
#include "rigc/output.hpp"
#include "rigc/packs.hpp"
#include "rigc/parser.hpp"
#include "rigc/plan.hpp"
#include "rigc/text.hpp"

namespace rigc {
namespace fs = std::filesystem;

namespace {

constexpr int kExitDifferent = 1;
constexpr int kExitError = 2;

void print_diagnostics(const Diagnostics& diagnostics, const Sources& sources,
                       const DriverOptions& options) {
  for (const Diagnostic& d : diagnostics.all())
    std::cerr << render(d, sources, options.error_format, options.color);
}

bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in || fs::is_directory(path)) return false;
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return true;
}

// The directory of the spec at `path`, to open files in.
std::string spec_directory(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// A command's compilation of the spec it names.
struct SpecCompilation {
  Sources sources;
  CompileOptions options;  // the output directory among them
  Compilation result;
};

// Reads the spec `options` names and compiles it as far as `stop_after`, then
// prints every diagnostic. False when the spec cannot be read or has errors.
bool compile_spec(const DriverOptions& options, Stop stop_after, SpecCompilation& c) {
  std::string text;
  if (!read_text(options.spec, text)) {
    c.result.diagnostics.error(
        {},
        fmt::format("cannot read spec '{}'{}", options.spec,
                    options.spec == "Rigfile" ? ": no Rigfile here; pass a spec path or create one "
                                                "with `rigc new runner NAME --packs git`"
                                              : ""));
  } else {
    const std::uint32_t file = c.sources.add(options.spec, std::move(text));
    c.options = compile_options(options.spec, options.output_dir, options.pack_path);
    // The build context is the spec's directory: its deps files and copy sources are
    // looked for there, unless the caller generates before they exist.
    if (!options.no_context_check) c.options.context_dir = spec_directory(options.spec);
    c.result = compile(c.sources, file, c.options, stop_after);
  }
  print_diagnostics(c.result.diagnostics, c.sources, options);
  return c.result.ok();
}

// A GitHub annotation on the spec line responsible for a generated file: the
// image's declaration, or the spec's first line for files of the whole spec.
std::string annotation(const SpecCompilation& c, const std::string& path,
                       const std::string& message) {
  Location at{0, 1, 1, 1};
  for (const OutputFile& file : c.result.files) {
    if (manifest_key(file) == path && file.origin.valid()) at = file.origin;
  }
  return render({Severity::error, at, message}, c.sources, ErrorFormat::github);
}

}  // namespace

int run_build(const DriverOptions& options) {
  SpecCompilation c;
  if (!compile_spec(options, Stop::files, c)) return kExitError;
  const std::string& output_dir = c.options.output_dir;
  Diagnostics io;
  const std::string& root = c.options.repository_root;
  const WriteSummary summary = write_outputs(output_dir, c.result.files, options.force, io, root);
  print_diagnostics(io, c.sources, options);
  if (io.has_errors()) return kExitError;
  for (const std::string& path : summary.written)
    std::cout << "wrote " << output_path(output_dir, root, path) << "\n";
  for (const std::string& path : summary.removed)
    std::cout << "removed stale " << output_path(output_dir, root, path) << "\n";
  std::cout << fmt::format("{}: {} written, {} unchanged, {} removed\n", output_dir,
                           summary.written.size(), summary.unchanged.size(),
                           summary.removed.size());
  return 0;
}

int run_check(const DriverOptions& options) {
  SpecCompilation c;
  if (!compile_spec(options, Stop::files, c)) return kExitError;
  const std::string& output_dir = c.options.output_dir;
  const std::string& root = c.options.repository_root;
  const CheckReport report = check_outputs(output_dir, c.result.files, root);
  const bool github = options.error_format == ErrorFormat::github;
  std::cout << report.diff;
  const auto report_each = [&](const std::vector<std::string>& paths, const char* kind,
                               const char* what) {
    for (const std::string& path : paths) {
      const std::string where = output_path(output_dir, root, path);
      if (github) {
        std::cout << annotation(c, path, fmt::format("{} {}", where, what));
      } else {
        std::cout << kind << ": " << where << "\n";
      }
    }
  };
  report_each(report.missing, "missing", "is missing; run `rigc build`");
  report_each(report.changed, "changed", "differs from what the spec produces; run `rigc build`");
  report_each(report.edited, "edited by hand",
              "was edited by hand since rigc wrote it, and `rigc build` will not overwrite it: "
              "move the edit into the spec, or discard it with `rigc build --force`");
  report_each(report.stale, "stale",
              "is stale: the spec no longer produces it; `rigc build` removes it");
  if (report.clean()) {
    std::cout << fmt::format("{}: up to date ({} files)\n", output_dir, c.result.files.size());
    return 0;
  }
  if (!report.edited.empty()) {
    std::cout << fmt::format(
        "{}: {} missing, {} out of date, {} edited by hand, {} stale; move the edits into {} "
        "and run `rigc build {}` (or `rigc build --force {}` to discard them)\n",
        output_dir, report.missing.size(), report.changed.size(), report.edited.size(),
        report.stale.size(), options.spec, options.spec, options.spec);
    return kExitDifferent;
  }
  std::cout << fmt::format("{}: {} missing, {} changed, {} stale; run `rigc build {}` to update\n",
                           output_dir, report.missing.size(), report.changed.size(),
                           report.stale.size(), options.spec);
  return kExitDifferent;
}

int run_plan(const DriverOptions& options) {
  SpecCompilation c;
  if (!compile_spec(options, Stop::ir, c)) return kExitError;
  const ir::Build& build = c.result.build;
  std::cout << (options.format == "json" ? plan_json(build) : plan_text(build));
  return 0;
}

namespace {

// The spec's own packs (a spec's packs replace library packs of their names), and
// their names. False after printing the errors of a spec that cannot be read.
bool add_spec_packs(const DriverOptions& options, Sources& sources,
                    std::vector<spec::PackDecl>& packs, std::set<std::string>& own) {
  std::string text;
  Diagnostics diagnostics;
  if (!read_text(options.spec, text)) {
    diagnostics.error({}, fmt::format("cannot read spec '{}'", options.spec));
    print_diagnostics(diagnostics, sources, options);
    return false;
  }
  const std::uint32_t file = sources.add(options.spec, std::move(text));
  Compilation c = compile(sources, file, CompileOptions{}, Stop::declarations);
  print_diagnostics(c.diagnostics, sources, options);
  if (!c.ok()) return false;
  for (spec::PackDecl& pack : c.decls.packs) {
    own.insert(pack.name.value);
    packs.erase(
        std::remove_if(packs.begin(), packs.end(),
                       [&](const spec::PackDecl& p) { return p.name.value == pack.name.value; }),
        packs.end());
    packs.push_back(std::move(pack));
  }
  return true;
}

std::vector<std::string> values(const std::vector<spec::At<std::string>>& list) {
  std::vector<std::string> out;
  for (const auto& item : list)
    out.push_back(item.value);
  return out;
}

std::vector<std::string> cache_names(const spec::PackDecl& p) {
  std::vector<std::string> out;
  for (const auto& cache : p.caches)
    out.push_back(cache.name);
  return out;
}

// `rigc packs --format json`; `own` names the spec's packs.
std::string packs_json(const std::vector<spec::PackDecl>& packs, const std::set<std::string>& own) {
  nlohmann::ordered_json root = nlohmann::ordered_json::array();
  for (const spec::PackDecl& p : packs) {
    nlohmann::ordered_json j;
    j["name"] = p.name.value;
    j["description"] = p.description;
    j["stock"] = p.stock;
    j["origin"] = own.count(p.name.value) != 0 ? "spec" : p.stock ? "stock" : "pack-path";
    j["default_version"] = p.version ? p.version->value : "";
    j["versions"] = pack_versions(p);
    j["requires"] = values(p.requires_);
    nlohmann::ordered_json system = nlohmann::ordered_json::array();
    for (const spec::SystemVersion& v : p.system) {
      system.push_back(
          {{"version", v.version}, {"packages", v.packages}, {"requires", values(v.requires_)}});
    }
    j["system"] = system;
    j["after"] = values(p.after);
    j["caches"] = cache_names(p);
    j["labels"] = values(p.labels);
    j["fetched"] = p.fetch.has_value();
    j["verify"] = values(p.verify);
    j["aliases"] = values(p.aliases);
    j["provided_by"] = values(p.provided_by);
    root.push_back(j);
  }
  return root.dump(2) + "\n";
}

// `rigc packs`; the spec's own packs (`own`) say where they come from.
std::string packs_text(const std::vector<spec::PackDecl>& packs, const std::set<std::string>& own,
                       const std::string& spec) {
  // Names in one column, as wide as the longest.
  std::size_t width = 11;
  for (const spec::PackDecl& p : packs)
    width = std::max(width, p.name.value.size());
  const std::string indent(width + 1, ' ');
  std::string out;
  for (const spec::PackDecl& p : packs) {
    std::string description = p.description;
    if (own.count(p.name.value) != 0)
      description += (description.empty() ? "(from " : " (from ") + spec + ")";
    out += fmt::format("{:<{}} {}\n", p.name.value, width, description);
    const auto versions = pack_versions(p);
    if (!versions.empty()) {
      out += fmt::format("{}versions: {} (default {}){}\n", indent, text::join(versions, ", "),
                         p.version ? p.version->value : versions.front(),
                         !p.fetch                     ? ""
                         : p.fetch->checksums.empty() ? "; no checksum ships: `rigc pin` one"
                                                      : "; downloads are checked with SHA-256");
    }
    if (!p.requires_.empty())
      out += indent + "requires: " + text::join(values(p.requires_), ", ") + "\n";
    for (const spec::SystemVersion& v : p.system) {
      if (!v.requires_.empty()) {
        out += fmt::format("{}at {}:    requires {}\n", indent, v.version,
                           text::join(values(v.requires_), ", "));
      }
    }
    if (!p.caches.empty()) out += indent + "caches:   " + text::join(cache_names(p), ", ") + "\n";
    if (!p.labels.empty()) out += indent + "labels:   " + text::join(values(p.labels), ", ") + "\n";
    if (!p.aliases.empty())
      out += indent + "aliases:  " + text::join(values(p.aliases), ", ") + "\n";
  }
  return out;
}

}  // namespace

int run_packs(const DriverOptions& options) {
  Sources sources;
  Diagnostics diagnostics;
  std::vector<spec::PackDecl> packs = load_packs(options.pack_path, sources, diagnostics);
  print_diagnostics(diagnostics, sources, options);
  if (diagnostics.has_errors()) return kExitError;
  std::set<std::string> own;
  if (options.with_spec && !add_spec_packs(options, sources, packs, own)) return kExitError;
  std::sort(packs.begin(), packs.end(),
            [](const auto& a, const auto& b) { return a.name.value < b.name.value; });
  std::cout << (options.format == "json" ? packs_json(packs, own)
                                         : packs_text(packs, own, options.spec));
  return 0;
}

}  // namespace rigc

namespace rigc {
namespace {

// Compiles `text` as if it were the spec, in memory, to prove an edit is sound
// before it is written. Its diagnostics point into the spec as it would be, so a
// note marks where the new declaration (`kind` `name`, from `line`) would start.
// Prints the diagnostics; true when there are no errors.
bool compiles(const DriverOptions& options, const std::string& text, const std::string& kind,
              std::uint32_t line, std::uint32_t last) {
  Sources sources;
  const std::uint32_t file = sources.add(options.spec, text);
  Compilation c =
      compile(sources, file, compile_options(options.spec, options.output_dir, options.pack_path),
              Stop::files);
  if (!c.ok()) {
    const auto head = static_cast<std::uint32_t>(kind.size());
    c.diagnostics.note({file, line, 1, head},
                       fmt::format("the line numbers are those of {} with the {} '{}' that `rigc "
                                   "new` would add at lines {}-{}; nothing was written",
                                   options.spec, kind, options.name, line, last));
  }
  print_diagnostics(c.diagnostics, sources, options);
  return c.ok();
}

// A name declared at the top level of a spec (an image, a runner or a pack).
struct Declared {
  std::string kind;  // "image", "runner", "pack"
  Location name;
};

// The names declared at the top level of `text`, read into `sources`.
bool declared_names(const DriverOptions& options, Sources& sources, const std::string& text,
                    std::map<std::string, Declared>& images,
                    std::map<std::string, Declared>& packs) {
  const std::uint32_t file = sources.add(options.spec, text);
  const Compilation c = compile(sources, file, CompileOptions{}, Stop::declarations);
  print_diagnostics(c.diagnostics, sources, options);
  if (!c.ok()) return false;
  for (const auto& image : c.decls.images)
    images.emplace(image.name.value,
                   Declared{image.runner ? "runner" : "image", image.name.location});
  for (const auto& pack : c.decls.packs)
    packs.emplace(pack.name.value, Declared{"pack", pack.name.location});
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
  Sources sources;
  std::map<std::string, Declared> images, packs;
  if (exists && !declared_names(options, sources, text, images, packs)) return kExitError;
  const auto& taken = kind == "pack" ? packs : images;
  const auto found = taken.find(options.name);
  if (found != taken.end()) {
    Diagnostics diagnostics;
    diagnostics.error(found->second.name,
                      fmt::format("{} '{}' is already declared here; choose another name for the "
                                  "new {}",
                                  found->second.kind, options.name, kind));
    print_diagnostics(diagnostics, sources, options);
    return kExitError;
  }
  std::string updated = text;
  if (!updated.empty() && updated.back() != '\n') updated += '\n';
  if (!updated.empty()) updated += '\n';
  const auto line =
      static_cast<std::uint32_t>(std::count(updated.begin(), updated.end(), '\n')) + 1;
  // The pack skeleton starts with a comment: its declaration is the line after.
  const std::uint32_t head = line + (declaration.rfind("#", 0) == 0 ? 1 : 0);
  updated += declaration;
  const auto last = static_cast<std::uint32_t>(std::count(updated.begin(), updated.end(), '\n'));
  if (!compiles(options, updated, kind, head, last)) return kExitError;
  std::string error;
  if (!write_file_atomically(options.spec, updated, error)) {
    std::cerr << "rigc: error: " << error << "\n";
    return kExitError;
  }
  std::cout << fmt::format("{} {}:{}: added {} '{}'\n", exists ? "updated" : "created",
                           options.spec, head, kind, options.name);
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
  if (!options.extends.empty() && !valid_new_name(options.extends)) {
    std::cerr << fmt::format(
        "rigc: error: invalid --extends '{}': the name of a runner of the spec\n", options.extends);
    return kExitError;
  }
  std::string declaration = options.extends.empty() ? fmt::format("runner {} {{\n", options.name)
                                                    : fmt::format("runner {} extends {} {{\n",
                                                                  options.name, options.extends);
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

namespace {

// Formats one spec: 0 formatted (or already), 1 not formatted (--check), 2 error.
int format_spec(const DriverOptions& options, const std::string& spec) {
  std::string text;
  if (!read_text(spec, text)) {
    std::cerr << fmt::format("rigc: error: cannot read spec '{}'\n", spec);
    return kExitError;
  }
  Sources sources;
  Diagnostics diagnostics;
  const ast::Module module = parse(sources, sources.add(spec, text), diagnostics);
  print_diagnostics(diagnostics, sources, options);
  if (diagnostics.has_errors()) return kExitError;
  const std::string formatted = format_module(module);
  if (formatted == text) return 0;
  if (options.check_only) {
    std::cout << unified_diff(text, formatted, spec + " (as written)", spec + " (formatted)");
    std::cout << fmt::format("{}: not formatted; run `rigc fmt {}`\n", spec, spec);
    return kExitDifferent;
  }
  std::string error;
  if (!write_file_atomically(spec, formatted, error)) {
    std::cerr << "rigc: error: " << error << "\n";
    return kExitError;
  }
  std::cout << "formatted " << spec << "\n";
  return 0;
}

}  // namespace

// Every spec named (a pre-commit hook passes several): the worst outcome counts.
int run_fmt(const DriverOptions& options) {
  int worst = 0;
  for (const std::string& spec :
       options.specs.empty() ? std::vector<std::string>{options.spec} : options.specs) {
    worst = std::max(worst, format_spec(options, spec));
  }
  return worst;
}

int run_graph(const DriverOptions& options) {
  SpecCompilation c;
  if (!compile_spec(options, Stop::resolution, c)) return kExitError;
  const Compilation& r = c.result;
  std::cout << (options.format == "mermaid" ? graph_mermaid(r.resolved, r.build)
                                            : graph_dot(r.resolved, r.build));
  return 0;
}

int run_complete(const DriverOptions& options) {
  // For a shell completing a word: whatever can be read, no diagnostics, exit 0.
  Sources sources;
  Diagnostics ignored;
  std::set<std::string> names;
  std::string text;
  spec::Module decls;
  if (read_text(options.spec, text)) {
    const std::uint32_t file = sources.add(options.spec, std::move(text));
    decls = compile(sources, file, CompileOptions{}, Stop::declarations).decls;
  }
  if (options.format == "images") {
    for (const spec::ImageDecl& image : decls.images)
      names.insert(image.name.value);
  } else {
    for (const spec::PackDecl& pack : load_packs(options.pack_path, sources, ignored))
      names.insert(pack.name.value);
    for (const spec::PackDecl& pack : decls.packs)
      names.insert(pack.name.value);
  }
  for (const std::string& name : names)
    std::cout << name << "\n";
  return 0;
}

}  // namespace rigc
