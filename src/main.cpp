// Maps the command line to DriverOptions and calls the driver; nothing else.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "rigc/driver.hpp"
#include "rigc/emit.hpp"

namespace {

void add_common(CLI::App* command, rigc::DriverOptions& options, bool with_output) {
  command->add_option("spec", options.spec, "the spec: a Rigfile or any *.rig file")
      ->capture_default_str();
  if (with_output) {
    command->add_option("-o,--output", options.output_dir,
                        "output directory (default: docker/ beside the spec)");
  }
  command->add_option("--pack-path", options.pack_path, "a directory of extra *.rig packs")
      ->type_name("DIR");
}

std::string outputs_help() {
  std::string text = "Outputs:\n";
  for (const rigc::Emitter* emitter : rigc::emitters())
    text += std::string("  ") + emitter->describe() + "\n";
  text += "  .rigc-manifest: the files rigc wrote, with their SHA-256\n";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "rigc: compiles a Rig spec into optimized Dockerfiles and the files that build "
      "and run them"};
  app.set_version_flag("--version", std::string("rigc ") + RIGC_VERSION);
  app.require_subcommand(1);
  rigc::DriverOptions options;
  std::string error_format = "human";
  app.add_option("--error-format", error_format, "how errors are printed: human or github")
      ->check(CLI::IsMember({"human", "github"}));
  app.add_flag("--color", options.color, "colour diagnostics even when stderr is not a terminal");

  CLI::App* build = app.add_subcommand("build", "compile the spec and write the outputs");
  add_common(build, options, true);
  build->add_flag("--force", options.force, "overwrite or remove files rigc did not generate");
  build->footer(outputs_help());

  CLI::App* check = app.add_subcommand(
      "check",
      "compile in memory and compare with the files on disk; write nothing (exit 1 on "
      "differences)");
  add_common(check, options, true);

  CLI::App* plan = app.add_subcommand(
      "plan", "show the resolved packs, stages and layer order, with the reason for each");
  add_common(plan, options, false);
  plan->add_option("--format", options.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));

  CLI::App* packs = app.add_subcommand("packs", "list the stock packs and those on --pack-path");
  packs->add_option("--pack-path", options.pack_path, "a directory of extra *.rig packs")
      ->type_name("DIR");
  packs->add_option("--format", options.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));

  for (CLI::App* command : {build, check, plan, packs}) {
    command->add_option("--error-format", error_format, "how errors are printed: human or github")
        ->check(CLI::IsMember({"human", "github"}));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  options.error_format =
      error_format == "github" ? rigc::ErrorFormat::github : rigc::ErrorFormat::human;
  if (!options.color)
    options.color = isatty(STDERR_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
  if (std::getenv("NO_COLOR") != nullptr) options.color = false;

  try {
    if (build->parsed()) return rigc::run_build(options);
    if (check->parsed()) return rigc::run_check(options);
    if (plan->parsed()) return rigc::run_plan(options);
    if (packs->parsed()) return rigc::run_packs(options);
  } catch (const std::exception& e) {
    std::cerr << "rigc: internal error: " << e.what() << "\n";
    return 2;
  }
  return 2;
}
