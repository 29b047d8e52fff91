#pragma once
/// Quoting and small text helpers shared by the emitters. Every value from a spec
/// that reaches a generated file goes through one of these.

#include <string>
#include <vector>

namespace rigc::text {

/// A word for a POSIX shell: unchanged when it is made only of safe characters,
/// otherwise single-quoted ('it'\''s').
std::string shell_quote(const std::string& word);

/// A JSON string literal (for exec-form lists and SHELL).
std::string json_quote(const std::string& value);

/// A JSON array of strings: ["a", "b"].
std::string json_array(const std::vector<std::string>& items);

/// A value for `ENV k=v` / `LABEL k=v` / `ARG k=v`: unchanged when safe, otherwise
/// double-quoted with `\`, `"` and `$` escaped... except `$` when `expand` is set
/// (ENV PATH=/x:$PATH must expand).
std::string dockerfile_value(const std::string& value, bool expand);

/// Replaces a leading "~" (and "~" after ':') by `home`.
std::string expand_home(const std::string& value, const std::string& home);

/// Lines joined by "\n".
std::string join(const std::vector<std::string>& parts, const std::string& separator);

/// The lines of `text`, without their "\n" (no empty last line for a final newline).
std::vector<std::string> lines(const std::string& text);

/// Sorted, without duplicates.
std::vector<std::string> sorted_unique(std::vector<std::string> items);

/// An upper-case build ARG stem for a pack: "gh-runner" -> "GH_RUNNER".
std::string arg_stem(const std::string& pack);

/// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(const std::string& data);

}  // namespace rigc::text
