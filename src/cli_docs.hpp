#pragma once
// What the command line says about itself: the shell completions (bash, zsh, fish)
// and the manual page, generated from the CLI11 definition in main.cpp, so that
// neither can drift from the options rigc accepts. Internal to the executable
// (it needs CLI11), hence in src/.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace rigc::cli {

/// One option or positional argument of a command, as the definition gives it.
struct Argument {
  std::vector<std::string> names;    ///< "-o", "--output"; the name of a positional
  std::string value;                 ///< "" for a flag; "DIR", "SPEC", "PACK,…", "IMAGE", …
  std::vector<std::string> choices;  ///< the allowed values, when the definition lists them
  std::string description;
  bool positional = false;
  bool required = false;
};

/// One command ("" for rigc itself, "build", "new runner").
struct Command {
  std::string path;
  std::string description;
  std::vector<Argument> options;      ///< the options, global ones included
  std::vector<Argument> positionals;  ///< in order
  std::vector<std::string> children;  ///< visible subcommands
  std::string footer;
};

/// Every visible command of `app`, depth first (hidden ones, in no group, are
/// left out: `rigc man`, `rigc complete`).
std::vector<Command> describe(const CLI::App& app);

/// The completion script for `shell` ("bash", "zsh" or "fish"). It completes the
/// commands, options and their fixed values, directories, spec files, and pack
/// and image names, which it asks `rigc complete packs|images SPEC` for at
/// completion time (the spec named on the line, or ./Rigfile).
std::string completion(const std::vector<Command>& commands, const std::string& shell);

/// The manual page rigc(1) in roff (man macros).
std::string man_page(const std::vector<Command>& commands, const std::string& version);

/// What `rigc` or `rigc new` (`path`) without a subcommand prints: the subcommands
/// to choose from, with their descriptions.
std::string missing_subcommand(const std::vector<Command>& commands, const std::string& path);

}  // namespace rigc::cli
