#pragma once
/// `rigc pin`: what upstream says about a fetching pack, and the edit that writes a
/// `pin` into a spec. Everything here works on text already in memory; the
/// downloads are the driver's (rigc/http.hpp), so each step is tested on its own.

#include <optional>
#include <string>
#include <vector>

#include "rigc/ast.hpp"
#include "rigc/resolver.hpp"
#include "rigc/spec.hpp"

namespace rigc::pin {

/// `text` (a URL of a fetch, its checksum list or release index) with the
/// placeholders filled: @mirror@, @version@, @version-base@ and @version-build@
/// (the parts before and after a '+'), @arch@ (the upstream spelling).
std::string expand(const std::string& text, const std::string& mirror, const std::string& version,
                   const std::string& upstream_arch);

/// How upstream spells a Docker architecture (`arch amd64=x64`), or the same.
std::string upstream_arch(const spec::Fetch& fetch, const std::string& arch);

/// The URL `fetch` downloads for `version` (its `fetch … for` line or the pack's
/// URL), expanded.
std::string download_url(const spec::Fetch& fetch, const std::string& mirror,
                         const std::string& version, const std::string& arch);

/// The file name a URL downloads: its last path segment, percent-decoded
/// (cpython-3.13.15%2B20260814-… is listed as cpython-3.13.15+20260814-…).
std::string file_name(const std::string& url);

/// The SHA-256 that a checksum list gives `file`, or nothing. `format`:
/// "sha256sums" reads lines of `HEX  FILE` or `HEX *FILE` (a list of one line,
/// or a bare HEX, is a per-file .sha256); "json" finds an object with a string
/// member equal to `file` and a "sha256" member (go.dev's list) or a "digest" of
/// "sha256:HEX" (GitHub's release assets).
std::optional<std::string> checksum_in_list(const std::string& document, const std::string& format,
                                            const std::string& file);

/// Every release version in `document` where `pattern` (text around @version@)
/// matches; a space in the pattern matches any run of white space, or none.
/// Versions are digits and dots with an optional +BUILD; others (release
/// candidates, names) are skipped. In document order, without repeats.
std::vector<std::string> versions_in(const std::string& document, const std::string& pattern);

/// The highest of `versions` above `current` that keeps its first `parts`
/// components, or "" when there is none.
std::string newer_on_line(const std::vector<std::string>& versions, const std::string& current,
                          int parts);

/// One architecture's checksum of a pin.
struct Sum {
  std::string arch;
  std::string sha256;
};

/// A spec with a pin written in.
struct Edit {
  std::string text;
  std::size_t line = 0;   ///< the pin's line in `text`
  bool replaced = false;  ///< an existing pin of the same line of versions was rewritten
};

/// `text` (whose syntax tree is `module`) with `pin PACK VERSION sha256 ARCH HEX …`
/// in its `defaults`: in place of the pin of PACK whose version is on the same line
/// (its first `parts` components), else after the last pin, else at the end of
/// `defaults`, else in a new `defaults` block at the top (after a leading comment
/// paragraph). Every other byte is kept; the pin's text is the formatter's, its
/// indentation and trailing comment those of the line it replaces.
Edit write_pin(const std::string& text, const ast::Module& module, const std::string& pack,
               const std::string& version, int parts, const std::vector<Sum>& sums);

/// The architectures a pin of `pack` needs: those of every image using it (its
/// `platforms`, amd64 without), or of every image when none uses it, or amd64.
std::vector<std::string> architectures(const Resolved& resolved, const std::string& pack);

}  // namespace rigc::pin
