// The build stage: when a pack that installs the image's dependencies needs
// build-only OS packages (build-apt), the dependencies are installed on top of the
// runtime stage with those packages, and the final stage copies only what the
// install produced. Build tools never reach the final image.
#include "lower_image.hpp"

namespace rigc::lowering {

ir::Stage build_stage(const ImageContext& c) {
  ir::Stage build = new_stage("build", "runtime", "dependencies built with build-only packages");
  if (c.uid != 0)
    build.instructions.push_back(
        instruction(ir::User{"root"}, ir::Layer::deps, "build-only packages need root"));
  std::vector<std::string> packages;
  for (const DepsStep& step : c.deps) {
    for (const auto& p : step.pack->pack->build_apt)
      packages.push_back(p.value);
  }
  if (!packages.empty()) {
    build.instructions.push_back(apt_layer(c, packages, ir::Layer::deps,
                                           "Build-only OS packages: they never reach the final "
                                           "image.",
                                           "changes when a pack's build-apt changes", false));
  }
  if (c.uid != 0)
    build.instructions.push_back(
        user_step(c, ir::Layer::deps, "dependencies install as the image user"));
  for (ir::Instruction& in : deps_steps(c))
    build.instructions.push_back(std::move(in));
  return build;
}

}  // namespace rigc::lowering
