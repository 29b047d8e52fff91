// The base stage: the OS image and the base pack's OS packages, shared by every
// image on the same base (byte-identical, so BuildKit builds it once).
#include <fmt/format.h>

#include "lower_image.hpp"

namespace rigc::lowering {

ir::Stage base_stage(const ImageContext& c) {
  ir::Stage base =
      new_stage("base", c.base, fmt::format("the OS image, shared by every image on {}", c.base));
  std::vector<std::string> packages;
  for (const ResolvedPack& rp : c.image.packs) {
    if (rp.pack->name.value != "base") continue;
    packages = pack_apt(c, *rp.pack);
  }
  if (packages.empty()) packages.push_back("ca-certificates");
  base.instructions.push_back(apt_layer(c, packages, ir::Layer::os_packages,
                                        "The base pack's OS packages; keep .debs for the apt "
                                        "cache mounts.",
                                        "changes when the base image or the base pack changes",
                                        true));
  return base;
}

}  // namespace rigc::lowering
