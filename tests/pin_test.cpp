// rigc pin's logic on text in memory: URLs from a fetch, checksums and versions
// out of documents laid out as upstream publishes them, and the spec edit.
#include "rigc/pin.hpp"

#include <doctest/doctest.h>

#include "rigc/elaborate.hpp"
#include "rigc/format.hpp"
#include "rigc/parser.hpp"
#include "test_util.hpp"

using namespace rigc;

namespace {

const std::string kA(64, 'a');
const std::string kB(64, 'b');
const std::string kC(64, 'c');

spec::Fetch fetch_of(const std::string& pack_text) {
  Sources sources;
  Diagnostics diagnostics;
  const auto file = sources.add("packs.rig", pack_text);
  spec::Module m = elaborate(parse(sources, file, diagnostics), diagnostics);
  REQUIRE_FALSE(diagnostics.has_errors());
  return *m.packs.at(0).fetch;
}

ast::Module parsed(const std::string& text) {
  Sources sources;
  Diagnostics diagnostics;
  ast::Module m = parse(sources, sources.add("Rigfile", text), diagnostics);
  REQUIRE_FALSE(diagnostics.has_errors());
  return m;
}

pin::Edit pinned(const std::string& text, const std::string& version, int parts = 1) {
  return pin::write_pin(text, parsed(text), "node", version, parts, {{"amd64", kA}, {"arm64", kB}});
}

}  // namespace

TEST_CASE("download URLs: mirror, version parts and the upstream spelling of the arch") {
  const spec::Fetch f = fetch_of(
      "pack python {\n  versions 3.12.14+20260814 3.14.8+20261003\n"
      "  fetch @mirror@/@version-build@/cpython-@version-base@%2B@version-build@-@arch@-s.tar.gz\n"
      "  fetch @mirror@/@version-build@/cpython-@version-base@%2B@version-build@-@arch@.tar.gz "
      "for 3.14.8+20261003\n  mirror https://example.org/dl\n"
      "  arch amd64=x86_64-unknown-linux-gnu\n  extract /opt/python\n}\n");
  const std::string url =
      pin::download_url(f, "http://127.0.0.1:8000", "3.12.14+20260814", "amd64");
  CHECK(url ==
        "http://127.0.0.1:8000/20260814/"
        "cpython-3.12.14%2B20260814-x86_64-unknown-linux-gnu-s.tar.gz");
  CHECK(pin::file_name(url) == "cpython-3.12.14+20260814-x86_64-unknown-linux-gnu-s.tar.gz");
  CHECK(pin::download_url(f, "M", "3.14.8+20261003", "arm64") ==
        "M/20261003/cpython-3.14.8%2B20261003-arm64.tar.gz");
  CHECK(pin::file_name("https://go.dev/dl/?mode=json") == "");
  CHECK(pin::expand("@mirror@/v@version@/x-@version-base@-@version-build@", "m", "1.2", "a") ==
        "m/v1.2/x-1.2-");
}

TEST_CASE("checksum lists: sha256sum lines, BSD stars, one-line .sha256 files, JSON") {
  const std::string shasums = kA + "  node-v26.10.0-darwin-arm64.tar.gz\n" + kB +
                              "  node-v26.10.0-linux-x64.tar.xz\n" + kC +
                              "  node-v26.10.0-linux-arm64.tar.xz\n";
  CHECK(pin::checksum_in_list(shasums, "sha256sums", "node-v26.10.0-linux-x64.tar.xz") == kB);
  CHECK(pin::checksum_in_list(shasums, "sha256sums", "node-v26.10.0-linux-x64.tar.gz") ==
        std::nullopt);
  // docker/buildx and docker/compose write "HEX *FILE".
  CHECK(pin::checksum_in_list(
            kA + " *buildx-v0.37.1.linux-amd64\n" + kB + " *buildx-v0.37.1.linux-arm64\n",
            "sha256sums", "buildx-v0.37.1.linux-arm64") == kB);
  // static.rust-lang.org's FILE.sha256, and a bare checksum.
  CHECK(pin::checksum_in_list(kC + "  rust-1.99.0-x86_64-unknown-linux-gnu.tar.xz\n", "sha256sums",
                              "rust-1.99.0-x86_64-unknown-linux-gnu.tar.xz") == kC);
  CHECK(pin::checksum_in_list(kC + "\n", "sha256sums", "anything.tgz") == kC);
  CHECK(pin::checksum_in_list("not a checksum\n", "sha256sums", "x") == std::nullopt);
  // go.dev/dl/?mode=json&include=all, indented as go.dev serves it.
  const std::string go =
      "[\n {\n  \"version\": \"go1.27.1\",\n  \"stable\": true,\n"
      "  \"files\": [\n   {\n    \"filename\": \"go1.27.1.linux-amd64.tar.gz\",\n"
      "    \"os\": \"linux\",\n    \"arch\": \"amd64\",\n    \"sha256\": \"" +
      kA +
      "\",\n    \"kind\": \"archive\"\n   },\n   {\n"
      "    \"filename\": \"go1.27.1.linux-arm64.tar.gz\",\n    \"sha256\": \"" +
      kB + "\"\n   }\n  ]\n }\n]\n";
  CHECK(pin::checksum_in_list(go, "json", "go1.27.1.linux-arm64.tar.gz") == kB);
  CHECK(pin::checksum_in_list(go, "json", "go1.27.2.linux-arm64.tar.gz") == std::nullopt);
  // GitHub's release assets: {"name": FILE, "digest": "sha256:HEX"}.
  CHECK(
      pin::checksum_in_list("{\"assets\":[{\"name\":\"a.zip\",\"digest\":\"sha256:" + kC + "\"}]}",
                            "json", "a.zip") == kC);
  CHECK(pin::checksum_in_list("{broken", "json", "a.zip") == std::nullopt);
}

TEST_CASE("release indexes: versions around a pattern, release candidates and names skipped") {
  // nodejs.org/dist/index.json is compact; the pattern's spaces match none.
  const std::string node =
      "[\n{\"version\":\"v27.0.0-rc.1\",\"date\":\"2027-04-01\"},\n{\"version\":\"v26.12.1\","
      "\"lts\":\"x\"},\n{\"version\":\"v24.22.3\",\"lts\":\"Krypton\"},\n{\"version\":\"v26.12.1\"}"
      "]";
  CHECK(pin::versions_in(node, "\"version\": \"v@version@\"") ==
        std::vector<std::string>{"26.12.1", "24.22.3"});
  // go.dev's JSON is indented; rc versions are not releases.
  CHECK(pin::versions_in("[{\n  \"version\": \"go1.28rc1\"},{\n  \"version\": \"go1.27.3\"}]",
                         "\"version\": \"go@version@\"") == std::vector<std::string>{"1.27.3"});
  // A GitHub releases feed.
  const std::string atom =
      "<entry><link rel=\"alternate\" type=\"text/html\" "
      "href=\"https://github.com/actions/runner/releases/tag/v2.339.0\"/><title>v2.339.0</title>"
      "</entry><entry><link href=\"https://github.com/actions/runner/releases/tag/v2.338.0\"/>";
  CHECK(pin::versions_in(atom, "/releases/tag/v@version@\"") ==
        std::vector<std::string>{"2.339.0", "2.338.0"});
  // python-build-standalone's SHA256SUMS: the x86_64 (not x86_64_v2) install_only builds.
  const std::string pbs =
      kA + "  cpython-3.12.15+20261009-x86_64-unknown-linux-gnu-install_only.tar.gz\n" + kB +
      "  cpython-3.12.15+20261009-x86_64_v2-unknown-linux-gnu-install_only.tar.gz\n" + kC +
      "  cpython-3.13.16+20261009-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz\n";
  CHECK(pin::versions_in(pbs, "cpython-@version@-x86_64-unknown-linux-gnu-install_only") ==
        std::vector<std::string>{"3.12.15+20261009", "3.13.16+20261009"});
  // A directory listing, and rust's channel manifest (rust-std-… is not rust-VERSION).
  CHECK(pin::versions_in("<a href=\"docker-29.9.0.tgz\">docker-29.9.0.tgz</a>\n<a "
                         "href=\"docker-rootless-extras-29.9.0.tgz\">",
                         "href=\"docker-@version@.tgz\"") == std::vector<std::string>{"29.9.0"});
  CHECK(pin::versions_in("url = \"https://x/dist/2026-11-12/rust-std-1.100.0-x86_64-unknown-linux-"
                         "gnu.tar.xz\"\nxz_url = \"https://x/dist/2026-11-12/rust-1.100.0-x86_64-"
                         "unknown-linux-gnu.tar.xz\"\n",
                         "/rust-@version@-x86_64-unknown-linux-gnu.tar.xz") ==
        std::vector<std::string>{"1.100.0"});
  // A pattern that ends with the version.
  CHECK(pin::versions_in("latest: 1.2.3\nlatest: 1.3.0-beta\n", "latest: @version@") ==
        std::vector<std::string>{"1.2.3"});
}

TEST_CASE("newer versions stay on the line of the current one") {
  const std::vector<std::string> v = {"22.23.5", "24.22.3", "26.12.1", "24.21.0", "26.10.0"};
  CHECK(pin::newer_on_line(v, "24.21.0", 1) == "24.22.3");
  CHECK(pin::newer_on_line(v, "26.12.1", 1) == "");
  CHECK(pin::newer_on_line(v, "20.20.2", 1) == "");
  CHECK(pin::newer_on_line({"3.12.15+20261009", "3.13.16+20261009"}, "3.12.14+20260814", 2) ==
        "3.12.15+20261009");
  CHECK(pin::newer_on_line({"10.9.10", "11.6.0"}, "10.9.9", 2) == "10.9.10");
}

TEST_CASE("writing a pin: the same line's pin rewritten in place, comments and layout kept") {
  const std::string spec =
      "# fleet\ndefaults {\n  registry ghcr.io/acme   # odd spacing kept\n"
      "  pin node 24.21.0 sha256 amd64 " +
      kC + "  # bumped by Renovate\n  pin node 22.23.3 sha256 amd64 " + kC +
      "\n}\n\nrunner a {\n  packs node\n}\n";
  const pin::Edit edit = pinned(spec, "24.22.3");
  CHECK(edit.replaced);
  CHECK(edit.line == 4);
  CHECK(edit.text ==
        "# fleet\ndefaults {\n  registry ghcr.io/acme   # odd spacing kept\n"
        "  pin node 24.22.3 sha256 amd64 " +
            kA + " arm64 " + kB + " # bumped by Renovate\n  pin node 22.23.3 sha256 amd64 " + kC +
            "\n}\n\nrunner a {\n  packs node\n}\n");
  // Another line of versions: a new pin after the last one.
  const pin::Edit added = pinned(spec, "26.12.1");
  CHECK_FALSE(added.replaced);
  CHECK(added.line == 6);
  CHECK(added.text.find("  pin node 22.23.3 sha256 amd64 " + kC +
                        "\n  pin node 26.12.1 sha256 amd64 " + kA + " arm64 " + kB + "\n}\n") !=
        std::string::npos);
  // With `line 2`, 24.22.3 is not on 24.21's line.
  CHECK_FALSE(pinned(spec, "24.22.3", 2).replaced);
}

TEST_CASE("writing a pin: at the end of defaults, or in a new defaults block") {
  const std::string pin_line = "pin node 26.12.1 sha256 amd64 " + kA + " arm64 " + kB;
  CHECK(pinned("defaults {\n  tag v1\n}\nimage x {\n  packs node\n}\n", "26.12.1").text ==
        "defaults {\n  tag v1\n  " + pin_line + "\n}\nimage x {\n  packs node\n}\n");
  // After a header paragraph, before the rest.
  const pin::Edit top =
      pinned("# The team's runners.\n# Owner: ci\n\n# the first one\nrunner a {\n  packs node\n}\n",
             "26.12.1");
  CHECK(top.text == "# The team's runners.\n# Owner: ci\n\ndefaults {\n  " + pin_line +
                        "\n}\n\n# the first one\nrunner a {\n  packs node\n}\n");
  CHECK(top.line == 5);
  // Without a header: at the very top; CRLF files keep CRLF.
  CHECK(pinned("runner a {\r\n  packs node\r\n}\r\n", "26.12.1").text ==
        "defaults {\r\n  " + pin_line + "\r\n}\r\n\r\nrunner a {\r\n  packs node\r\n}\r\n");
  // An edited spec that `rigc fmt` had formatted stays formatted.
  const std::string formatted = "defaults {\n  tag v1\n}\n\nrunner a {\n  packs node\n}\n";
  const std::string after = pinned(formatted, "26.12.1").text;
  CHECK(format_module(parsed(after)) == after);
}

TEST_CASE("a pin covers the platforms of the images that use its pack") {
  const auto r = test::compile(
      "runner a {\n  packs node\n  platforms linux/amd64 linux/arm64\n}\nimage b {\n  packs go\n  "
      "platforms linux/arm/v7\n}\n");
  CHECK(pin::architectures(r.resolved, "node") == std::vector<std::string>{"amd64", "arm64"});
  CHECK(pin::architectures(r.resolved, "go") == std::vector<std::string>{"arm"});
  // A pack no image uses: every image's platforms.
  CHECK(pin::architectures(r.resolved, "rust") ==
        std::vector<std::string>{"amd64", "arm", "arm64"});
  CHECK(pin::architectures(test::compile("").resolved, "node") ==
        std::vector<std::string>{"amd64"});
}
