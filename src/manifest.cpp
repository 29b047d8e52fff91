#include "rigc/manifest.hpp"

#include <fmt/format.h>

#include <string_view>

#include "rigc/text.hpp"

namespace rigc {

namespace {

bool safe_relative(const std::string& path) {
  if (path.empty() || path[0] == '/' || path.find('\\') != std::string::npos) return false;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(begin, end - begin);
    if (part.empty() || part == "." || part == "..") return false;
    begin = end + 1;
  }
  return true;
}

std::string entry(const std::string& hash, const std::string& path) {
  return fmt::format("{}  {}\n", hash, path);
}

constexpr std::string_view kRepositoryPrefix = ":/";

}  // namespace

std::string manifest_key(const OutputFile& file) {
  if (file.root == OutputFile::Root::output) return file.path;
  return std::string(kRepositoryPrefix) + file.path;
}

bool repository_key(const std::string& key) {
  static const std::string dir = ":/.github/workflows/";
  if (key.rfind(dir, 0) != 0) return false;
  const std::string name = key.substr(dir.size());
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() > suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return name[0] != '.' && name.find_first_of("/\\") == std::string::npos && safe_relative(name) &&
         (ends_with(".yml") || ends_with(".yaml"));
}

OutputFile make_manifest(const std::string& spec_name, const std::vector<OutputFile>& files) {
  std::string text = fmt::format(
      "# {} from {}: the files it wrote here, with their SHA-256.\n"
      "# Do not edit: `rigc build` uses it to replace and remove only its own files.\n",
      kGeneratedMarker, spec_name);
  for (const OutputFile& file : files) {
    if (file.root == OutputFile::Root::repository &&
        text.find("# Paths after :/") == std::string::npos)
      text += "# Paths after :/ are from the root of the repository.\n";
  }
  for (const OutputFile& file : files)
    text += entry(text::sha256_hex(file.content), manifest_key(file));
  return {kManifestName, text, false, {}};
}

std::string interim_manifest(const std::map<std::string, std::string>& listed,
                             const std::vector<const OutputFile*>& written) {
  std::string entries;
  for (const OutputFile* file : written) {
    const std::string key = manifest_key(*file);
    if (key == kManifestName || listed.count(key) != 0) continue;
    if (entries.empty()) {
      for (const auto& [path, hash] : listed)
        entries += entry(hash, path);
    }
    entries += entry(text::sha256_hex(file->content), key);
  }
  if (entries.empty()) return entries;
  return fmt::format(
             "# {}: an interim manifest, of a build that did not finish: the files it may have "
             "written here.\n",
             kGeneratedMarker) +
         entries;
}

std::vector<std::pair<std::string, std::string>> parse_manifest(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const std::string& line : text::lines(text)) {
    if (line.empty() || line[0] == '#' || line.size() < 67 || line.substr(64, 2) != "  ") continue;
    const std::string path = line.substr(66);
    const bool listed =
        path.rfind(kRepositoryPrefix, 0) == 0 ? repository_key(path) : safe_relative(path);
    if (!listed || path == kManifestName) continue;
    entries.emplace_back(path, line.substr(0, 64));
  }
  return entries;
}

// The marker sits in the first comment lines (after a `# syntax=` or `#!` line),
// or in JSON, which has no comments, at the start of the first string.
bool generated_by_rigc(const std::string& content) {
  const std::string head = content.substr(0, 400);
  return head.find(std::string("# ") + kGeneratedMarker) != std::string::npos ||
         head.find(std::string("\"") + kGeneratedMarker) != std::string::npos;
}

}  // namespace rigc
