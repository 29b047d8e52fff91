#pragma once
/// Stage 7: the generated files and the disk. `build` writes them atomically and
/// only after every check passed; `check` compares and writes nothing.

#include <iosfwd>
#include <string>
#include <vector>

#include "rigc/diagnostics.hpp"
#include "rigc/emit.hpp"

namespace rigc {

/// The name of the manifest in the output directory.
inline constexpr const char* kManifestName = ".rigc-manifest";

/// The manifest for `files`: each path with the SHA-256 of its content.
OutputFile make_manifest(const std::string& spec_name, const std::vector<OutputFile>& files);

/// The paths listed in a manifest's text; entries that are not plain relative
/// paths inside the output directory ("..", absolute) are dropped.
std::vector<std::pair<std::string, std::string>> parse_manifest(const std::string& text);

struct CheckReport {
  std::vector<std::string> missing, changed, stale;
  std::string diff;  ///< unified diffs of the changed files
  bool clean() const { return missing.empty() && changed.empty() && stale.empty(); }
};

/// Compares `files` (which include the manifest) with `dir`.
CheckReport check_outputs(const std::string& dir, const std::vector<OutputFile>& files);

struct WriteSummary {
  std::vector<std::string> written, unchanged, removed;
};

/// Writes `files` into `dir` (created if needed): refuses, before touching
/// anything, to overwrite or delete a file rigc did not generate unless `force`;
/// then writes each changed file through a temporary file and a rename, and
/// removes the stale files of the previous manifest. Errors go to `diagnostics`.
WriteSummary write_outputs(const std::string& dir, const std::vector<OutputFile>& files, bool force,
                           Diagnostics& diagnostics);

/// Replaces one file through a temporary file, fsync and rename (for `fmt` and
/// `new`, which edit the spec). False with `error` set on failure.
bool write_file_atomically(const std::string& path, const std::string& content, std::string& error);

/// A unified diff of two texts with the given file labels ("" when equal).
std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& from_label, const std::string& to_label);

}  // namespace rigc
