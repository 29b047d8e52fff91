// The base stage: the OS image and the base pack's OS packages, shared by every
// image on the same base (byte-identical, so BuildKit builds it once). An
// application alone on its base shares it with nothing, so the packs' OS packages
// join the same apt run: each apt-get run costs an index update and a dpkg pass,
// the largest part of a cold build of a small image.
#include <fmt/format.h>

#include "lower_image.hpp"
#include "rigc/text.hpp"

namespace rigc::lowering {

std::vector<std::string> base_packages(const ImageContext& c) {
  std::vector<std::string> packages;
  for (const ResolvedPack& rp : c.image.packs) {
    if (rp.pack->name.value == "base") packages = pack_apt(c, *rp.pack);
  }
  if (packages.empty()) packages.push_back("ca-certificates");
  if (c.packs_in_base) {
    for (std::string& p : runtime_packages(c, nullptr))
      packages.push_back(std::move(p));
  }
  return text::sorted_unique(std::move(packages));
}

ir::Stage base_stage(const ImageContext& c) {
  ir::Stage base = new_stage(
      "base", c.base,
      c.packs_in_base ? fmt::format("the OS image and every OS package of the runtime ({} is this "
                                    "image's alone)",
                                    c.base)
                      : fmt::format("the OS image, shared by every image on {}", c.base));
  base.instructions.push_back(apt_layer(
      c, base_packages(c), ir::Layer::os_packages,
      c.packs_in_base ? "The base pack's and the packs' OS packages in one apt run (no other image "
                        "shares this stage); keep .debs for the apt cache mounts."
                      : "The base pack's OS packages; keep .debs for the apt cache mounts.",
      c.packs_in_base ? "changes when the base image or a pack changes"
                      : "changes when the base image or the base pack changes",
      true));
  return base;
}

}  // namespace rigc::lowering
