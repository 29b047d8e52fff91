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
  // base is the system pack; cpp, npm (which Debian's node requires), node and
  // python are toolchains; ccache, git, gh-runner (after git, which it requires)
  // and yarn (after node) are tools.
  CHECK(pack_names(r.resolved.images.at(0)) ==
        std::vector<std::string>{"base", "cpp", "npm", "node", "python", "ccache", "git",
                                 "gh-runner", "yarn"});
  CHECK(r.resolved.images.at(0).packs.back().reason == "asked for in the spec");
  CHECK(r.resolved.images.at(0).packs.at(3).reason == "required by 'yarn'");
}

TEST_CASE("a reason names the pack that requires it, after the wanted list has grown") {
  // Visiting `a` wants b and c; the second want used to read `a`'s name from the
  // list the first one had reallocated, and c came out "required by 'b'".
  const auto r = test::compile(
      "pack a {\n  requires b c\n}\npack b {\n}\npack c {\n}\nimage x {\n  packs a\n}\n");
  REQUIRE(r.rendered() == "");
  CHECK(pack_names(r.resolved.images.at(0)) == std::vector<std::string>{"base", "b", "c", "a"});
  CHECK(r.resolved.images.at(0).packs.at(1).reason == "required by 'a'");
  CHECK(r.resolved.images.at(0).packs.at(2).reason == "required by 'a'");
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

TEST_CASE("a system version's own requirements: Debian's node brings npm, node@20 its own") {
  const auto r = test::compile("image a {\n  packs node\n}\nimage b {\n  packs node@20\n}\n");
  REQUIRE(r.rendered() == "");
  const std::vector<std::string> system = pack_names(r.resolved.images.at(0));
  CHECK(system == std::vector<std::string>{"base", "npm", "node"});
  CHECK(r.resolved.images.at(0).packs.at(1).reason == "required by 'node'");
  CHECK(r.resolved.images.at(0).packs.at(1).fetched);
  CHECK(pack_names(r.resolved.images.at(1)) == std::vector<std::string>{"base", "node"});
  // The apt layer has nodejs and no Debian npm; npm comes from its own stage.
  const std::string dockerfile = r.dockerfile("a");
  CHECK(dockerfile.find("      nodejs\n") != std::string::npos);
  CHECK(dockerfile.find("      npm\n") == std::string::npos);
  CHECK(dockerfile.find("COPY --from=pack-npm /usr/local/lib/npm /usr/local/lib/npm") !=
        std::string::npos);
  // npm's links are made as root in the RUN that creates the user: no USER switch.
  CHECK(dockerfile.find(" \\\n    && ln -s /usr/local/lib/npm/bin/npm-cli.js /usr/local/bin/npm") !=
        std::string::npos);
  CHECK(dockerfile.find("USER root") == std::string::npos);
  // One archive for every architecture: no `arch` spelling is set (ShellCheck SC2034).
  CHECK(dockerfile.find("/amd64) sha256=") != std::string::npos);
  CHECK(dockerfile.find(") arch=") == std::string::npos);
}

TEST_CASE("a system line's requirements: checked like requires, packages first") {
  const auto uses = [](const std::string& system) {
    return test::compile("pack t {\n  version 1\n  system 1 " + system +
                         "\n}\nimage x {\n  packs t\n}\n");
  };
  const auto ok = uses("curl requires git");
  REQUIRE(ok.rendered() == "");
  CHECK(pack_names(ok.resolved.images.at(0)) == std::vector<std::string>{"base", "git", "t"});
  CHECK(uses("curl requires gti")
            .rendered()
            .find("error: unknown pack 'gti'; did you mean "
                  "'git'?") != std::string::npos);
  CHECK(uses("requires git")
            .rendered()
            .find("Rigfile:3:12: error: expected a package name before 'requires'") == 0);
  CHECK(uses("curl requires").rendered().find("error:") != std::string::npos);
  // A cycle through a system line is reported with that line.
  const auto cycle = test::compile(
      "pack a {\n  version 1\n  system 1 curl requires b\n}\npack b {\n  requires a\n}\n"
      "image x {\n  packs a\n}\n");
  CHECK(cycle.rendered().find("Rigfile:3:26: error: pack dependency cycle: a -> b -> a") == 0);
}
