#include "rigc/elaborate.hpp"

#include <doctest/doctest.h>

#include "test_util.hpp"

using namespace rigc;

TEST_CASE("statements become typed settings") {
  const auto r = test::compile(
      "defaults {\n  registry ghcr.io/acme\n  platforms linux/amd64 linux/arm64\n}\n"
      "runner ci {\n  packs git node@20\n  user ci 2000 3000\n  limits cpus 1.5 memory 1.5G\n"
      "  reserve memory 512M\n  replicas 3\n  restart always\n  ephemeral false\n  group "
      "builders\n  labels big fast\n  cache npm\n  cache work /scratch\n}\n");
  REQUIRE(r.rendered() == "");
  const spec::ImageDecl& ci = r.decls.images.at(0);
  CHECK(ci.runner);
  const spec::Settings& s = ci.settings;
  REQUIRE(s.packs.size() == 2);
  CHECK(s.packs[1].name == "node");
  CHECK(s.packs[1].version == "20");
  CHECK(s.user->uid == 2000);
  CHECK(s.user->gid == 3000);
  CHECK(s.limits->cpus == "1.5");
  CHECK(s.limits->memory_bytes == 1610612736ULL);
  CHECK(s.reserve->memory_bytes == 512ULL * 1024 * 1024);
  CHECK(s.replicas->value == 3);
  CHECK(s.restart->value == "always");
  CHECK_FALSE(s.ephemeral->value);
  CHECK(s.caches.at(1).path == "/scratch");
  CHECK(r.decls.defaults->value.platforms->value ==
        std::vector<std::string>{"linux/amd64", "linux/arm64"});
}

TEST_CASE("a misspelled statement gets a suggestion from the statements of its context") {
  const auto r = test::compile("image api {\n  helthcheck \"true\"\n}\n");
  CHECK(r.rendered() ==
        "Rigfile:2:3: error: unknown statement 'helthcheck' in an image; did you mean "
        "'healthcheck'?\n"
        "    helthcheck \"true\"\n"
        "    ^~~~~~~~~~\n");
}

TEST_CASE("every statement error in a block is reported, not only the first") {
  const auto r = test::compile("image api {\n  workdir app\n  user app x\n  replicas -1\n}\n");
  CHECK(r.diagnostics.error_count() == 3);
}

TEST_CASE("secret-looking names follow BuildKit's SecretsUsedInArgOrEnv") {
  CHECK(looks_like_secret("GITHUB_TOKEN"));
  CHECK(looks_like_secret("apiKey"));
  CHECK(looks_like_secret("DB_PASSWORD"));
  CHECK(looks_like_secret("aws-secret-access"));
  CHECK_FALSE(looks_like_secret("PUBLIC_KEY"));
  CHECK_FALSE(looks_like_secret("KEY_FILE"));
  CHECK_FALSE(looks_like_secret("TOKEN_VERSION"));
  CHECK_FALSE(looks_like_secret("MONKEY"));
  CHECK_FALSE(looks_like_secret("APP_ENV"));
}

TEST_CASE("keywords per context drive suggestions and completions") {
  const auto pack = statement_keywords(Context::pack);
  CHECK(std::find(pack.begin(), pack.end(), "sha256") != pack.end());
  CHECK(std::find(pack.begin(), pack.end(), "replicas") == pack.end());
  const auto target = statement_keywords(Context::target);
  CHECK(std::find(target.begin(), target.end(), "target") == target.end());
}

TEST_CASE("inline packs read every pack statement") {
  const auto r = test::compile(
      "pack tool {\n  description \"a tool\"\n  kind toolchain\n  version 1.2\n  versions 1.1 1.2\n"
      "  fetch @mirror@/tool-@version@-@arch@.tgz\n  mirror https://example.com/dl\n"
      "  arch amd64=x86_64\n"
      "  sha256 1.2 amd64 " +
      std::string(64, 'a') +
      "\n  extract /opt/tool strip 1 owned\n"
      "  deps tool.lock \"tool fetch\" into vendor\n}\nimage x {\n  packs tool\n}\n");
  REQUIRE(r.rendered() == "");
  const spec::PackDecl& p = r.decls.packs.at(0);
  CHECK(p.kind == spec::PackKind::toolchain);
  CHECK(p.fetch->strip == 1);
  CHECK(p.fetch->owned);
  CHECK(p.fetch->arch.at(0).value == "x86_64");
  CHECK(p.deps.at(0).into == "vendor");
}
