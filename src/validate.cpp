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

bool starts_with(const std::string& s, std::string_view prefix) {
  return std::string_view(s).substr(0, prefix.size()) == prefix;
}

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

// Instruction texts found free of forbidden words. Images repeat the same pack
// scripts: a text is read through once, later copies are recognised by a hash.
using CleanTexts = std::unordered_set<std::string_view>;

void check_rules(const ir::Image& image, CleanTexts& clean, Diagnostics& diagnostics) {
  std::set<std::string> stages;
  const std::string last_user_stage;
  for (const ir::Stage& stage : image.stages) {
    if (!stages.insert(stage.name).second)
      internal(diagnostics, image, "duplicate stage " + stage.name);
    if (stage.name == "scratch" || stage.name == "context")
      internal(diagnostics, image, "reserved stage name");
    int healthchecks = 0, cmds = 0, entrypoints = 0;
    for (const ir::Instruction& in : stage.instructions) {
      const std::string& t = in.text;
      if (clean.count(t) == 0) {
        const bool recursive =
            contains(t, "chown -R") || contains(t, "chmod -R") || contains(t, "--recursive");
        const bool apt =
            contains(t, "apt-get upgrade") || contains(t, "sudo ") || contains(t, " apt install");
        if (recursive) internal(diagnostics, image, "recursive ownership change");
        if (apt) internal(diagnostics, image, "forbidden apt usage");
        if (!recursive && !apt) clean.insert(t);
      }
      if (starts_with(t, "COPY ") && !contains(t, "--from=") && !contains(t, "--chown=")) {
        internal(diagnostics, image, "COPY without --chown: " + t);
      }
      if (starts_with(t, "WORKDIR ") && t.size() > 8 && t[8] != '/')
        internal(diagnostics, image, "relative WORKDIR");
      healthchecks += starts_with(t, "HEALTHCHECK ");
      cmds += starts_with(t, "CMD ");
      entrypoints += starts_with(t, "ENTRYPOINT ");
    }
    if (healthchecks > 1 || cmds > 1 || entrypoints > 1) {
      internal(diagnostics, image,
               "more than one HEALTHCHECK, CMD or ENTRYPOINT in stage " + stage.name);
    }
  }
  // The image runs as a numeric user: the last USER of the final stage.
  for (const ir::Stage& stage : image.stages) {
    if (stage.name != "final") continue;
    std::string user;
    for (const ir::Instruction& in : stage.instructions) {
      if (starts_with(in.text, "USER ")) user = in.text.substr(5);
    }
    const bool numeric =
        !user.empty() && user.find_first_not_of("0123456789:") == std::string::npos;
    if (image.uid != 0 && (!numeric || user == "0" || starts_with(user, "0:"))) {
      internal(diagnostics, image, "the final USER is not a numeric non-root user");
    }
  }
}

}  // namespace

void validate(const ir::Build& build, const Resolved& resolved, Diagnostics& diagnostics) {
  // Images share their ignore lines (the defaults and the spec's block, and one
  // more line for runners): a matcher is compiled once per distinct list, and
  // only for an image that copies something.
  // Keyed by the list's contents, so that images with lists of their own stay
  // n log n.
  const auto by_lines = [](const std::vector<std::string>* a, const std::vector<std::string>* b) {
    return *a < *b;
  };
  std::map<const std::vector<std::string>*, IgnoreMatcher, decltype(by_lines)> matchers(by_lines);
  CleanTexts clean;
  for (std::size_t i = 0; i < build.images.size(); ++i) {
    const ir::Image& image = build.images[i];
    const ResolvedImage& source = resolved.images[i];
    check_rules(image, clean, diagnostics);
    // CopyIgnoredFile: what the Dockerfile copies must be in the context.
    if (source.settings.deps.empty() && source.settings.copies.empty()) continue;
    auto known = matchers.find(&image.ignore);
    if (known == matchers.end()) known = matchers.emplace(&image.ignore, image.ignore).first;
    const IgnoreMatcher& matcher = known->second;
    for (const spec::Deps& deps : source.settings.deps) {
      for (const std::string& file : deps.files) {
        if (matcher.excluded(file)) {
          diagnostics.error(deps.location,
                            fmt::format("'{}' is left out of the build context by the ignore "
                                        "patterns, so image '{}' cannot install it; add '!{}' to "
                                        "the ignore block",
                                        file, image.name, file));
        }
      }
    }
    for (const spec::Copy& copy : source.settings.copies) {
      if (clean_path(copy.source) != "." && matcher.excluded(copy.source)) {
        diagnostics.error(copy.location,
                          fmt::format("'{}' is left out of the build context by the ignore "
                                      "patterns, so image '{}' cannot copy it; add '!{}' to the "
                                      "ignore block",
                                      copy.source, image.name, copy.source));
      }
    }
  }
}

}  // namespace rigc
