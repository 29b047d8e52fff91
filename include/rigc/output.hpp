#pragma once
/// Stage 7: the generated files onto the disk, in three steps over a write plan.
/// plan_writes decides, touching nothing, what to write, keep, remove or refuse;
/// prepare_writes puts every new content in a synced temporary file, changing
/// nothing visible; commit_writes renames them into place, removes the stale files
/// and puts the manifest last. write_outputs runs the three, and only after every
/// check passed. (`check` compares without writing: diff.hpp.)

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "rigc/diagnostics.hpp"
#include "rigc/emit.hpp"

namespace rigc {

/// What a build finds at one path of the output directory.
struct Found {
  enum class Kind {
    absent,      ///< nothing there
    file,        ///< a regular file, read into `content`
    unreadable,  ///< a regular file that could not be read
    other,       ///< a symbolic link, a directory, a device…
  };
  Kind kind = Kind::absent;
  std::string content;  ///< of a `file`
  /// The first directory on the way that is a symbolic link or not a directory;
  /// "" when there is none. When set, the path was not looked at (kind is absent).
  std::string blocked;
};

/// What the output directory holds at a path inside it (a manifest key: ":/…" is
/// from the repository's root): look_at for the disk, a table of Found values in tests.
using LookUp = std::function<Found(const std::string& path)>;

/// What the directory `dir` holds at `path`, never read through a symbolic link.
Found look_in(const std::filesystem::path& dir, const std::string& path);

/// What is at the manifest key `key`: look_in the output directory `dir`, or for a
/// ":/" key, in `repository_root`.
Found look_at(const std::string& dir, const std::string& repository_root, const std::string& key);

/// The path on disk of the manifest key `key` (manifest.hpp): under `dir`, or for a
/// ":/" key under `repository_root`.
std::string output_path(const std::string& dir, const std::string& repository_root,
                        const std::string& key);

/// Everything a build will do to the output directory, decided before touching it.
struct WritePlan {
  std::map<std::string, std::string> listed;  ///< the manifest on disk: path -> SHA-256
  std::vector<const OutputFile*> write;  ///< new or changed, in file order (point into the files)
  std::vector<std::string> unchanged;    ///< already on disk as generated
  std::vector<std::string> remove;       ///< stale: listed, no longer generated
  /// The interim manifest (manifest.hpp) to put in place before any file is
  /// renamed, when the build creates files `listed` does not name; "" otherwise.
  std::string interim;
  /// Why the build must not go ahead, one message per file rigc would overwrite or
  /// remove without having generated it (or through a symbolic link). When there is
  /// any, the rest of the plan is not to be carried out.
  std::vector<std::string> refusals;
  /// Where ":/" keys are (the `ci-workflow` file); "" outside a repository.
  std::string repository_root;
};

/// What a build did, file by file (manifest keys), for `rigc build` to print.
struct WriteSummary {
  std::vector<std::string> written, unchanged, removed;
};

/// Plans writing `files` (the manifest among them) into the directory `dir`, whose
/// manifest has the text `manifest` and whose paths `look` reads (each path once:
/// every file, then every stale entry). Touches nothing itself: `dir` only names
/// paths in the refusals. `force` overwrites and removes files rigc did not
/// generate (never through a symbolic link, never anything but a regular file).
/// A file of the repository's root (`ci-workflow`) is written only when absent or
/// listed in the manifest (or with `force`): another spec's workflow stays.
WritePlan plan_writes(const std::string& dir, const std::vector<OutputFile>& files,
                      const std::string& manifest, const LookUp& look, bool force,
                      const std::string& repository_root = "");

/// Prepares a plan without refusals: every new content, and the interim manifest,
/// into a synced temporary file beside its target (directories created), after
/// removing the temporary files a killed build left. Nothing visible changes: on
/// failure the temporary files are gone and `error` says what failed.
bool prepare_writes(const std::string& dir, const WritePlan& plan, std::string& error);

/// Commits a prepared plan: the interim manifest, then each file renamed into place,
/// the stale files removed, the manifest last, directories synced. Appends each
/// written path to `summary.written`; errors go to `diagnostics`.
void commit_writes(const std::string& dir, const WritePlan& plan, WriteSummary& summary,
                   Diagnostics& diagnostics);

/// Writes `files` into `dir` (created if needed): refuses, before touching
/// anything, to overwrite or delete a file rigc did not generate unless `force`;
/// then writes each changed file through a temporary file and a rename, and
/// removes the stale files of the previous manifest. Errors go to `diagnostics`.
WriteSummary write_outputs(const std::string& dir, const std::vector<OutputFile>& files, bool force,
                           Diagnostics& diagnostics, const std::string& repository_root = "");

}  // namespace rigc
