#pragma once
/// Source files, locations and the diagnostics every stage reports into.
///
/// Positions travel with the data: every AST, spec and IR node made from source
/// keeps a Location, so an error found late still points into the user's file.

#include <cstdint>
#include <string>
#include <vector>

namespace rigc {

/// A position in one of the Sources: 1-based line and byte column, and the length
/// of the token (at least 1) for the caret underline. file == kNoFile: no position.
struct Location {
  static constexpr std::uint32_t kNoFile = ~std::uint32_t{0};
  std::uint32_t file = kNoFile;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::uint32_t length = 1;

  bool valid() const { return file != kNoFile; }
};

/// Every file the compiler has read, by index. The display name is the path as
/// the user gave it (or "<stock>/NAME.rig" for embedded packs).
class Sources {
 public:
  std::uint32_t add(std::string name, std::string text);
  const std::string& name(std::uint32_t file) const { return files_[file].name; }
  const std::string& text(std::uint32_t file) const { return files_[file].text; }
  /// The text of line `line` (1-based) without its line break.
  std::string line(std::uint32_t file, std::uint32_t line) const;
  std::size_t size() const { return files_.size(); }

 private:
  struct File {
    std::string name;
    std::string text;
  };
  std::vector<File> files_;
};

enum class Severity { error, warning, note };

struct Diagnostic {
  Severity severity = Severity::error;
  Location location;
  std::string message;  ///< lowercase, user tokens in single quotes
};

/// How diagnostics are printed: gcc-style with the source line and a caret, or as
/// GitHub Actions workflow commands (`::error file=…,line=…,col=…::…`).
enum class ErrorFormat { human, github };

/// Collects diagnostics. Stages report every error they find; compile() then
/// carries on with the declarations that are sound and emits nothing once any
/// error was reported (compile.hpp).
class Diagnostics {
 public:
  void error(Location where, std::string message);
  void warning(Location where, std::string message);
  /// Attaches a note (e.g. "cycle edge declared here") to the last diagnostic.
  void note(Location where, std::string message);

  bool has_errors() const { return errors_ > 0; }
  std::size_t error_count() const { return errors_; }
  const std::vector<Diagnostic>& all() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
  std::size_t errors_ = 0;
};

/// Renders one diagnostic, ending with a newline. Human form:
///   Rigfile:3:9: error: unknown pack 'pyhton'; did you mean 'python'?
///     packs pyhton
///           ^~~~~~
std::string render(const Diagnostic& diagnostic, const Sources& sources, ErrorFormat format,
                   bool color = false);

/// The closest candidate to `word` by edit distance, or "" when none is close
/// enough to be a plausible misspelling.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

/// "; did you mean 'X'?" for the closest candidate, or "". Messages have one
/// punctuation style: clauses separated by "; ", and this question, when there is
/// one, last.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rigc
