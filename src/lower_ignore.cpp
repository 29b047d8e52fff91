// The .dockerignore of an image: what never belongs in a build context, the
// spec's own patterns (first, in allow-list mode), rigc's outputs, and for a
// runner the one output file its image copies.
#include "lower_image.hpp"
#include "rigc/templates.hpp"
#include "rigc/text.hpp"

namespace rigc::lowering {
namespace {

std::vector<std::string> generated(const LowerOptions& options) {
  std::vector<std::string> lines = {"# The spec and rigc's outputs are not sources.",
                                    options.spec_name};
  if (options.output_dir == ".") {
    lines.insert(lines.end(), {"*.Dockerfile", "*.Dockerfile.dockerignore", ".rigc-manifest"});
  } else {
    lines.push_back(options.output_dir);
  }
  return lines;
}

}  // namespace

std::vector<std::string> dockerignore_lines(const ImageContext& c,
                                            const std::vector<std::string>& patterns) {
  std::vector<std::string> lines;
  const auto add = [&](const std::vector<std::string>& more) {
    lines.insert(lines.end(), more.begin(), more.end());
  };
  const std::vector<std::string> defaults =
      text::lines(render_template("dockerignore-defaults.txt", {}));
  if (!patterns.empty() && patterns.front() == "*") {
    lines.push_back("# Allow-list mode (the spec's ignore block starts with '*').");
    add(patterns);
    add(defaults);
    add(generated(c.options));
  } else {
    add(defaults);
    add(generated(c.options));
    if (!patterns.empty()) {
      lines.push_back("# From the spec's ignore block.");
      add(patterns);
    }
  }
  if (c.runner) {
    lines.push_back("# What this image needs from the output directory.");
    lines.push_back("!" + entrypoint_in_context(c.options));
  }
  return lines;
}

}  // namespace rigc::lowering
