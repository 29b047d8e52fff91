#pragma once
/// Files compiled into the binary by cmake/embed.cmake: the stock packs (packs/*.rig)
/// and the fixed text of the outputs (templates/*).

#include <string_view>
#include <vector>

namespace rigc::embedded {

struct File {
  std::string_view name;  ///< file name without directory, e.g. "python.rig"
  std::string_view text;
};

/// The stock packs, in file-name order.
const std::vector<File>& packs();
/// The templates, in file-name order.
const std::vector<File>& templates();

}  // namespace rigc::embedded
