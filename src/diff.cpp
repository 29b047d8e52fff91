#include "rigc/diff.hpp"

#include <dtl/dtl.hpp>
#include <filesystem>
#include <set>
#include <sstream>

#include "rigc/file_io.hpp"
#include "rigc/manifest.hpp"
#include "rigc/output.hpp"
#include "rigc/text.hpp"

namespace rigc {
namespace fs = std::filesystem;

std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& from_label, const std::string& to_label) {
  if (before == after) return {};
  const std::vector<std::string> a = text::lines(before), b = text::lines(after);
  dtl::Diff<std::string, std::vector<std::string>> diff(a, b);
  diff.onHuge();
  diff.compose();
  diff.composeUnifiedHunks();
  std::ostringstream out;
  out << "--- " << from_label << "\n+++ " << to_label << "\n";
  diff.printUnifiedFormat(out);
  if (!before.empty() && before.back() != '\n') out << "\\ No newline at end of file (on disk)\n";
  return out.str();
}

CheckReport check_outputs(const std::string& dir, const std::vector<OutputFile>& files,
                          const std::string& repository_root) {
  CheckReport report;
  std::set<std::string> produced;
  for (const OutputFile& file : files)
    produced.insert(manifest_key(file));
  for (const OutputFile& file : files) {
    const std::string key = manifest_key(file);
    const fs::path path = output_path(dir, repository_root, key);
    std::string current;
    if (!read_regular_file(path, current)) {
      report.missing.push_back(key);
      continue;
    }
    if (current != file.content) {
      report.changed.push_back(key);
      const std::string label = path.lexically_normal().string();
      report.diff +=
          unified_diff(current, file.content, label + " (on disk)", label + " (generated)");
    }
  }
  // The files of the previous build that this one no longer makes: the manifest on
  // disk lists them, whatever `files` holds.
  std::string manifest;
  if (read_regular_file(fs::path(dir) / kManifestName, manifest)) {
    for (const auto& [path, hash] : parse_manifest(manifest)) {
      std::error_code ec;
      if (path.rfind(":/", 0) == 0 && repository_root.empty()) continue;
      if (produced.count(path) == 0 &&
          fs::exists(fs::symlink_status(output_path(dir, repository_root, path), ec))) {
        report.stale.push_back(path);
      }
    }
  }
  return report;
}

}  // namespace rigc
