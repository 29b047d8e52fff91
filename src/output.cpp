#include "rigc/output.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dtl/dtl.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "rigc/text.hpp"

namespace rigc {
namespace fs = std::filesystem;

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

// Reads a regular file; false when it does not exist or is not a regular file
// (a symbolic link included). Read straight into `out`, in one read for a file
// that does not grow: `check` reads every output of a spec.
bool read_file(const fs::path& path, std::string& out) {
  // O_NOFOLLOW refuses a link; O_NONBLOCK keeps a FIFO from blocking the open.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return false;
  }
  out.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t size = 0;
  for (;;) {
    if (size == out.size()) out.resize(out.size() * 2);
    const ssize_t n = ::read(fd, out.data() + size, out.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(size);
  return true;
}

bool generated_by_rigc(const std::string& content) {
  // The marker sits in the first comment lines (after a `# syntax=` or `#!` line),
  // or in JSON, which has no comments, at the start of the first string.
  const std::string head = content.substr(0, 400);
  return head.find(std::string("# ") + kGeneratedMarker) != std::string::npos ||
         head.find(std::string("\"") + kGeneratedMarker) != std::string::npos;
}

std::string describe_errno() {
  return std::strerror(errno);
}

// The temporary file for `path`; `kind` tells apart two for the same path.
fs::path temporary_for(const fs::path& path, const char* kind = "") {
  return path.parent_path() /
         fmt::format(".{}{}.rigc-tmp-{}", path.filename().string(), kind, ::getpid());
}

// Writes `content` to the temporary file of `path` and syncs it. On failure the
// temporary file is gone and `error` names `path` and the reason.
bool write_temporary(const fs::path& path, const std::string& content, bool executable,
                     std::string& error, const char* kind = "") {
  const fs::path temporary = temporary_for(path, kind);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                        executable ? 0755 : 0644);
  if (fd < 0) {
    error = fmt::format("cannot write '{}': cannot create '{}': {}", path.string(),
                        temporary.filename().string(), describe_errno());
    return false;
  }
  const auto failed = [&]() {
    error = fmt::format("cannot write '{}': {}", path.string(), describe_errno());
    ::close(fd);
    ::unlink(temporary.c_str());
    return false;
  };
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failed();
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, executable ? 0755 : 0644) != 0 || ::fsync(fd) != 0) return failed();
  if (::close(fd) != 0) {
    error = fmt::format("cannot write '{}': {}", path.string(), describe_errno());
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

// Puts the synced temporary file of `path` in its place, atomically.
bool replace_with_temporary(const fs::path& path, std::string& error, const char* kind = "") {
  const fs::path temporary = temporary_for(path, kind);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    error = fmt::format("cannot replace '{}': {}", path.string(), describe_errno());
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

bool write_atomically(const fs::path& path, const std::string& content, bool executable,
                      std::string& error) {
  return write_temporary(path, content, executable, error) && replace_with_temporary(path, error);
}

// The first directory between `dir` and the file `relative` that is a symbolic
// link or not a directory, or "" when there is none: the file is then inside
// `dir`. (The file itself is checked by the caller.)
std::string link_between(const fs::path& dir, const std::string& relative) {
  fs::path at = dir;
  const fs::path rel(relative);
  for (auto it = rel.begin(); it != rel.end() && std::next(it) != rel.end(); ++it) {
    at /= *it;
    std::error_code ec;
    const auto status = fs::symlink_status(at, ec);
    if (status.type() == fs::file_type::not_found) return "";  // to be created, as a directory
    if (ec || !fs::is_directory(status)) return at.string();
  }
  return "";
}

// Removes the temporary files a killed `rigc build` left in `dir`: regular files
// ".NAME.rigc-tmp-PID" whose process is gone.
void remove_leftovers(const fs::path& dir) {
  static const std::string marker = ".rigc-tmp-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    const auto at = file.rfind(marker);
    if (file[0] != '.' || at == std::string::npos || at < 2) continue;
    const std::string pid = file.substr(at + marker.size());
    if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::error_code status_error;
    if (!fs::is_regular_file(fs::symlink_status(entry.path(), status_error))) continue;
    if (::kill(static_cast<pid_t>(std::stol(pid)), 0) == 0 || errno != ESRCH) continue;
    fs::remove(entry.path(), status_error);
  }
}

void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

bool write_file_atomically(const std::string& path, const std::string& content,
                           std::string& error) {
  const fs::path target(path);
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(target, ec))) {
    error = fmt::format("refusing to write '{}': it is a symbolic link", path);
    return false;
  }
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!write_atomically(dir / target.filename(), content, false, error)) return false;
  sync_directory(dir);
  return true;
}

OutputFile make_manifest(const std::string& spec_name, const std::vector<OutputFile>& files) {
  std::string text = fmt::format(
      "# {} from {}: the files it wrote here, with their SHA-256.\n"
      "# Do not edit: `rigc build` uses it to replace and remove only its own files.\n",
      kGeneratedMarker, spec_name);
  for (const OutputFile& file : files) {
    text += fmt::format("{}  {}\n", text::sha256_hex(file.content), file.path);
  }
  return {kManifestName, text, false, {}};
}

std::vector<std::pair<std::string, std::string>> parse_manifest(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const std::string& line : text::lines(text)) {
    if (line.empty() || line[0] == '#' || line.size() < 67 || line.substr(64, 2) != "  ") continue;
    const std::string path = line.substr(66);
    if (!safe_relative(path) || path == kManifestName) continue;
    entries.emplace_back(path, line.substr(0, 64));
  }
  return entries;
}

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

CheckReport check_outputs(const std::string& dir, const std::vector<OutputFile>& files) {
  CheckReport report;
  std::map<std::string, bool> produced;
  for (const OutputFile& file : files)
    produced[file.path] = true;
  for (const OutputFile& file : files) {
    const fs::path path = fs::path(dir) / file.path;
    std::string current;
    if (!read_file(path, current)) {
      report.missing.push_back(file.path);
      continue;
    }
    if (current != file.content) {
      report.changed.push_back(file.path);
      const std::string label = (fs::path(dir) / file.path).lexically_normal().string();
      report.diff +=
          unified_diff(current, file.content, label + " (on disk)", label + " (generated)");
    }
  }
  std::string manifest;
  if (read_file(fs::path(dir) / kManifestName, manifest)) {
    for (const auto& [path, hash] : parse_manifest(manifest)) {
      std::error_code ec;
      if (produced.count(path) == 0 && fs::exists(fs::symlink_status(fs::path(dir) / path, ec))) {
        report.stale.push_back(path);
      }
    }
  }
  return report;
}

WriteSummary write_outputs(const std::string& dir_name, const std::vector<OutputFile>& files,
                           bool force, Diagnostics& diagnostics) {
  WriteSummary summary;
  const fs::path dir(dir_name);
  std::error_code ec;
  std::string manifest_text;
  read_file(dir / kManifestName, manifest_text);
  std::map<std::string, std::string> previous;  // path -> hash
  for (auto& [path, hash] : parse_manifest(manifest_text))
    previous[path] = hash;

  // Decide everything before touching the disk.
  std::vector<const OutputFile*> to_write;
  std::map<std::string, bool> produced;
  for (const OutputFile& file : files) {
    produced[file.path] = true;
    const fs::path path = dir / file.path;
    const std::string link = link_between(dir, file.path);
    if (!link.empty()) {
      diagnostics.error({}, fmt::format("refusing to write '{}': '{}' is a symbolic link or not a "
                                        "directory",
                                        path.string(), link));
      continue;
    }
    const auto status = fs::symlink_status(path, ec);
    if (fs::is_symlink(status) || (fs::exists(status) && !fs::is_regular_file(status))) {
      diagnostics.error({}, fmt::format("refusing to write '{}': it is a symbolic link or not a "
                                        "regular file",
                                        path.string()));
      continue;
    }
    std::string current;
    if (read_file(path, current)) {
      if (current == file.content) {
        summary.unchanged.push_back(file.path);
        continue;
      }
      if (!force && previous.count(file.path) == 0 && !generated_by_rigc(current) &&
          file.path != kManifestName) {
        diagnostics.error({},
                          fmt::format("refusing to overwrite '{}': rigc did not generate it "
                                      "(no rigc header, not in {}); move it away or use --force",
                                      path.string(), kManifestName));
        continue;
      }
    }
    to_write.push_back(&file);
  }
  std::vector<fs::path> to_remove;
  for (const auto& [path_name, hash] : previous) {
    if (produced.count(path_name) != 0) continue;
    const fs::path path = dir / path_name;
    const std::string link = link_between(dir, path_name);
    if (!link.empty()) {
      diagnostics.error({}, fmt::format("refusing to remove stale '{}': '{}' is a symbolic link or "
                                        "not a directory",
                                        path.string(), link));
      continue;
    }
    const auto status = fs::symlink_status(path, ec);
    if (!fs::exists(status)) continue;
    std::string current;
    if (!fs::is_regular_file(status) || !read_file(path, current)) {
      diagnostics.error(
          {}, fmt::format("refusing to remove '{}': it is not a regular file", path.string()));
      continue;
    }
    if (!force && text::sha256_hex(current) != hash && !generated_by_rigc(current)) {
      diagnostics.error({}, fmt::format("refusing to remove stale '{}': it was edited by hand "
                                        "since rigc wrote it; remove it yourself or use --force",
                                        path.string()));
      continue;
    }
    to_remove.push_back(path);
    summary.removed.push_back(path_name);
  }
  if (diagnostics.has_errors()) return {};

  // The files this build creates that the manifest on disk does not list. Were
  // the build killed after renaming one, the next build, which knows its stale
  // files from the manifest, would never remove it: before any file is renamed,
  // the manifest is replaced by an interim one that lists them too.
  std::string interim;
  for (const OutputFile* file : to_write) {
    if (file->path == kManifestName || previous.count(file->path) != 0) continue;
    if (interim.empty()) {
      for (const auto& [path_name, hash] : previous)
        interim += fmt::format("{}  {}\n", hash, path_name);
    }
    interim += fmt::format("{}  {}\n", text::sha256_hex(file->content), file->path);
  }
  if (!interim.empty()) {
    interim = fmt::format(
                  "# {}: an interim manifest, of a build that did not finish: the files "
                  "it may have written here.\n",
                  kGeneratedMarker) +
              interim;
  }

  // First every new content goes to a synced temporary file beside its target, so
  // a full or read-only disk fails here with every old file still in place (and
  // the temporary files removed). Temporary files a killed build left are removed.
  std::set<std::string> directories;  // where this build and the previous one wrote
  for (const OutputFile& file : files)
    directories.insert((dir / file.path).parent_path().string());
  for (const auto& [path_name, hash] : previous) {
    if (link_between(dir, path_name).empty())
      directories.insert((dir / path_name).parent_path().string());
  }
  for (const std::string& directory : directories)
    remove_leftovers(directory);
  std::vector<const OutputFile*> prepared;
  const fs::path manifest = dir / kManifestName;
  const char* const kInterim = ".interim";
  const auto abandon = [&](const std::string& error) {
    diagnostics.error({}, error + "; no file was changed");
    for (const OutputFile* file : prepared)
      ::unlink(temporary_for(dir / file->path).c_str());
    ::unlink(temporary_for(manifest, kInterim).c_str());
    return WriteSummary{};
  };
  for (const OutputFile* file : to_write) {
    const fs::path path = dir / file->path;
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
      return abandon(fmt::format("cannot create directory '{}': {}", path.parent_path().string(),
                                 ec.message()));
    }
    std::string error;
    if (!write_temporary(path, file->content, file->executable, error)) return abandon(error);
    prepared.push_back(file);
  }
  if (!interim.empty()) {
    std::string error;
    if (!write_temporary(manifest, interim, false, error, kInterim)) return abandon(error);
  }

  // Then each is renamed over its target, so each file is whole, old or new, at
  // every moment; the stale files go; the manifest comes last: until it is
  // replaced, the old one still describes every file on disk as generated.
  std::stable_partition(prepared.begin(), prepared.end(),
                        [](const OutputFile* f) { return f->path != kManifestName; });
  std::map<std::string, bool> synced;
  if (!interim.empty()) {
    std::string error;
    if (!replace_with_temporary(manifest, error, kInterim)) {
      diagnostics.error({}, error);
      for (const OutputFile* file : prepared)
        ::unlink(temporary_for(dir / file->path).c_str());
      return summary;
    }
    sync_directory(dir);
  }
  for (std::size_t i = 0; i < prepared.size(); ++i) {
    const OutputFile* file = prepared[i];
    const fs::path path = dir / file->path;
    if (file->path == kManifestName) {
      for (const fs::path& stale : to_remove) {
        if (!fs::remove(stale, ec) && ec) {
          diagnostics.error({},
                            fmt::format("cannot remove '{}': {}", stale.string(), ec.message()));
        }
        synced[stale.parent_path().string()] = true;
      }
      to_remove.clear();
      for (const auto& [d, unused] : synced)
        sync_directory(d);
    }
    std::string error;
    if (!replace_with_temporary(path, error)) {
      diagnostics.error({}, error);
      for (std::size_t j = i + 1; j < prepared.size(); ++j)
        ::unlink(temporary_for(dir / prepared[j]->path).c_str());
      return summary;
    }
    synced[path.parent_path().string()] = true;
    summary.written.push_back(file->path);
  }
  for (const fs::path& stale : to_remove) {  // when the manifest itself was unchanged
    if (!fs::remove(stale, ec) && ec) {
      diagnostics.error({}, fmt::format("cannot remove '{}': {}", stale.string(), ec.message()));
    }
    synced[stale.parent_path().string()] = true;
  }
  for (const auto& [d, unused] : synced)
    sync_directory(d);
  return summary;
}

}  // namespace rigc
