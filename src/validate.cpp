#include "rigc/validate.hpp"

#include <fmt/format.h>

#include <set>

#include "rigc/ignore_match.hpp"

namespace rigc {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

void internal(Diagnostics& diagnostics, const ir::Image& image, const std::string& message) {
  diagnostics.error(image.location, fmt::format("internal error in image '{}': {} (please report "
                                                "this as a rigc bug)",
                                                image.name, message));
}

void check_rules(const ir::Image& image, Diagnostics& diagnostics) {
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
      if (t.find("chown -R") != std::string::npos || t.find("chmod -R") != std::string::npos ||
          t.find("--recursive") != std::string::npos) {
        internal(diagnostics, image, "recursive ownership change");
      }
      if (t.find("apt-get upgrade") != std::string::npos || t.find("sudo ") != std::string::npos ||
          t.find(" apt install") != std::string::npos) {
        internal(diagnostics, image, "forbidden apt usage");
      }
      if (starts_with(t, "COPY ") && t.find("--from=") == std::string::npos &&
          t.find("--chown=") == std::string::npos) {
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
  for (std::size_t i = 0; i < build.images.size(); ++i) {
    const ir::Image& image = build.images[i];
    const ResolvedImage& source = resolved.images[i];
    check_rules(image, diagnostics);
    // CopyIgnoredFile: what the Dockerfile copies must be in the context.
    const IgnoreMatcher matcher(image.ignore);
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
