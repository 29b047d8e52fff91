#include "rigc/resolver.hpp"

#include <doctest/doctest.h>

#include "test_util.hpp"

using namespace rigc;

namespace {

std::vector<std::string> pack_names(const ResolvedImage& image) {
  std::vector<std::string> names;
  for (const ResolvedPack& p : image.packs)
    names.push_back(p.pack->name.value);
  return names;
}

}  // namespace

TEST_CASE("extends adds to lists and replaces single values; defaults come first") {
  const auto r = test::compile(
      "defaults {\n  tag v1\n  apt curl\n}\nrunner base {\n  packs git\n  limits cpus 1\n}\n"
      "runner cpp extends base {\n  packs cpp\n  apt gdb\n  limits cpus 2\n}\n");
  REQUIRE(r.rendered() == "");
  const ResolvedImage& cpp = r.resolved.images.at(1);
  CHECK(cpp.settings.tag->value == "v1");
  CHECK(cpp.settings.limits->cpus == "2");
  REQUIRE(cpp.settings.apt.size() == 2);
  CHECK(cpp.settings.apt[0].value == "curl");
  CHECK(cpp.settings.apt[1].value == "gdb");
  CHECK(cpp.ancestors == std::vector<std::string>{"base"});
}

TEST_CASE("install order: dependencies first, then stability, then name") {
  const auto r = test::compile("runner r {\n  packs yarn python cpp git ccache\n}\n");
  REQUIRE(r.rendered() == "");
  // base is the system pack; cpp, node and python are toolchains; ccache, git,
  // gh-runner (after git, which it requires) and yarn (after node) are tools.
  CHECK(pack_names(r.resolved.images.at(0)) == std::vector<std::string>{"base", "cpp", "node",
                                                                        "python", "ccache", "git",
                                                                        "gh-runner", "yarn"});
  CHECK(r.resolved.images.at(0).packs.back().reason == "asked for in the spec");
  CHECK(r.resolved.images.at(0).packs.at(2).reason == "required by 'yarn'");
}

TEST_CASE("versions: exact, prefix picks the highest, system versions fetch nothing") {
  const auto r = test::compile("image a {\n  packs node@20\n}\nimage b {\n  packs node\n}\n");
  REQUIRE(r.rendered() == "");
  const ResolvedPack& fetched = r.resolved.images.at(0).packs.back();
  CHECK(fetched.version.rfind("20.", 0) == 0);
  CHECK(fetched.fetched);
  const ResolvedPack& system = r.resolved.images.at(1).packs.back();
  CHECK(system.system != nullptr);
  CHECK_FALSE(system.fetched);
}

TEST_CASE("select_version compares numerically") {
  spec::PackDecl pack;
  for (const char* v : {"1.9.0", "1.10.0", "1.2", "2.0"})
    pack.versions.push_back({v, {}});
  CHECK(select_version(pack, "1") == "1.10.0");
  CHECK(select_version(pack, "1.2") == "1.2");
  CHECK(select_version(pack, "3").empty());
}

TEST_CASE("a dependency cycle is shown as a path with each edge") {
  const auto r = test::compile(
      "pack a {\n  requires b\n}\npack b {\n  requires a\n}\nimage x {\n  packs a\n}\n");
  CHECK(r.rendered() ==
        "Rigfile:2:12: error: pack dependency cycle: a -> b -> a\n"
        "    requires b\n"
        "             ^\n"
        "Rigfile:2:12: note: 'a' requires 'b' here\n"
        "    requires b\n"
        "             ^\n"
        "Rigfile:5:12: note: 'b' requires 'a' here\n"
        "    requires a\n"
        "             ^\n");
}

TEST_CASE("an inline pack replaces the stock pack of the same name") {
  const auto r = test::compile("pack git {\n  apt git-man\n}\nimage x {\n  packs git\n}\n");
  REQUIRE(r.rendered() == "");
  CHECK(r.dockerfile("x").find("git-man") != std::string::npos);
}

TEST_CASE("user root draws a warning, not an error") {
  const auto r = test::compile("image x {\n  user root\n}\n");
  CHECK_FALSE(r.diagnostics.has_errors());
  CHECK(r.rendered().find("warning: image 'x' runs as root") != std::string::npos);
}
