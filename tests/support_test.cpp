// Diagnostics rendering, the ignore matcher, templates and quoting helpers.
#include <doctest/doctest.h>

#include <stdexcept>

#include "rigc/diagnostics.hpp"
#include "rigc/distro.hpp"
#include "rigc/ignore_match.hpp"
#include "rigc/templates.hpp"
#include "rigc/text.hpp"

using namespace rigc;

TEST_CASE("diagnostics render with the source line and a caret under the token") {
  Sources sources;
  const auto f = sources.add("Rigfile", "image a {\n\tpacks pyhton\n}\n");
  Diagnostic d{Severity::error, {f, 2, 8, 6}, "unknown pack 'pyhton'; did you mean 'python'?"};
  CHECK(render(d, sources, ErrorFormat::human) ==
        "Rigfile:2:8: error: unknown pack 'pyhton'; did you mean 'python'?\n"
        "  \tpacks pyhton\n"
        "  \t      ^~~~~~\n");
  CHECK(render(d, sources, ErrorFormat::github) ==
        "::error file=Rigfile,line=2,col=8::unknown pack 'pyhton'; did you mean 'python'?\n");
  Diagnostic newline{Severity::warning, {f, 1, 1, 1}, "a%b\nc"};
  CHECK(render(newline, sources, ErrorFormat::github) ==
        "::warning file=Rigfile,line=1,col=1::a%25b%0Ac\n");
}

TEST_CASE("did you mean: close words only, swaps count as one edit") {
  const std::vector<std::string> packs = {"python", "node", "go", "cpp", "ccache"};
  CHECK(closest_match("pyhton", packs) == "python");
  CHECK(closest_match("nod", packs) == "node");
  CHECK(closest_match("kubernetes", packs).empty());
  CHECK(did_you_mean("ccahe", packs) == "; did you mean 'ccache'?");
}

TEST_CASE("the ignore matcher follows Docker's rules") {
  const IgnoreMatcher m({"# comment", "*", "!app/", "app/**/*.log", "!app/keep.log", "*.md"});
  CHECK(m.excluded("Rigfile"));
  CHECK_FALSE(m.excluded("app/main.py"));
  CHECK(m.excluded("app/x/debug.log"));
  CHECK(m.excluded("app/debug.log"));  // "**/" matches zero directories
  CHECK_FALSE(m.excluded("app/keep.log"));
  CHECK(m.excluded("README.md"));
  const IgnoreMatcher root({"*.log"});
  CHECK(root.excluded("a.log"));
  CHECK_FALSE(root.excluded("sub/a.log"));  // unlike .gitignore, only at the root
  const IgnoreMatcher dir({"docker"});
  CHECK(dir.excluded("docker/x.Dockerfile"));  // a directory pattern covers its contents
  CHECK(clean_path("./a//b/../c/") == "a/c");
}

TEST_CASE("templates: placeholders are replaced, other '@' is literal, a missing value throws") {
  CHECK(render_template("apt-install.sh", {{"packages", "  curl"}}).find("  curl") !=
        std::string::npos);
  CHECK(render_template("runner-entrypoint.sh", {{"spec", "Rigfile"}}).find("\"${args[@]}\"") !=
        std::string::npos);
  CHECK_THROWS_AS(render_template("apt-install.sh", {}), std::logic_error);
  CHECK_THROWS_AS(render_template("no-such-template", {}), std::logic_error);
}

TEST_CASE("quoting helpers") {
  CHECK(text::shell_quote("python3-dev") == "python3-dev");
  CHECK(text::shell_quote("a b") == "'a b'");
  CHECK(text::shell_quote("it's") == "'it'\\''s'");
  CHECK(text::shell_quote("$(id)") == "'$(id)'");
  CHECK(text::json_array({"a \"b\"", "c\\d"}) == "[\"a \\\"b\\\"\", \"c\\\\d\"]");
  CHECK(text::dockerfile_value("plain/value:1", false) == "plain/value:1");
  CHECK(text::dockerfile_value("two words $HOME", false) == "\"two words \\$HOME\"");
  CHECK(text::dockerfile_value("/x:$PATH", true) == "/x:$PATH");
  CHECK(text::expand_home("~/a:~/b:/c~", "/home/u") == "/home/u/a:/home/u/b:/c~");
  CHECK(text::arg_stem("gh-runner") == "GH_RUNNER");
  CHECK(text::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("the family of a base image, from its reference") {
  CHECK(base_family("debian:bookworm-slim") == BaseFamily::debian);
  CHECK(base_family("ubuntu:24.04") == BaseFamily::debian);
  CHECK(base_family("python:3.12-slim-bookworm") == BaseFamily::debian);
  CHECK(base_family("buildpack-deps:noble") == BaseFamily::debian);
  CHECK(base_family("ubuntu:22.04") == BaseFamily::debian);  // a family, whatever the release
  CHECK(base_family("alpine") == BaseFamily::alpine);
  CHECK(base_family("node:22-alpine3.20") == BaseFamily::alpine);
  CHECK(base_family("registry.example.com:5000/alpine:3@sha256:" + std::string(64, 'a')) ==
        BaseFamily::alpine);
  CHECK(base_family("gcr.io/distroless/static-debian12") == BaseFamily::distroless);
  CHECK(base_family("busybox:1.36") == BaseFamily::distroless);
  CHECK(base_family("scratch") == BaseFamily::scratch);
  CHECK(base_family("fedora:40") == BaseFamily::rpm);
  CHECK(base_family("registry.access.redhat.com/ubi9/ubi-minimal") == BaseFamily::unknown);
  CHECK(base_family("registry.access.redhat.com/ubi9") == BaseFamily::rpm);
  CHECK(base_family("opensuse/leap:15.6") == BaseFamily::rpm);
  CHECK(base_family("python:3.12-slim") == BaseFamily::unknown);  // taken on trust
  CHECK(base_family("registry.example.com:5000/team/base:1") == BaseFamily::unknown);
  CHECK(repository_name("docker.io/library/python:3.12-slim@sha256:" + std::string(64, 'b')) ==
        "python");
  CHECK(repository_name("registry.example.com:5000/team/base") == "base");
}
