#include "rigc/parser.hpp"

#include <doctest/doctest.h>

#include <tao/pegtl/contrib/analyze.hpp>

#include "grammar/rig.hpp"

using namespace rigc;

namespace {

struct Parsed {
  Sources sources;
  Diagnostics diagnostics;
  ast::Module module;
};

Parsed parse_text(const std::string& text) {
  Parsed p;
  const auto file = p.sources.add("Rigfile", text);
  p.module = parse(p.sources, file, p.diagnostics);
  return p;
}

std::string rendered(const Parsed& p) {
  std::string out;
  for (const auto& d : p.diagnostics.all())
    out += render(d, p.sources, ErrorFormat::human);
  return out;
}

}  // namespace

TEST_CASE("the grammar has no rule that can loop without consuming input") {
  CHECK(tao::pegtl::analyze<rigc::grammar::file>() == 0);
}

TEST_CASE("statements, blocks and every kind of argument") {
  const Parsed p = parse_text(
      "image api extends base {   # trailing comment\n"
      "  env A=1 B=\"two words\" C=\n"
      "  cmd [\"python\", \"-u\", \"app.py\"]\n"
      "  healthcheck \"say \\\"hi\\\"\\n\" interval 30s\n"
      "  target dev {\n"
      "    apt git\n"
      "  }\n"
      "}\n");
  REQUIRE_FALSE(p.diagnostics.has_errors());
  REQUIRE(p.module.nodes.size() == 1);
  const ast::Node& image = p.module.nodes[0];
  CHECK(image.head.text == "image");
  REQUIRE(image.args.size() == 3);
  CHECK(image.args[2].text == "base");
  CHECK(image.comment == "# trailing comment");
  REQUIRE(image.children.size() == 4);
  const ast::Node& env = image.children[0];
  REQUIRE(env.args.size() == 3);
  CHECK(env.args[0].kind == ast::ValueKind::pair);
  CHECK(env.args[0].key == "A");
  CHECK(env.args[0].text == "1");
  CHECK(env.args[1].text == "two words");
  CHECK(env.args[1].quoted);
  CHECK(env.args[2].key == "C");
  CHECK(env.args[2].text.empty());
  const ast::Node& cmd = image.children[1];
  REQUIRE(cmd.args.size() == 1);
  CHECK(cmd.args[0].kind == ast::ValueKind::list);
  CHECK(cmd.args[0].items == std::vector<std::string>{"python", "-u", "app.py"});
  CHECK(image.children[2].args[0].text == "say \"hi\"\n");
  CHECK(image.children[3].has_block);
  CHECK(image.children[3].children.at(0).args.at(0).text == "git");
}

TEST_CASE("locations are 1-based lines and byte columns of each token") {
  const Parsed p = parse_text("\n\nrunner ci {\n  packs  git\n}\n");
  REQUIRE_FALSE(p.diagnostics.has_errors());
  const ast::Value& git = p.module.nodes.at(0).children.at(0).args.at(0);
  CHECK(git.location.line == 4);
  CHECK(git.location.column == 10);
  CHECK(git.location.length == 3);
}

TEST_CASE("comments and blank lines are kept for the formatter") {
  const Parsed p =
      parse_text("# header\n\nimage a {\n  # about packs\n  packs git\n  # last\n}\n# end\n");
  REQUIRE_FALSE(p.diagnostics.has_errors());
  const ast::Node& image = p.module.nodes.at(0);
  CHECK(image.leading == std::vector<std::string>{"# header", ""});
  CHECK(image.children.at(0).leading == std::vector<std::string>{"# about packs"});
  CHECK(image.trailing == std::vector<std::string>{"# last"});
  CHECK(p.module.trailing == std::vector<std::string>{"# end"});
}

TEST_CASE("a file without a final newline and with CRLF line ends parses") {
  CHECK_FALSE(parse_text("image a {\r\n  packs git\r\n}").diagnostics.has_errors());
}

TEST_CASE("every broken declaration is reported and the good ones are kept") {
  const Parsed p = parse_text(
      "image one {\n  env A=\"open\n}\n\nimage two {\n  packs git\n}\n\nimage three {\n  cmd "
      "[\"a\"\n}\n");
  CHECK(p.diagnostics.error_count() == 2);
  REQUIRE(p.module.nodes.size() == 1);
  CHECK(p.module.nodes[0].args.at(0).text == "two");
  CHECK(rendered(p) ==
        "Rigfile:2:14: error: unterminated string: missing the closing '\"' on this line\n"
        "    env A=\"open\n"
        "               ^\n"
        "Rigfile:10:11: error: expected ']' to end the list; list items are quoted strings "
        "separated by ','\n"
        "    cmd [\"a\"\n"
        "            ^\n");
}

TEST_CASE("blocks nested deeper than the limit are an error, not a stack overflow") {
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "target t {\n";
  const Parsed p = parse_text(text);
  CHECK(p.diagnostics.has_errors());
  CHECK(rendered(p).find("blocks nested more than 8 deep") != std::string::npos);
}

TEST_CASE("a stray closing brace is reported where it is") {
  const Parsed p = parse_text("image a {\n}\n  }\nimage b {\n}\n");
  CHECK(rendered(p) == "Rigfile:3:3: error: unexpected '}' with no open block\n    }\n    ^\n");
  CHECK(p.module.nodes.size() == 2);
}
