#include "rigc/validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string_view>
#include <unordered_set>

#include "rigc/ignore_match.hpp"

namespace rigc {
namespace {

// glibc's memmem: std::string::find stops at every occurrence of the needle's
// first character (a blank, in a shell script) to compare the rest.
bool contains(const std::string& text, std::string_view needle) {
  return ::memmem(text.data(), text.size(), needle.data(), needle.size()) != nullptr;
}

void internal(Diagnostics& diagnostics, const ir::Image& image, const std::string& message) {
  diagnostics.error(image.location, fmt::format("internal error in image '{}': {} (please report "
                                                "this as a rigc bug)",
                                                image.name, message));
}

// Scripts found free of forbidden commands. Images repeat the same pack scripts:
// a script is read through once, later copies are recognised by a hash.
using CleanScripts = std::unordered_set<std::string_view>;

// No recursive ownership changes (§4 rule 5) and no apt misuse (rule 3) in any
// RUN script.
void check_script(const ir::Image& image, const ir::Run& run, CleanScripts& clean,
                  Diagnostics& diagnostics) {
  const std::string& s = run.script;
  if (clean.count(s) != 0) return;
  const bool recursive =
      contains(s, "chown -R") || contains(s, "chmod -R") || contains(s, "--recursive");
  const bool apt =
      contains(s, "apt-get upgrade") || contains(s, "sudo ") || contains(s, " apt install");
  if (recursive) internal(diagnostics, image, "recursive ownership change");
  if (apt) internal(diagnostics, image, "forbidden apt usage");
  if (!recursive && !apt) clean.insert(s);
}

struct Counts {
  int healthchecks = 0, cmds = 0, entrypoints = 0;
};

void check_instruction(const ir::Image& image, const ir::Instruction& in, Counts& counts,
                       CleanScripts& clean, Diagnostics& diagnostics) {
  if (const auto* run = std::get_if<ir::Run>(&in.op)) check_script(image, *run, clean, diagnostics);
  if (const auto* copy = std::get_if<ir::Copy>(&in.op)) {
    if (copy->from.empty() && copy->chown.empty())
      internal(diagnostics, image, "COPY without --chown: " + copy->dest);
  }
  if (const auto* workdir = std::get_if<ir::Workdir>(&in.op)) {
    if (workdir->path.empty() || workdir->path[0] != '/')
      internal(diagnostics, image, "relative WORKDIR");
  }
  counts.healthchecks += std::holds_alternative<ir::Healthcheck>(in.op);
  counts.cmds += std::holds_alternative<ir::Cmd>(in.op);
  counts.entrypoints += std::holds_alternative<ir::Entrypoint>(in.op);
}

// The image runs as a numeric non-root user: the last USER of the final stage. A
// runner's ends as root, and its entrypoint runs the runner as the user.
// The USER a stage runs as: its own last USER, or that of the stage it starts from.
std::string effective_user(const ir::Image& image, const ir::Stage& stage, int depth = 0) {
  for (auto in = stage.instructions.rbegin(); in != stage.instructions.rend(); ++in) {
    if (const auto* u = std::get_if<ir::User>(&in->op)) return u->user;
  }
  if (depth > 64) return "";
  for (const ir::Stage& parent : image.stages) {
    if (parent.name == stage.from) return effective_user(image, parent, depth + 1);
  }
  return "";  // a base image's own user: not known to be numeric
}

void check_final_user(const ir::Image& image, Diagnostics& diagnostics) {
  for (const ir::Stage& stage : image.stages) {
    if (stage.name != "final") continue;
    const std::string user = effective_user(image, stage);
    if (image.drops_privileges) {
      if (user != "root")
        internal(diagnostics, image, "a runner's final USER is not root, so it cannot drop");
      continue;
    }
    const bool numeric =
        !user.empty() && user.find_first_not_of("0123456789:") == std::string::npos;
    if (image.uid != 0 && (!numeric || user == "0" || user.rfind("0:", 0) == 0))
      internal(diagnostics, image, "the final USER is not a numeric non-root user");
  }
}

void check_rules(const ir::Image& image, CleanScripts& clean, Diagnostics& diagnostics) {
  std::set<std::string> stages;
  for (const ir::Stage& stage : image.stages) {
    if (!stages.insert(stage.name).second)
      internal(diagnostics, image, "duplicate stage " + stage.name);
    if (stage.name == "scratch" || stage.name == "context")
      internal(diagnostics, image, "reserved stage name");
    Counts counts;
    for (const ir::Instruction& in : stage.instructions)
      check_instruction(image, in, counts, clean, diagnostics);
    if (counts.healthchecks > 1 || counts.cmds > 1 || counts.entrypoints > 1) {
      internal(diagnostics, image,
               "more than one HEALTHCHECK, CMD or ENTRYPOINT in stage " + stage.name);
    }
  }
  check_final_user(image, diagnostics);
}

// CopyIgnoredFile: what the Dockerfile copies must be in the context.
void check_context(const ir::Image& image, const IgnoreMatcher& matcher, Diagnostics& diagnostics) {
  for (const ir::ContextInput& input : image.context_inputs) {
    const bool deps = input.kind == ir::ContextInput::Kind::deps;
    if (!deps && clean_path(input.path) == ".") continue;
    if (!matcher.excluded(input.path)) continue;
    diagnostics.error(input.location,
                      fmt::format("'{}' is left out of the build context by the ignore "
                                  "patterns, so image '{}' cannot {} it; add '!{}' to the "
                                  "ignore block",
                                  input.path, image.name, deps ? "install" : "copy", input.path));
  }
}

}  // namespace

void validate(const ir::Build& build, Diagnostics& diagnostics) {
  // Images share their ignore lines (lower makes one list per distinct content):
  // a matcher is compiled once per list, and only for an image that copies
  // something.
  std::map<const std::vector<std::string>*, IgnoreMatcher> matchers;
  CleanScripts clean;
  for (const ir::Image& image : build.images) {
    check_rules(image, clean, diagnostics);
    if (image.context_inputs.empty()) continue;
    auto known = matchers.find(image.ignore.get());
    if (known == matchers.end())
      known = matchers.emplace(image.ignore.get(), IgnoreMatcher(*image.ignore)).first;
    check_context(image, known->second, diagnostics);
  }
}

}  // namespace rigc
