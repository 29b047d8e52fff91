#pragma once
/// The file operations under `build` and `check`: a regular file read never
/// through a symbolic link, new content put in a synced temporary file and renamed
/// into place, and the temporary files a killed build left removed.

#include <filesystem>
#include <string>

namespace rigc {

/// Reads the regular file at `path` into `out`; false when it does not exist, cannot
/// be read or is not a regular file (a symbolic link included).
bool read_regular_file(const std::filesystem::path& path, std::string& out);

/// The temporary file beside `path`, named after it and this process; `kind` tells
/// apart two temporary files for the same path.
std::filesystem::path temporary_for(const std::filesystem::path& path, const char* kind = "");

/// Writes `content` to the temporary file of `path` (mode 0755 when `executable`,
/// 0644 otherwise) and syncs it. On failure the temporary file is gone and `error`
/// names `path` and the reason.
bool write_temporary(const std::filesystem::path& path, const std::string& content, bool executable,
                     std::string& error, const char* kind = "");

/// Renames the synced temporary file of `path` over it, atomically. On failure the
/// temporary file is removed and `error` says why.
bool replace_with_temporary(const std::filesystem::path& path, std::string& error,
                            const char* kind = "");

/// The first directory between `dir` and the file `relative` (a path inside it) that
/// is a symbolic link or not a directory, or "" when there is none: the file is then
/// inside `dir`. The file itself is not looked at.
std::string link_between(const std::filesystem::path& dir, const std::string& relative);

/// Removes from `dir` the temporary files of processes that are gone: what a killed
/// `rigc build` left.
void remove_leftovers(const std::filesystem::path& dir);

/// Syncs the directory `dir`, so the renames and removals in it are durable.
void sync_directory(const std::filesystem::path& dir);

/// Replaces one file through a temporary file, fsync and rename (for `fmt` and
/// `new`, which edit the spec). False with `error` set on failure.
bool write_file_atomically(const std::string& path, const std::string& content, std::string& error);

}  // namespace rigc
