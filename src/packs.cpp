#include "rigc/packs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rigc/elaborate.hpp"
#include "rigc/embedded.hpp"
#include "rigc/parser.hpp"

namespace rigc {
namespace {

void add_packs(std::uint32_t file, Sources& sources, Diagnostics& diagnostics, bool stock,
               std::vector<spec::PackDecl>& packs) {
  const ast::Module module = parse(sources, file, diagnostics);
  spec::Module decls = elaborate(module, diagnostics);
  if (!decls.images.empty() || decls.defaults || decls.ignore) {
    Location at{file, 1, 1, 1};
    if (!decls.images.empty()) at = decls.images.front().name.location;
    diagnostics.error(at, "a pack file may only declare packs");
  }
  for (spec::PackDecl& pack : decls.packs) {
    pack.stock = stock;
    const auto same = [&](const spec::PackDecl& p) { return p.name.value == pack.name.value; };
    packs.erase(std::remove_if(packs.begin(), packs.end(), same), packs.end());
    packs.push_back(std::move(pack));
  }
}

}  // namespace

std::vector<spec::PackDecl> load_packs(const std::vector<std::string>& pack_path, Sources& sources,
                                       Diagnostics& diagnostics) {
  std::vector<spec::PackDecl> packs;
  for (const embedded::File& file : embedded::packs()) {
    const auto id = sources.add("<stock>/" + std::string(file.name), std::string(file.text));
    add_packs(id, sources, diagnostics, true, packs);
  }
  for (const std::string& dir : pack_path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      diagnostics.error({}, fmt::format("--pack-path '{}' is not a directory", dir));
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".rig") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& path : files) {
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        diagnostics.error({}, fmt::format("cannot read pack file '{}'", path.string()));
        continue;
      }
      std::ostringstream text;
      text << in.rdbuf();
      add_packs(sources.add(path.string(), text.str()), sources, diagnostics, false, packs);
    }
  }
  return packs;
}

const std::vector<StockCache>& stock_caches() {
  static const std::vector<StockCache> caches = {
      {"apt", "/var/cache/apt"},
      {"cargo", "~/.cargo/registry"},
      {"ccache", "~/.cache/ccache"},
      {"conan", "~/.conan2"},
      {"go-build", "~/.cache/go-build"},
      {"go-mod", "~/go/pkg/mod"},
      {"gradle", "~/.gradle/caches"},
      {"maven", "~/.m2/repository"},
      {"npm", "~/.npm"},
      {"pip", "~/.cache/pip"},
      {"pnpm", "~/.local/share/pnpm/store"},
      {"yarn", "~/.cache/yarn"},
  };
  return caches;
}

const StockCache* find_stock_cache(const std::string& name) {
  for (const StockCache& cache : stock_caches()) {
    if (name == cache.name) return &cache;
  }
  return nullptr;
}

}  // namespace rigc
