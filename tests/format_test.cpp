#include "rigc/format.hpp"

#include <doctest/doctest.h>

#include "rigc/parser.hpp"

using namespace rigc;

namespace {

std::string fmt_text(const std::string& text) {
  Sources sources;
  Diagnostics diagnostics;
  const ast::Module module = parse(sources, sources.add("Rigfile", text), diagnostics);
  REQUIRE_FALSE(diagnostics.has_errors());
  return format_module(module);
}

}  // namespace

TEST_CASE("fmt: indentation, spacing, one blank line between declarations") {
  CHECK(fmt_text("image a {\npacks   git\n}\nimage b {\n      apt curl\n}\n") ==
        "image a {\n  packs git\n}\n\nimage b {\n  apt curl\n}\n");
}

TEST_CASE("fmt: strings, pairs and lists are re-escaped, kinds kept") {
  CHECK(fmt_text("image a {\n  env A=\"x \\\"y\\\"\" B=plain\n  cmd [ \"a\" ,\"b\\tc\" ]\n}\n") ==
        "image a {\n  env A=\"x \\\"y\\\"\" B=plain\n  cmd [\"a\", \"b\\tc\"]\n}\n");
}

TEST_CASE("fmt: comments are kept where they are; blank runs collapse; none after '{'") {
  const std::string in =
      "# top\n\n\n\nimage a {\n\n  # inside\n  packs git\n\n\n  apt curl\n  # before close\n\n}\n# "
      "end\n";
  CHECK(fmt_text(in) ==
        "# top\n\nimage a {\n  # inside\n  packs git\n\n  apt curl\n  # before close\n}\n# end\n");
}

TEST_CASE("fmt is idempotent") {
  const std::string once = fmt_text("runner r {  # c\n packs git # x\n   labels a b   # yy\n}\n");
  CHECK(fmt_text(once) == once);
}
