#pragma once
/// How rigc knows its own files: the manifest it writes into the output directory
/// (each generated file with the SHA-256 of its content) and the marker line every
/// generated file carries.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rigc/emit.hpp"

namespace rigc {

/// The name of the manifest in the output directory.
inline constexpr const char* kManifestName = ".rigc-manifest";

/// How the manifest names a file: its path in the output directory, or for the
/// workflow that `ci-workflow` puts in the repository, ":/" and its path from the
/// repository root (git's notation for the top of the work tree), e.g.
/// ":/.github/workflows/images.yml".
std::string manifest_key(const OutputFile& file);

/// A key of the repository's root that rigc may write or remove: exactly
/// ":/.github/workflows/NAME.yml" (or .yaml) with a plain file NAME. Every other
/// ":/" key is ignored wherever the manifest has it.
bool repository_key(const std::string& key);

/// The manifest for `files`: each path (manifest_key) with the SHA-256 of its content.
OutputFile make_manifest(const std::string& spec_name, const std::vector<OutputFile>& files);

/// The entries of a manifest by path: every hash the manifest gives the path (an
/// interim manifest gives a file being replaced both its old and its new hash).
using ManifestEntries = std::map<std::string, std::vector<std::string>>;

/// The text of the interim manifest a build puts in place before it renames files
/// whose new content `listed` (the entries of the manifest on disk) does not name:
/// every listed entry, then each such file of `written` with its new hash, so that
/// whatever a killed build leaves, every file on disk is listed with its content's
/// hash. "" when `written` holds none.
std::string interim_manifest(const ManifestEntries& listed,
                             const std::vector<const OutputFile*>& written);

/// The entries of a manifest's text by path (see parse_manifest).
ManifestEntries manifest_entries(const std::string& text);

/// Whether `listed` gives `path` the SHA-256 of `content`: rigc wrote it, and it
/// has not been edited since.
bool listed_as_written(const ManifestEntries& listed, const std::string& path,
                       const std::string& content);

/// The paths listed in a manifest's text, each with its hash; entries that are not
/// plain relative paths inside the output directory ("..", absolute) or a
/// repository_key are dropped.
std::vector<std::pair<std::string, std::string>> parse_manifest(const std::string& text);

/// Whether `content` carries the generated-file marker in its first lines.
bool generated_by_rigc(const std::string& content);

}  // namespace rigc
