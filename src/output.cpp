#include "rigc/output.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "rigc/file_io.hpp"
#include "rigc/manifest.hpp"
#include "rigc/text.hpp"

namespace rigc {
namespace fs = std::filesystem;

namespace {

// The interim manifest's temporary file is told apart from the final one's.
constexpr const char* kInterim = ".interim";

bool in_repository(const std::string& key) {
  return key.rfind(":/", 0) == 0;
}

fs::path location(const fs::path& dir, const std::string& root, const std::string& key) {
  return fs::path(output_path(dir.string(), root, key));
}

// What becomes of one generated file, given what is at its path (`listed`: the
// manifest on disk names it).
void plan_file(const fs::path& dir, const OutputFile& file, const Found& found, bool listed,
               bool force, WritePlan& plan) {
  const std::string key = manifest_key(file);
  const auto path = [&] { return location(dir, plan.repository_root, key).string(); };
  if (in_repository(key) && plan.repository_root.empty()) {
    plan.refusals.push_back(fmt::format("refusing to write '{}': no git repository", file.path));
    return;
  }
  if (!found.blocked.empty()) {
    plan.refusals.push_back(
        fmt::format("refusing to write '{}': '{}' is a symbolic link or not a directory", path(),
                    found.blocked));
    return;
  }
  if (found.kind == Found::Kind::other) {
    plan.refusals.push_back(
        fmt::format("refusing to write '{}': it is a symbolic link or not a regular file", path()));
    return;
  }
  if (found.kind == Found::Kind::file) {
    if (found.content == file.content) {
      plan.unchanged.push_back(file.path);
      return;
    }
    if (!force && !listed && !generated_by_rigc(found.content) && file.path != kManifestName) {
      plan.refusals.push_back(
          fmt::format("refusing to overwrite '{}': rigc did not generate it (no rigc header, not "
                      "in {}); move it away or use --force",
                      path(), kManifestName));
      return;
    }
    // In the repository's .github/workflows/ a file this spec's manifest does not
    // list may be another spec's workflow, even with rigc's header.
    if (!force && !listed && in_repository(key)) {
      plan.refusals.push_back(
          fmt::format("refusing to overwrite '{}': this spec's {} does not list it (another "
                      "spec's workflow, or a copy made by hand); move it away or use --force",
                      path(), kManifestName));
      return;
    }
  }
  plan.write.push_back(&file);  // absent, or unreadable: replaced as if absent
}

// What becomes of a file the manifest on disk lists with `hash` and this build no
// longer generates.
void plan_stale(const fs::path& dir, const std::string& name, const std::string& hash,
                const Found& found, bool force, WritePlan& plan) {
  if (in_repository(name) && plan.repository_root.empty()) return;  // nowhere to look
  const std::string path = location(dir, plan.repository_root, name).string();
  if (!found.blocked.empty()) {
    plan.refusals.push_back(
        fmt::format("refusing to remove stale '{}': '{}' is a symbolic link or not a directory",
                    path, found.blocked));
    return;
  }
  if (found.kind == Found::Kind::absent) return;
  if (found.kind != Found::Kind::file) {
    plan.refusals.push_back(fmt::format("refusing to remove '{}': it is not a regular file", path));
    return;
  }
  if (!force && text::sha256_hex(found.content) != hash && !generated_by_rigc(found.content)) {
    plan.refusals.push_back(
        fmt::format("refusing to remove stale '{}': it was edited by hand "
                    "since rigc wrote it; remove it yourself or use --force",
                    path));
    return;
  }
  plan.remove.push_back(name);
}

// Removes the temporary files of files[first, last).
void discard_temporaries(const fs::path& dir, const std::string& root,
                         const std::vector<const OutputFile*>& files, std::size_t first,
                         std::size_t last) {
  for (std::size_t i = first; i < last; ++i)
    ::unlink(temporary_for(location(dir, root, manifest_key(*files[i]))).c_str());
}

// Where this build and the previous one wrote: a killed build may have left
// temporary files in each. (Entries of the manifest on disk behind a symbolic link
// are not looked into.)
std::set<std::string> written_directories(const fs::path& dir, const WritePlan& plan) {
  const std::string& root = plan.repository_root;
  std::set<std::string> directories;
  for (const OutputFile* file : plan.write)
    directories.insert(location(dir, root, manifest_key(*file)).parent_path().string());
  for (const std::string& path : plan.unchanged)
    directories.insert(location(dir, root, path).parent_path().string());
  for (const auto& [path, hash] : plan.listed) {
    if (in_repository(path)) continue;  // written there only when this build writes it
    if (link_between(dir, path).empty()) directories.insert((dir / path).parent_path().string());
  }
  return directories;
}

// Removes the stale files of the plan, noting their directories in `touched`.
void remove_stale(const fs::path& dir, const WritePlan& plan, std::set<std::string>& touched,
                  Diagnostics& diagnostics) {
  for (const std::string& name : plan.remove) {
    const fs::path stale = location(dir, plan.repository_root, name);
    std::error_code ec;
    if (!fs::remove(stale, ec) && ec) {
      diagnostics.error({}, fmt::format("cannot remove '{}': {}", stale.string(), ec.message()));
    }
    touched.insert(stale.parent_path().string());
  }
}

void sync_directories(const std::set<std::string>& directories) {
  for (const std::string& directory : directories)
    sync_directory(directory);
}

}  // namespace

Found look_in(const fs::path& dir, const std::string& relative) {
  Found found;
  found.blocked = link_between(dir, relative);
  if (!found.blocked.empty()) return found;
  const fs::path path = dir / relative;
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  if (fs::is_symlink(status) || (fs::exists(status) && !fs::is_regular_file(status))) {
    found.kind = Found::Kind::other;
  } else if (fs::exists(status)) {
    found.kind =
        read_regular_file(path, found.content) ? Found::Kind::file : Found::Kind::unreadable;
  }
  return found;
}

WritePlan plan_writes(const std::string& dir_name, const std::vector<OutputFile>& files,
                      const std::string& manifest, const LookUp& look, bool force,
                      const std::string& repository_root) {
  const fs::path dir(dir_name);
  WritePlan plan;
  plan.repository_root = repository_root;
  for (auto& [path, hash] : parse_manifest(manifest))
    plan.listed[path] = hash;
  std::set<std::string> produced;
  for (const OutputFile& file : files) {
    const std::string key = manifest_key(file);
    produced.insert(key);
    plan_file(dir, file, look(key), plan.listed.count(key) != 0, force, plan);
  }
  for (const auto& [path, hash] : plan.listed) {
    if (produced.count(path) == 0) plan_stale(dir, path, hash, look(path), force, plan);
  }
  // The files this build creates that the manifest on disk does not list. Were the
  // build killed after renaming one, the next build, which knows its stale files
  // from the manifest, would never remove it: before any file is renamed, the
  // manifest is replaced by an interim one that lists them too.
  if (plan.refusals.empty()) plan.interim = interim_manifest(plan.listed, plan.write);
  return plan;
}

// Every new content goes to a synced temporary file beside its target first, so a
// full or read-only disk fails here with every old file still in place (and the
// temporary files removed).
bool prepare_writes(const std::string& dir_name, const WritePlan& plan, std::string& error) {
  const fs::path dir(dir_name);
  for (const std::string& directory : written_directories(dir, plan))
    remove_leftovers(directory);
  const fs::path manifest = dir / kManifestName;
  std::size_t prepared = 0;
  const auto abandon = [&](const std::string& why) {
    error = why + "; no file was changed";
    discard_temporaries(dir, plan.repository_root, plan.write, 0, prepared);
    ::unlink(temporary_for(manifest, kInterim).c_str());
    return false;
  };
  for (const OutputFile* file : plan.write) {
    const fs::path path = location(dir, plan.repository_root, manifest_key(*file));
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
      return abandon(fmt::format("cannot create directory '{}': {}", path.parent_path().string(),
                                 ec.message()));
    }
    std::string why;
    if (!write_temporary(path, file->content, file->executable, why)) return abandon(why);
    ++prepared;
  }
  std::string why;
  if (!plan.interim.empty() && !write_temporary(manifest, plan.interim, false, why, kInterim))
    return abandon(why);
  return true;
}

// Each file is renamed over its target, so each file is whole, old or new, at
// every moment; the stale files go; the manifest comes last: until it is replaced,
// the old one (or the interim one, which lists every file this build creates)
// still describes every file on disk as generated.
void commit_writes(const std::string& dir_name, const WritePlan& plan, WriteSummary& summary,
                   Diagnostics& diagnostics) {
  const fs::path dir(dir_name);
  std::vector<const OutputFile*> order = plan.write;
  std::stable_partition(order.begin(), order.end(),
                        [](const OutputFile* f) { return f->path != kManifestName; });
  std::set<std::string> touched;  // directories to sync
  std::string error;
  if (!plan.interim.empty()) {
    if (!replace_with_temporary(dir / kManifestName, error, kInterim)) {
      diagnostics.error({}, error);
      discard_temporaries(dir, plan.repository_root, order, 0, order.size());
      return;
    }
    sync_directory(dir);
  }
  bool removed = false;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const fs::path path = location(dir, plan.repository_root, manifest_key(*order[i]));
    if (order[i]->path == kManifestName) {
      remove_stale(dir, plan, touched, diagnostics);
      removed = true;
      sync_directories(touched);
    }
    if (!replace_with_temporary(path, error)) {
      diagnostics.error({}, error);
      discard_temporaries(dir, plan.repository_root, order, i + 1, order.size());
      return;
    }
    touched.insert(path.parent_path().string());
    summary.written.push_back(manifest_key(*order[i]));
  }
  if (!removed) remove_stale(dir, plan, touched, diagnostics);  // the manifest was unchanged
  sync_directories(touched);
}

std::string output_path(const std::string& dir, const std::string& repository_root,
                        const std::string& key) {
  if (in_repository(key)) return (fs::path(repository_root) / key.substr(2)).string();
  return (fs::path(dir) / key).string();
}

Found look_at(const std::string& dir, const std::string& repository_root, const std::string& key) {
  if (in_repository(key)) return look_in(repository_root, key.substr(2));
  return look_in(dir, key);
}

WriteSummary write_outputs(const std::string& dir, const std::vector<OutputFile>& files, bool force,
                           Diagnostics& diagnostics, const std::string& repository_root) {
  const fs::path root(dir);
  std::string manifest;
  read_regular_file(root / kManifestName, manifest);
  const WritePlan plan = plan_writes(
      dir, files, manifest,
      [&](const std::string& key) { return look_at(dir, repository_root, key); }, force,
      repository_root);
  for (const std::string& refusal : plan.refusals)
    diagnostics.error({}, refusal);
  if (diagnostics.has_errors()) return {};
  std::string error;
  if (!prepare_writes(dir, plan, error)) {
    diagnostics.error({}, error);
    return {};
  }
  WriteSummary summary{{}, plan.unchanged, plan.remove};
  commit_writes(dir, plan, summary, diagnostics);
  return summary;
}

}  // namespace rigc
