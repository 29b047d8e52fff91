// Maps the command line to DriverOptions and calls the driver; nothing else. The
// shell completions and the manual page are generated from this same definition
// (src/cli_docs.cpp).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "rigc/driver.hpp"
#include "rigc/emit.hpp"
#include "src/cli_docs.hpp"

namespace {

constexpr const char* kSpecHelp = "the spec: a Rigfile or any *.rig file";

void add_spec(CLI::App* command, rigc::DriverOptions& options) {
  command->add_option("spec", options.spec, kSpecHelp)->type_name("SPEC")->capture_default_str();
}

// One directory per --pack-path; the option may be repeated.
CLI::Option* add_pack_path_to(CLI::App* command, std::vector<std::string>& dirs) {
  return command
      ->add_option_function<std::vector<std::string>>(
          "--pack-path",
          [&dirs](const std::vector<std::string>& more) {
            dirs.insert(dirs.end(), more.begin(), more.end());
          },
          "a directory of more *.rig packs (may be repeated)")
      ->type_name("DIR")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void add_pack_path(CLI::App* command, rigc::DriverOptions& options) {
  add_pack_path_to(command, options.pack_path);
}

void add_output(CLI::App* command, rigc::DriverOptions& options) {
  command
      ->add_option("-o,--output", options.output_dir,
                   "output directory (default: docker/ beside the spec)")
      ->type_name("DIR");
}

// The check that deps files and copy sources exist, which reads the disk.
void add_context_check(CLI::App* command, rigc::DriverOptions& options) {
  command->add_flag("--no-context-check", options.no_context_check,
                    "do not check that deps files and copy sources are in the build context on "
                    "disk (to generate before they exist)");
}

std::string outputs_help() {
  std::string text = "Outputs:\n";
  for (const rigc::Emitter* emitter : rigc::emitters())
    text += std::string("  ") + emitter->describe() + "\n";
  text += "  .rigc-manifest: the files rigc wrote, with their SHA-256\n";
  return text;
}

// What every command takes, before or after its name: `rigc --color build` and
// `rigc build --color` mean the same.
struct Globals {
  std::string error_format = "human";
  bool color = false;
  std::vector<std::string> pack_path;  // given before the command's name
};

void add_global_options(CLI::App* command, Globals& globals, rigc::DriverOptions& options,
                        bool top) {
  if (command->get_option_no_throw("--error-format") == nullptr) {
    command
        ->add_option("--error-format", globals.error_format,
                     "how errors are printed: human, or GitHub annotations")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"human", "github"}));
  }
  if (command->get_option_no_throw("--color") == nullptr) {
    command->add_flag("--color", globals.color,
                      "colour diagnostics even when stderr is not a terminal or NO_COLOR is set");
  }
  if (command->get_option_no_throw("--pack-path") == nullptr) {
    if (top) {
      add_pack_path_to(command, globals.pack_path);
    } else {
      add_pack_path(command, options);
    }
  }
  for (CLI::App* sub : command->get_subcommands({}))
    add_global_options(sub, globals, options, false);
}

// `rigc pin PACK VERSION [SPEC]`, or `rigc pin --check [SPEC]`: with --check the
// first positional argument is the spec.
int pin_command(rigc::DriverOptions& options, std::size_t given, bool check) {
  if (check ? given > 1 : given < 2) {
    std::cerr << "rigc pin: usage: rigc pin PACK VERSION [SPEC]  or  rigc pin --check [SPEC]\n";
    return 2;
  }
  if (check && given == 1) options.spec = options.pin_pack;
  return check ? rigc::run_pin_check(options) : rigc::run_pin(options);
}

}  // namespace

// The command-line definition, one block per command (hence its length), then the
// dispatch to the driver.
int main(int argc, char** argv) {
  CLI::App app{
      "rigc: compiles a Rig spec into optimized Dockerfiles and the files that build and "
      "run them"};
  app.set_version_flag("--version", std::string("rigc ") + RIGC_VERSION);
  rigc::DriverOptions options;
  Globals globals;

  CLI::App* build = app.add_subcommand("build", "compile the spec and write the outputs");
  add_spec(build, options);
  add_output(build, options);
  build->add_flag("--force", options.force,
                  "overwrite or remove files rigc did not generate, or that were edited by hand");
  add_context_check(build, options);
  build->footer(outputs_help());

  CLI::App* check = app.add_subcommand("check",
                                       "compile in memory and compare with the files on disk; "
                                       "write nothing (exit 1 on differences)");
  add_spec(check, options);
  add_output(check, options);
  add_context_check(check, options);

  CLI::App* plan = app.add_subcommand(
      "plan", "show the resolved packs, stages and layer order, with the reason for each");
  add_spec(plan, options);
  add_context_check(plan, options);
  plan->add_option("--format", options.format, "text or json")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "json"}));

  CLI::App* graph =
      app.add_subcommand("graph", "print the pack dependency graph and each image's stage graph");
  add_spec(graph, options);
  add_context_check(graph, options);
  std::string graph_format = "dot";
  graph->add_option("--format", graph_format, "dot or mermaid")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"dot", "mermaid"}))
      ->capture_default_str();

  CLI::App* fmt_command =
      app.add_subcommand("fmt", "rewrite specs in canonical form (comments kept)");
  fmt_command->add_option("spec", options.specs, "the specs (default: Rigfile)")->type_name("SPEC");
  fmt_command->add_flag("--check", options.check_only,
                        "only report (exit 1 and a diff) when the spec is not formatted");

  CLI::App* new_command = app.add_subcommand("new", "scaffold a runner or a pack into the spec");
  CLI::App* new_runner =
      new_command->add_subcommand("runner", "add a runner to the spec (created if missing)");
  new_runner->add_option("name", options.name, "the runner's name")->type_name("NAME")->required();
  add_spec(new_runner, options);
  new_runner->add_option("--packs", options.packs, "packs, comma-separated: git,python")
      ->type_name("PACK,…")
      ->delimiter(',');
  new_runner->add_option("--labels", options.labels, "extra runner labels, comma-separated")
      ->type_name("LABEL,…")
      ->delimiter(',');
  new_runner->add_option("--limits", options.limits, "resource limits: cpus=2,memory=4G")
      ->type_name("LIMITS");
  new_runner->add_option("--extends", options.extends, "a runner of the spec to extend")
      ->type_name("IMAGE");
  CLI::App* new_pack =
      new_command->add_subcommand("pack", "add a commented pack skeleton to the spec");
  new_pack->add_option("name", options.name, "the pack's name")->type_name("NAME")->required();
  add_spec(new_pack, options);

  CLI::App* packs = app.add_subcommand(
      "packs", "list the stock packs, those on --pack-path, and the spec's own when it is named");
  CLI::Option* packs_spec =
      packs->add_option("spec", options.spec, "a spec whose own packs to list too")
          ->type_name("SPEC");
  packs->add_option("--format", options.format, "text or json")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "json"}));

  CLI::App* pin = app.add_subcommand(
      "pin", "pin a pack's version with its checksums from upstream, or --check for newer ones");
  const std::vector<CLI::Option*> pin_args = {
      pin->add_option("pack", options.pin_pack, "the pack to pin (with --check: the spec)")
          ->type_name("PACK"),
      pin->add_option("version", options.pin_version, "the version to pin")->type_name("VERSION"),
      pin->add_option("spec", options.spec, kSpecHelp)->type_name("SPEC")};
  bool pin_check = false;
  pin->add_flag("--check", pin_check,
                "list the pins and downloaded versions with a newer upstream release (exit 1)");
  pin->add_option("--mirror", options.mirror,
                  "where to download from instead of the pack's mirror (or set <PACK>_MIRROR)")
      ->type_name("URL");
  pin->add_flag("--no-download", options.no_download,
                "trust the published checksum list without downloading the archives");

  CLI::App* completion = app.add_subcommand("completion", "print a shell completion script");
  std::string shell;
  completion->add_option("shell", shell, "bash, zsh or fish")
      ->type_name("SHELL")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));

  // Hidden (no group): the manual page, and the names the completions offer.
  CLI::App* man = app.add_subcommand("man", "print the manual page rigc(1)")->group("");
  CLI::App* complete =
      app.add_subcommand("complete", "print pack or image names for completions")->group("");
  complete->add_option("kind", options.format, "packs or images")
      ->required()
      ->check(CLI::IsMember({"packs", "images"}));
  add_spec(complete, options);

  add_global_options(&app, globals, options, true);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  options.error_format =
      globals.error_format == "github" ? rigc::ErrorFormat::github : rigc::ErrorFormat::human;
  options.pack_path.insert(options.pack_path.begin(), globals.pack_path.begin(),
                           globals.pack_path.end());
  // NO_COLOR by its convention: only a non-empty value turns colour off, and an
  // explicit --color turns it back on.
  const char* no_color = std::getenv("NO_COLOR");
  options.color =
      globals.color || (isatty(STDERR_FILENO) != 0 && (no_color == nullptr || *no_color == '\0'));

  try {
    if (build->parsed()) return rigc::run_build(options);
    if (check->parsed()) return rigc::run_check(options);
    if (plan->parsed()) return rigc::run_plan(options);
    if (graph->parsed()) {
      options.format = graph_format;
      return rigc::run_graph(options);
    }
    if (fmt_command->parsed()) return rigc::run_fmt(options);
    if (new_runner->parsed()) return rigc::run_new_runner(options);
    if (new_pack->parsed()) return rigc::run_new_pack(options);
    if (packs->parsed()) {
      options.with_spec = packs_spec->count() > 0;
      return rigc::run_packs(options);
    }
    if (pin->parsed()) {
      std::size_t given = 0;
      for (const CLI::Option* arg : pin_args)
        given += arg->count();
      return pin_command(options, given, pin_check);
    }
    if (complete->parsed()) return rigc::run_complete(options);
    if (completion->parsed()) {
      std::cout << rigc::cli::completion(rigc::cli::describe(app), shell);
      return 0;
    }
    if (man->parsed()) {
      std::cout << rigc::cli::man_page(rigc::cli::describe(app), RIGC_VERSION);
      return 0;
    }
    // A command that only groups others (`rigc`, `rigc new`) was given alone.
    std::cerr << rigc::cli::missing_subcommand(rigc::cli::describe(app),
                                               new_command->parsed() ? "new" : "");
  } catch (const std::exception& e) {
    std::cerr << "rigc: internal error: " << e.what() << "\n";
    return 2;
  }
  return 2;
}
