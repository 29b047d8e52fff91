// `rigc pin` and `rigc pin --check`: the commands around rigc/pin.hpp. They read
// the spec and the pack library, download through rigc/http.hpp, and write the
// spec once, after the edited text has been compiled; any failure writes nothing.
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <set>

#include "rigc/compile.hpp"
#include "rigc/driver.hpp"
#include "rigc/elaborate.hpp"
#include "rigc/file_io.hpp"
#include "rigc/http.hpp"
#include "rigc/packs.hpp"
#include "rigc/parser.hpp"
#include "rigc/pin.hpp"
#include "rigc/text.hpp"
#include "rigc/value_syntax.hpp"

namespace rigc {
namespace {

constexpr int kExitNewer = 1;
constexpr int kExitError = 2;
// Checksum lists and release indexes: the npm registry's document of npm is the
// largest one a stock pack reads (tens of MB).
constexpr std::size_t kMaxDocument = std::size_t{256} << 20;

int fail(const std::string& message) {
  std::cerr << "rigc: error: " << message << "\n";
  return kExitError;
}

// The same, for a function that returns a checksum: none.
std::string no_checksum(const std::string& message) {
  fail(message);
  return "";
}

void print_diagnostics(const Diagnostics& diagnostics, const Sources& sources,
                       const DriverOptions& options) {
  for (const Diagnostic& d : diagnostics.all())
    std::cerr << render(d, sources, options.error_format, options.color);
}

// The spec and what it knows of packs, read once.
struct SpecState {
  Sources sources;
  std::string text;
  ast::Module module;
  spec::Module decls;
  PacksByName packs;       // every pack by name, the spec's own replacing the library's, unpinned
  Resolved resolved;       // as far as resolution gets: platforms and the versions in use
  std::size_t errors = 0;  // what compiling the spec as it is reports
};

// Reads and parses the spec and loads the packs. The spec may still have errors
// after parsing (a missing checksum is one a pin fixes): those are counted.
bool read_spec(const DriverOptions& options, SpecState& s) {
  if (!read_regular_file(options.spec, s.text)) {
    fail(fmt::format("cannot read spec '{}'", options.spec));
    return false;
  }
  Diagnostics diagnostics;
  const std::uint32_t file = s.sources.add(options.spec, s.text);
  s.module = parse(s.sources, file, diagnostics);
  if (!diagnostics.has_errors()) s.decls = elaborate(s.module, diagnostics);
  std::vector<spec::PackDecl> library = load_packs(options.pack_path, s.sources, diagnostics);
  if (diagnostics.has_errors()) {
    print_diagnostics(diagnostics, s.sources, options);
    return false;
  }
  s.packs = merge_pack_library(library, s.decls.packs, diagnostics);
  Diagnostics resolution;
  s.resolved = resolve(s.decls, std::move(library), resolution);
  Sources scratch;
  const Compilation whole =
      compile(scratch, scratch.add(options.spec, s.text),
              compile_options(options.spec, options.output_dir, options.pack_path), Stop::files);
  s.errors = whole.diagnostics.error_count();
  return true;
}

// Where the pack's downloads come from: --mirror, then the <PACK>_MIRROR variable
// (the build ARG's name), then the pack's own mirror.
std::string mirror_of(const DriverOptions& options, const spec::PackDecl& pack) {
  if (!options.mirror.empty()) return options.mirror;
  const char* env = std::getenv((text::arg_stem(pack.name.value) + "_MIRROR").c_str());
  if (env != nullptr && *env != '\0') return env;
  return pack.fetch->mirror;
}

// The fetching pack called `name`, or null after saying why there is none.
const spec::PackDecl* fetching_pack(const SpecState& s, const std::string& name) {
  const auto it = s.packs.find(name);
  if (it == s.packs.end()) {
    std::vector<std::string> names;
    for (const auto& [known, pack] : s.packs)
      names.push_back(known);
    fail(fmt::format("unknown pack '{}'{}", name, did_you_mean(name, names)));
    return nullptr;
  }
  if (!it->second.fetch) {
    fail(
        fmt::format("pack '{}' downloads nothing (it has no 'fetch'), so there is no checksum "
                    "to pin",
                    name));
    return nullptr;
  }
  return &it->second;
}

// Documents fetched once per run: several architectures share a checksum list.
class Documents {
 public:
  const http::Response& get(const std::string& url) {
    auto it = cache_.find(url);
    if (it == cache_.end()) it = cache_.emplace(url, http::get_text(url, kMaxDocument)).first;
    return it->second;
  }

 private:
  std::map<std::string, http::Response> cache_;
};

// The checksum of `pack` `version` on `arch`: the published one, checked against
// the download unless --no-download, or the download's own. "" after an error.
std::string checksum(const DriverOptions& options, const spec::PackDecl& pack,
                     const std::string& version, const std::string& arch, Documents& documents) {
  const spec::Fetch& fetch = *pack.fetch;
  const std::string mirror = mirror_of(options, pack);
  const std::string url = pin::download_url(fetch, mirror, version, arch);
  const std::string file = pin::file_name(url);
  std::string published, source = url;
  if (fetch.published) {
    const std::string list =
        pin::expand(fetch.published->url.value, mirror, version, pin::upstream_arch(fetch, arch));
    const http::Response& doc = documents.get(list);
    if (!doc.ok)
      return no_checksum(fmt::format("cannot read the checksum list {}: {}", list, doc.error));
    const auto found = pin::checksum_in_list(doc.body, fetch.published->format.value, file);
    if (!found) {
      return no_checksum(fmt::format("{} lists no SHA-256 for {}: is {} {} published for {}?", list,
                                     file, pack.name.value, version, arch));
    }
    published = *found;
    source = list;
  }
  if (fetch.published && options.no_download) {
    std::cout << fmt::format("  {:<6} {}  from {}\n", arch, published, source);
    return published;
  }
  const http::Response download = http::get_sha256(url);
  if (!download.ok) return no_checksum(fmt::format("cannot download {}: {}", url, download.error));
  if (!published.empty() && download.sha256 != published) {
    return no_checksum(
        fmt::format("checksum mismatch for {}: the download's SHA-256 is {}, {} "
                    "says {}; nothing was written",
                    url, download.sha256, source, published));
  }
  std::cout << fmt::format(
      "  {:<6} {}  {}\n", arch, download.sha256,
      published.empty() ? "hashed from " + url : "from " + source + ", matches the download");
  return download.sha256;
}

bool check_usage_version(const spec::PackDecl& pack, const std::string& version) {
  if (!syntax::is_version_word(version) || !std::isdigit(static_cast<unsigned char>(version[0]))) {
    fail(fmt::format("invalid version '{}'", version));
    return false;
  }
  if (find_system_version(pack, version) != nullptr) {
    fail(
        fmt::format("version '{}' of pack '{}' is the distribution's own: it downloads nothing "
                    "to pin",
                    version, pack.name.value));
    return false;
  }
  return true;
}

// Writes `text` over the spec once it compiles with no more errors than the spec
// had: a pin may be what fixes the spec, and must not break it.
int write_checked(const DriverOptions& options, const SpecState& s, const pin::Edit& edit) {
  Sources sources;
  const Compilation c =
      compile(sources, sources.add(options.spec, edit.text),
              compile_options(options.spec, options.output_dir, options.pack_path), Stop::files);
  if (c.diagnostics.error_count() > s.errors) {
    print_diagnostics(c.diagnostics, sources, options);
    return fail(
        fmt::format("the pinned spec would not compile; nothing was written to {}", options.spec));
  }
  std::string error;
  if (!write_file_atomically(options.spec, edit.text, error)) return fail(error);
  return 0;
}

}  // namespace

int run_pin(const DriverOptions& options) {
  std::string why;
  if (!http::available(why)) return fail(why);
  SpecState s;
  if (!read_spec(options, s)) return kExitError;
  const spec::PackDecl* pack = fetching_pack(s, options.pin_pack);
  if (pack == nullptr || !check_usage_version(*pack, options.pin_version)) return kExitError;
  std::cout << fmt::format("{} {}:\n", pack->name.value, options.pin_version);
  Documents documents;
  std::vector<pin::Sum> sums;
  for (const std::string& arch : pin::architectures(s.resolved, pack->name.value)) {
    const std::string sha = checksum(options, *pack, options.pin_version, arch, documents);
    if (sha.empty()) return kExitError;
    sums.push_back({arch, sha});
  }
  const pin::Edit edit = pin::write_pin(s.text, s.module, pack->name.value, options.pin_version,
                                        pack->fetch->line(), sums);
  if (const int status = write_checked(options, s, edit); status != 0) return status;
  std::cout << fmt::format("pinned {} {} in {}:{} ({})\nnext: rigc build {}\n", pack->name.value,
                           options.pin_version, options.spec, edit.line,
                           edit.replaced ? "the pin of its line rewritten" : "a new pin",
                           options.spec);
  return 0;
}

namespace {

// A version of a pack that the spec uses, and why.
struct InUse {
  std::string pack, version, why;
};

// The spec's pins, then every other downloaded version its images use.
std::vector<InUse> versions_in_use(const SpecState& s) {
  std::vector<InUse> out;
  std::set<std::pair<std::string, std::string>> seen;
  if (s.decls.defaults) {
    for (const spec::Pin& pin : s.decls.defaults->value.pins) {
      if (seen.insert({pin.pack.value, pin.version.value}).second)
        out.push_back({pin.pack.value, pin.version.value,
                       fmt::format("pinned on line {}", pin.location.line)});
    }
  }
  for (const ResolvedImage& image : s.resolved.images) {
    for (const ResolvedPack& rp : image.packs) {
      if (!rp.fetched || !seen.insert({rp.pack->name.value, rp.version}).second) continue;
      out.push_back({rp.pack->name.value, rp.version,
                     rp.pack->stock ? "the stock pack's" : "the pack's own"});
    }
  }
  return out;
}

}  // namespace

int run_pin_check(const DriverOptions& options) {
  std::string why;
  if (!http::available(why)) return fail(why);
  SpecState s;
  if (!read_spec(options, s)) return kExitError;
  Documents documents;
  bool errors = false, newer = false;
  for (const InUse& use : versions_in_use(s)) {
    const auto it = s.packs.find(use.pack);
    if (it == s.packs.end() || !it->second.fetch) continue;  // a broken pin: compile reports it
    const spec::PackDecl& pack = it->second;
    const std::string head = fmt::format("{} {} ({})", use.pack, use.version, use.why);
    if (!pack.fetch->releases) {
      std::cout << head << ": cannot tell, the pack declares no 'releases'\n";
      continue;
    }
    const spec::ReleaseSource& releases = *pack.fetch->releases;
    const std::string url = pin::expand(releases.url.value, mirror_of(options, pack), "", "");
    const http::Response& doc = documents.get(url);
    const std::vector<std::string> versions =
        doc.ok ? pin::versions_in(doc.body, releases.pattern.value) : std::vector<std::string>{};
    if (!doc.ok || versions.empty()) {
      errors = true;
      fail(fmt::format(
          "{}: {}: {}", use.pack, url,
          doc.ok ? fmt::format("lists no version as \"{}\"", releases.pattern.value) : doc.error));
      continue;
    }
    const std::string next = pin::newer_on_line(versions, use.version, releases.line);
    if (next.empty()) {
      std::cout << head << ": up to date\n";
      continue;
    }
    newer = true;
    std::cout << fmt::format("{}: {} is out; rigc pin {} {} {}\n", head, next, use.pack, next,
                             options.spec);
  }
  if (errors) return kExitError;
  return newer ? kExitNewer : 0;
}

}  // namespace rigc
