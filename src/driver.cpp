#include "rigc/driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rigc/compile.hpp"
#include "rigc/diff.hpp"
#include "rigc/file_io.hpp"
#include "rigc/format.hpp"
#include "rigc/graph.hpp"
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
    if (file.path == path && file.origin.valid()) at = file.origin;
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
  report_each(report.stale, "stale",
              "is stale: the spec no longer produces it; `rigc build` removes it");
  if (report.clean()) {
    std::cout << fmt::format("{}: up to date ({} files)\n", output_dir, c.result.files.size());
    return 0;
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

int run_packs(const DriverOptions& options) {
  Sources sources;
  Diagnostics diagnostics;
  std::vector<spec::PackDecl> packs = load_packs(options.pack_path, sources, diagnostics);
  print_diagnostics(diagnostics, sources, options);
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
  // Names in one column, as wide as the longest.
  std::size_t width = 11;
  for (const spec::PackDecl& p : packs)
    width = std::max(width, p.name.value.size());
  const std::string indent(width + 1, ' ');
  for (const spec::PackDecl& p : packs) {
    std::cout << fmt::format("{:<{}} {}\n", p.name.value, width, p.description);
    const auto versions = pack_versions(p);
    if (!versions.empty()) {
      std::cout << fmt::format(
          "{}versions: {} (default {}){}\n", indent, text::join(versions, ", "),
          p.version ? p.version->value : versions.front(),
          !p.fetch                     ? ""
          : p.fetch->checksums.empty() ? "; no checksum ships: `rigc pin` one"
                                       : "; downloads are checked with SHA-256");
    }
    if (!p.requires_.empty())
      std::cout << indent << "requires: " << text::join(names(p.requires_), ", ") << "\n";
    for (const spec::SystemVersion& v : p.system) {
      if (!v.requires_.empty()) {
        std::cout << fmt::format("{}at {}:    requires {}\n", indent, v.version,
                                 text::join(names(v.requires_), ", "));
      }
    }
    if (!p.caches.empty())
      std::cout << indent << "caches:   " << text::join(caches(p), ", ") << "\n";
    if (!p.labels.empty())
      std::cout << indent << "labels:   " << text::join(names(p.labels), ", ") << "\n";
  }
  return 0;
}

}  // namespace rigc

namespace rigc {
namespace {

// Compiles `text` as if it were the spec, in memory, to prove an edit is sound
// before it is written. Prints the diagnostics; true when there are no errors.
bool compiles(const DriverOptions& options, const std::string& text) {
  Sources sources;
  const std::uint32_t file = sources.add(options.spec, text);
  const Compilation c =
      compile(sources, file, compile_options(options.spec, options.output_dir, options.pack_path),
              Stop::files);
  print_diagnostics(c.diagnostics, sources, options);
  return c.ok();
}

// The names declared at the top level of a spec (images, runners, packs).
bool declared_names(const DriverOptions& options, const std::string& text,
                    std::vector<std::string>& images, std::vector<std::string>& packs) {
  Sources sources;
  const std::uint32_t file = sources.add(options.spec, text);
  const Compilation c = compile(sources, file, CompileOptions{}, Stop::declarations);
  print_diagnostics(c.diagnostics, sources, options);
  if (!c.ok()) return false;
  for (const auto& image : c.decls.images)
    images.push_back(image.name.value);
  for (const auto& pack : c.decls.packs)
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
  print_diagnostics(diagnostics, sources, options);
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
  SpecCompilation c;
  if (!compile_spec(options, Stop::resolution, c)) return kExitError;
  const Compilation& r = c.result;
  std::cout << (options.format == "mermaid" ? graph_mermaid(r.resolved, r.build)
                                            : graph_dot(r.resolved, r.build));
  return 0;
}

}  // namespace rigc
