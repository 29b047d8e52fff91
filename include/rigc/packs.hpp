#pragma once
/// The pack library: the stock packs built into the binary, packs from --pack-path
/// directories, and the stock caches.

#include <string>
#include <vector>

#include "rigc/diagnostics.hpp"
#include "rigc/spec.hpp"

namespace rigc {

/// Parses and elaborates the stock packs, then every `*.rig` file of each
/// directory in `pack_path` (in name order). A later pack replaces an earlier one
/// of the same name. Files are added to `sources` so errors point into them.
std::vector<spec::PackDecl> load_packs(const std::vector<std::string>& pack_path, Sources& sources,
                                       Diagnostics& diagnostics);

/// A cache every pack and image can name without a path.
struct StockCache {
  const char* name;
  const char* path;  ///< "~" is the image user's home
};

/// The stock caches, by name.
const std::vector<StockCache>& stock_caches();

/// The stock cache called `name`, or null.
const StockCache* find_stock_cache(const std::string& name);

}  // namespace rigc
