#pragma once
/// `rigc plan`: the resolved packs, stages and layer order of each image, with the
/// reason for each layer's position and what invalidates it.

#include <string>

#include "rigc/ir.hpp"

namespace rigc {

std::string plan_text(const ir::Build& build);
std::string plan_json(const ir::Build& build);

}  // namespace rigc
