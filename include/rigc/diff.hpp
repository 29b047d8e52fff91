#pragma once
/// What `rigc check` reports: the generated files compared with the output
/// directory, and unified diffs of the ones that differ. Nothing is written.

#include <string>
#include <vector>

#include "rigc/emit.hpp"

namespace rigc {

struct CheckReport {
  std::vector<std::string> missing, changed, stale;
  std::string diff;  ///< unified diffs of the changed files
  bool clean() const { return missing.empty() && changed.empty() && stale.empty(); }
};

/// Compares `files` (which include the manifest) with `dir`, and the workflow that
/// `ci-workflow` puts in the repository with `repository_root`. The reports name
/// files by manifest key (manifest.hpp).
CheckReport check_outputs(const std::string& dir, const std::vector<OutputFile>& files,
                          const std::string& repository_root = "");

/// A unified diff of two texts with the given file labels ("" when equal).
std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& from_label, const std::string& to_label);

}  // namespace rigc
