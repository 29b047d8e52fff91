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

/// The text of the interim manifest a build puts in place before it renames files
/// that `listed` (the entries of the manifest on disk) does not name: every listed
/// entry, then each such file of `written`. "" when `written` holds none.
std::string interim_manifest(const std::map<std::string, std::string>& listed,
                             const std::vector<const OutputFile*>& written);

/// The paths listed in a manifest's text, each with its hash; entries that are not
/// plain relative paths inside the output directory ("..", absolute) or a
/// repository_key are dropped.
std::vector<std::pair<std::string, std::string>> parse_manifest(const std::string& text);

/// Whether `content` carries the generated-file marker in its first lines.
bool generated_by_rigc(const std::string& content);

}  // namespace rigc
