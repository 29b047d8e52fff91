// The Compose, Bake and GitHub emitters: read back with yaml-cpp and
// nlohmann-json, so the assertions are about structure, not text.
#include "rigc/emit.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>

#include "rigc/yaml_text.hpp"
#include "test_util.hpp"

using namespace rigc;

namespace {

const char* kRunners =
    "defaults {\n  registry ghcr.io/acme/runners\n  platforms linux/amd64 linux/arm64\n}\n"
    "runner cpp {\n  packs cpp ccache\n  cache ccache\n  labels big\n  group builders\n"
    "  limits cpus 2 memory 4G\n  reserve cpus 1 memory 1G\n  replicas 3\n}\n"
    "image api {\n  registry docker.io/acme\n  tag v1\n  packs python\n  user app 10001\n"
    "  env APP_ENV=production\n  expose 8000 53/udp\n"
    "  healthcheck \"curl -f http://localhost:8000/\" interval 30s timeout 3s retries 3 start 5s\n"
    "  target dev {\n    apt git\n  }\n}\n";

std::string file(const test::Result& r, const std::string& path) {
  for (const OutputFile& f : r.files) {
    if (f.path == path) return f.content;
  }
  throw std::runtime_error("no file " + path);
}

bool has_file(const test::Result& r, const std::string& path) {
  for (const OutputFile& f : r.files) {
    if (f.path == path) return true;
  }
  return false;
}

std::string emitted(const std::string& value) {
  YAML::Emitter out;
  yaml::configure(out);
  out << YAML::BeginMap << YAML::Key << "k" << YAML::Value;
  yaml::string(out, value);
  out << YAML::EndMap;
  return out.c_str();
}

}  // namespace

TEST_CASE("yaml strings read back as the same string, whatever they hold") {
  const char* values[] = {"true",
                          "no",
                          "0.5",
                          "22:22",
                          "",
                          "~",
                          "null",
                          "1e3",
                          "0x1",
                          "a: b",
                          "x # y",
                          "#x",
                          "*alias",
                          "&anchor",
                          "!tag",
                          "- x",
                          "[a]",
                          "{{ x }}",
                          "${{ secrets.TOKEN }}",
                          "a\nb",
                          "'q'",
                          "\"",
                          "  pad",
                          "2026-01-01",
                          ".inf",
                          "%directive",
                          "@x"};
  for (const char* value : values) {
    CAPTURE(value);
    const YAML::Node node = YAML::Load(emitted(value));
    REQUIRE(node.IsMap());
    CHECK(node.size() == 1);
    CHECK(node["k"].as<std::string>() == value);
  }
  // Values YAML 1.1 readers take for booleans or numbers are quoted.
  CHECK(emitted("on") == "k: \"on\"");
  CHECK(emitted("0.5") == "k: \"0.5\"");
  CHECK(emitted("22:22") == "k: \"22:22\"");
  CHECK(emitted("4G") == "k: 4G");
  CHECK(emitted("..") == "k: ..");
}

namespace {

// Texts for the YAML tests: characters that YAML treats specially, in every position.
std::vector<std::string> yaml_texts(unsigned seed, int count) {
  const std::vector<std::string> pieces = {
      "a",    "Z",    "0",   "9",    "_",  ".",        "/",  "-",  "+",   "=",  "@",  ":",
      "~",    " ",    "  ",  "\t",   "\n", "#",        ",",  "?",  "[",   "]",  "{",  "}",
      "&",    "*",    "!",   "|",    ">",  "'",        "\"", "%",  "`",   "$",  "\\", "\xc3\xa9",
      "true", "null", "1.5", "0x1F", "-1", "${{ x }}", ": ", " #", "---", "..."};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> length(0, 5);
  std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
  std::vector<std::string> texts = {"", "~", "null", "a", "a:", ":a", "-a", "a-", "1", "on"};
  for (int i = 0; i < count; ++i) {
    std::string text;
    for (std::size_t n = length(rng); n > 0; --n)
      text += pieces[piece(rng)];
    texts.push_back(text);
  }
  texts.push_back(std::string(1024, 'k'));
  texts.push_back(std::string(1025, 'k'));
  return texts;
}

// A text in each place a scalar can take in block collections: key, value,
// sequence item, and in a mapping inside a sequence.
std::string in_every_context(const std::function<void(YAML::Emitter&)>& write) {
  YAML::Emitter out;
  yaml::configure(out);
  out << YAML::BeginMap << YAML::Key;
  write(out);
  out << YAML::Value;
  write(out);
  out << YAML::Key << "seq" << YAML::Value << YAML::BeginSeq;
  write(out);
  out << YAML::BeginMap << YAML::Key;
  write(out);
  out << YAML::Value;
  write(out);
  out << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
  return std::string(out.good() ? "" : "error: " + out.GetLastError() + "\n") + out.c_str();
}

using Writer = std::function<void(YAML::Emitter&, const std::string&)>;

// yaml-cpp's own ways of writing a string: as it chooses, and double-quoted.
void yaml_cpp_auto(YAML::Emitter& out, const std::string& text) {
  out << text;
}
void yaml_cpp_quoted(YAML::Emitter& out, const std::string& text) {
  out << YAML::DoubleQuoted << text;
}

// The first text that `write` puts differently from `reference`; empty if none.
std::string first_difference(const Writer& write, const std::vector<std::string>& texts,
                             const Writer& reference = yaml_cpp_auto) {
  for (const std::string& text : texts) {
    const std::string expected =
        in_every_context([&](YAML::Emitter& out) { reference(out, text); });
    const std::string written = in_every_context([&](YAML::Emitter& out) { write(out, text); });
    if (written != expected) return text.empty() ? "(empty)" : text;
  }
  return "";
}

struct Raw {
  std::string text;
};
std::ostream& operator<<(std::ostream& out, const Raw& raw) {
  return out << raw.text;
}

}  // namespace

TEST_CASE("yaml::scalar writes what yaml-cpp writes in block collections") {
  const std::vector<std::string> texts = yaml_texts(1, 20000);
  // The comparison catches a writer that always writes plain, and one that
  // writes plain only what has no space.
  CHECK(first_difference(
            [](YAML::Emitter& out, const std::string& text) { out.WriteIntegralType(Raw{text}); },
            texts) != "");
  CHECK(first_difference(
            [](YAML::Emitter& out, const std::string& text) {
              if (text.find_first_of(" \t\n") == std::string::npos && !text.empty()) {
                out.WriteIntegralType(Raw{text});
              } else {
                out << text;
              }
            },
            texts) != "");
  CHECK(first_difference(
            [](YAML::Emitter& out, const std::string& text) { yaml::scalar(out, text); }, texts) ==
        "");
}

TEST_CASE("yaml::quoted writes what yaml-cpp writes double-quoted") {
  const std::vector<std::string> texts = yaml_texts(3, 20000);
  // The comparison catches quotes around text that yaml-cpp escapes.
  CHECK(first_difference(
            [](YAML::Emitter& out, const std::string& text) {
              out.WriteIntegralType(Raw{"\"" + text + "\""});
            },
            texts, yaml_cpp_quoted) != "");
  CHECK(
      first_difference([](YAML::Emitter& out, const std::string& text) { yaml::quoted(out, text); },
                       texts, yaml_cpp_quoted) == "");
  // And in a flow sequence, as flow_quoted writes them.
  for (const std::string& text : texts) {
    YAML::Emitter expected, written;
    for (YAML::Emitter* out : {&expected, &written}) {
      yaml::configure(*out);
      *out << YAML::BeginMap << YAML::Key << "k" << YAML::Value;
    }
    expected << YAML::Flow << YAML::BeginSeq << YAML::DoubleQuoted << text << YAML::DoubleQuoted
             << text << YAML::EndSeq << YAML::EndMap;
    yaml::flow_quoted(written, {text, text});
    written << YAML::EndMap;
    CAPTURE(text);
    REQUIRE(std::string(written.c_str()) == expected.c_str());
  }
}

TEST_CASE("yaml::string and yaml::key write what yaml-cpp writes, quoting what YAML 1.1 misreads") {
  const std::vector<std::string> texts = yaml_texts(4, 20000);
  // What a YAML 1.1 reader takes for a boolean, a null or a number (and the
  // empty string) is double-quoted; everything else is written as yaml-cpp's
  // own choice (Auto) writes it.
  const std::regex words(
      "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|"
      "off|Off|OFF|null|Null|NULL|~|<<|=");
  const std::regex number("(?=.*[0-9iInN])[-+.0-9][-0-9a-fA-FxXoO._:+tTzZ iInN]*");
  int quoted = 0;
  const Writer reference = [&](YAML::Emitter& out, const std::string& text) {
    if (text.empty() || std::regex_match(text, words) || std::regex_match(text, number)) {
      ++quoted;
      yaml_cpp_quoted(out, text);
    } else {
      yaml_cpp_auto(out, text);
    }
  };
  CHECK(first_difference(yaml::string, texts, reference) == "");
  CHECK(quoted > 1000);  // the texts reach both branches
  // Always quoting, or quoting by yaml-cpp's choice alone, is caught.
  CHECK(first_difference(yaml::quoted, texts, reference) != "");
  CHECK(first_difference(yaml_cpp_auto, texts, reference) != "");

  // A key is written as yaml-cpp writes it after YAML::Key.
  for (const std::string& text : texts) {
    YAML::Emitter expected, written;
    for (YAML::Emitter* out : {&expected, &written}) {
      yaml::configure(*out);
      *out << YAML::BeginMap;
    }
    expected << YAML::Key << text << YAML::Value << "v" << YAML::EndMap;
    yaml::key(written, text);
    written << "v" << YAML::EndMap;
    CAPTURE(text);
    REQUIRE(std::string(written.c_str()) == expected.c_str());
  }
}

TEST_CASE("yaml strings read back as the same string: generated texts") {
  for (const std::string& text : yaml_texts(2, 20000)) {
    if (text.size() > 1024) continue;
    CAPTURE(text);
    const YAML::Node node = YAML::Load(emitted(text));
    REQUIRE(node.IsMap());
    REQUIRE(node.size() == 1);
    REQUIRE(node["k"].as<std::string>() == text);
  }
}

TEST_CASE("compose: a service per image with limits, replicas, caches and health check") {
  const auto r = test::compile(kRunners);
  REQUIRE(r.rendered() == "");
  const YAML::Node doc = YAML::Load(file(r, "compose.yaml"));
  CHECK(!doc["name"]);
  const YAML::Node cpp = doc["services"]["cpp"];
  CHECK(cpp["build"]["context"].as<std::string>() == "..");
  CHECK(cpp["build"]["dockerfile"].as<std::string>() == "docker/cpp.Dockerfile");
  CHECK(cpp["build"]["target"].as<std::string>() == "final");
  CHECK(!cpp["build"]["platforms"]);
  CHECK(!cpp["build"]["cache_to"]);
  // The registry cache CI writes, one per platform.
  CHECK(cpp["build"]["cache_from"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"ghcr.io/acme/runners/cpp:buildcache-linux-amd64",
                                 "ghcr.io/acme/runners/cpp:buildcache-linux-arm64"});
  CHECK(cpp["image"].as<std::string>() == "ghcr.io/acme/runners/cpp:latest");
  CHECK(cpp["restart"].as<std::string>() == "unless-stopped");
  CHECK(cpp["env_file"][0].as<std::string>() == "runner.env");
  // The registration settings are in the image; the credential is a secret.
  CHECK(!cpp["environment"]);
  CHECK(cpp["secrets"][0].as<std::string>() == "github_app_private_key");
  CHECK(doc["secrets"]["github_app_private_key"]["file"].as<std::string>() ==
        "secrets/github_app_private_key");
  CHECK(cpp["init"].as<bool>());
  CHECK(cpp["stop_grace_period"].as<std::string>() == "960s");
  CHECK(cpp["deploy"]["resources"]["limits"]["pids"].as<int>() == 4096);
  CHECK(cpp["logging"]["options"]["max-size"].as<std::string>() == "10m");
  CHECK(cpp["healthcheck"]["test"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"CMD", "/usr/local/bin/runner-entrypoint.sh", "health"});
  CHECK(cpp["deploy"]["replicas"].as<int>() == 3);
  CHECK(cpp["deploy"]["resources"]["limits"]["cpus"].as<std::string>() == "2");
  CHECK(cpp["deploy"]["resources"]["limits"]["memory"].as<std::string>() == "4G");
  CHECK(cpp["deploy"]["resources"]["reservations"]["cpus"].as<std::string>() == "1");
  CHECK(cpp["deploy"]["resources"]["reservations"]["memory"].as<std::string>() == "1G");
  CHECK(cpp["volumes"][0].as<std::string>() == "ccache-1001:/home/runner/.cache/ccache");
  CHECK(doc["volumes"]["ccache-1001"].IsMap());
  CHECK(!cpp["ports"]);

  const YAML::Node api = doc["services"]["api"];
  CHECK(api["build"]["target"].as<std::string>() == "release");
  CHECK(api["image"].as<std::string>() == "docker.io/acme/api:v1");
  CHECK(!api["restart"]);
  CHECK(!api["env_file"]);
  CHECK(api["environment"]["APP_ENV"].as<std::string>() == "production");
  CHECK(api["expose"][1].as<std::string>() == "53/udp");
  CHECK(api["ports"][0].as<std::string>() == "8000:8000");
  CHECK(api["ports"][1].as<std::string>() == "53:53/udp");
  CHECK(api["healthcheck"]["test"][0].as<std::string>() == "CMD-SHELL");
  CHECK(api["healthcheck"]["test"][1].as<std::string>() == "curl -f http://localhost:8000/");
  CHECK(api["healthcheck"]["interval"].as<std::string>() == "30s");
  CHECK(api["healthcheck"]["start_period"].as<std::string>() == "5s");
  CHECK(api["healthcheck"]["retries"].as<int>() == 3);
  CHECK(has_file(r, "runner.env.example"));
}

TEST_CASE("bake: the HCL and the JSON come from one model; variables, inherits, caches") {
  const auto r = test::compile(kRunners);
  REQUIRE(r.rendered() == "");
  const auto json = nlohmann::json::parse(file(r, "docker-bake.json"));
  CHECK(json["variable"]["REGISTRY"]["default"] == "ghcr.io/acme/runners");
  CHECK(json["variable"]["TAG"]["default"] == "latest");
  CHECK(json["group"]["default"]["targets"] == nlohmann::json::array({"cpp", "api", "api-dev"}));
  const auto& cpp = json["target"]["cpp"];
  CHECK(cpp["inherits"] == nlohmann::json::array({"_common"}));
  CHECK(json["target"]["_common"]["context"] == "..");
  CHECK(json["target"]["_common"]["platforms"] ==
        nlohmann::json::array({"linux/amd64", "linux/arm64"}));
  CHECK(cpp["tags"][0] == "${REGISTRY}/cpp:${TAG}");
  // Read per platform, written by nobody but CI's overlay: a plain bake needs no
  // registry rights.
  CHECK(cpp["cache-from"] ==
        nlohmann::json::array({"type=registry,ref=${REGISTRY}/cpp:buildcache-linux-amd64",
                               "type=registry,ref=${REGISTRY}/cpp:buildcache-linux-arm64"}));
  CHECK(!cpp.contains("cache-to"));
  CHECK(json["group"]["ci-linux-arm64"]["targets"] ==
        nlohmann::json::array({"cpp", "api", "api-dev"}));
  CHECK(cpp["args"]["GH_RUNNER_VERSION"].is_string());
  // Another registry and tag than most images: written out, not through variables.
  CHECK(json["target"]["api"]["tags"][0] == "docker.io/acme/api:v1");
  CHECK(json["target"]["api-dev"]["tags"][0] == "docker.io/acme/api:v1-dev");
  CHECK(json["target"]["api-dev"]["target"] == "dev");
  CHECK(json["target"]["api-dev"]["cache-from"] ==
        nlohmann::json::array({"type=registry,ref=docker.io/acme/api:buildcache-dev-linux-amd64",
                               "type=registry,ref=docker.io/acme/api:buildcache-dev-linux-arm64",
                               "type=registry,ref=docker.io/acme/api:buildcache-linux-amd64",
                               "type=registry,ref=docker.io/acme/api:buildcache-linux-arm64"}));
  // CI's overlay: the cache of the job's platform written, pushed by digest, attested.
  const auto ci = nlohmann::json::parse(file(r, "docker-bake.ci.json"));
  const auto& ci_cpp = ci["target"]["cpp"];
  CHECK(ci_cpp["cache-to"] == nlohmann::json::array({"type=registry,ref=${REGISTRY}/cpp:"
                                                     "buildcache-${PLATFORM_PAIR},mode=max"}));
  CHECK(ci_cpp["output"][0] ==
        "type=image,name=${REGISTRY}/cpp,push-by-digest=true,name-canonical=true,push=true");
  CHECK(ci_cpp["attest"] == nlohmann::json::array({"type=provenance,mode=max", "type=sbom"}));
  CHECK(ci_cpp["inherits"] == nlohmann::json::array({"docker-metadata-action"}));
  CHECK(ci_cpp["labels"]["org.opencontainers.image.title"] == "cpp");
  CHECK(ci["target"]["docker-metadata-action"].empty());
  CHECK(file(r, "docker-bake.ci.hcl").find("    \"org.opencontainers.image.title\" = \"cpp\"\n") !=
        std::string::npos);
  const std::string hcl = file(r, "docker-bake.hcl");
  CHECK(hcl.find("variable \"REGISTRY\" {\n  default = \"ghcr.io/acme/runners\"\n}") !=
        std::string::npos);
  CHECK(hcl.find("group \"default\" {\n  targets = [\"cpp\", \"api\", \"api-dev\"]\n}") !=
        std::string::npos);
  CHECK(hcl.find("  tags       = [\"${REGISTRY}/cpp:${TAG}\"]\n") != std::string::npos);
}

TEST_CASE("bake: the JSON is what nlohmann's dump(2) writes, escapes and UTF-8 included") {
  // Quotes, a backslash, a tab and UTF-8 in a value (a line break is refused);
  // an empty value; targets with and without their own platforms.
  const auto r = test::compile(
      "defaults {\n  registry ghcr.io/acme\n}\n"
      "image api {\n  arg GREETING=\"say \\\"h\\\\i\\\"\\tthere \xc3\xa9t\xc3\xa9 "
      "\xe2\x9c\x93\"\n"
      "  arg EMPTY=\"\"\n  target dev {\n    apt git\n  }\n}\n"
      "image web {\n  platforms linux/arm64\n}\n");
  REQUIRE(r.rendered() == "");
  const std::string text = file(r, "docker-bake.json");
  CHECK(text == nlohmann::ordered_json::parse(text).dump(2) + "\n");
  const auto json = nlohmann::json::parse(text);
  CHECK(json["target"]["api"]["args"]["GREETING"] ==
        "say \"h\\i\"\tthere \xc3\xa9t\xc3\xa9 \xe2\x9c\x93");
  // The HCL holds the same strings, escaped the same way.
  CHECK(file(r, "docker-bake.hcl")
            .find("GREETING = \"say \\\"h\\\\i\\\"\\tthere \xc3\xa9t\xc3\xa9 \xe2\x9c\x93\"") !=
        std::string::npos);
}

namespace {

// A Bake input by hand: a target that uses the usual registry and tag (with an
// extra target of its image), one with its own registry, platforms and no
// cache, and one without a registry; arguments with quotes, a backslash, a tab,
// UTF-8 and template sequences.
ir::Build bake_input() {
  ir::Build b;
  b.spec_name = "Rigfile";
  b.context = "..";
  b.registry = "ghcr.io/acme";
  b.tag = "v1";
  ir::BuildTarget api;
  api.name = "api";
  api.image = "api";
  api.dockerfile = "docker/api.Dockerfile";
  api.stage = "release";
  api.registry = "ghcr.io/acme";
  api.repository = "ghcr.io/acme/api";
  api.tag = "v1";
  api.platforms = {"linux/amd64", "linux/arm64"};
  api.cache_ref = "ghcr.io/acme/api:buildcache";
  api.cache_from = {"ghcr.io/acme/api:buildcache-linux-amd64",
                    "ghcr.io/acme/api:buildcache-linux-arm64"};
  api.args = {{"GREETING", "say \"h\\i\"\tthere \xc3\xa9t\xc3\xa9 ${HOME} %{x}"}, {"EMPTY", ""}};
  ir::BuildTarget dev = api;
  dev.name = "api-dev";
  dev.stage = "dev";
  dev.tag_suffix = "-dev";
  dev.cache_ref = "ghcr.io/acme/api:buildcache-dev";
  dev.cache_from = {"ghcr.io/acme/api:buildcache-dev-linux-amd64",
                    "ghcr.io/acme/api:buildcache-linux-amd64"};
  dev.args = {};
  ir::BuildTarget web;
  web.name = "web";
  web.image = "web";
  web.dockerfile = "docker/web.Dockerfile";
  web.stage = "final";
  web.registry = "docker.io/other";
  web.repository = "docker.io/other/web";
  web.tag = "2";
  web.platforms = {"linux/arm64"};
  ir::BuildTarget local = web;
  local.name = "local";
  local.image = "local";
  local.dockerfile = "docker/local.Dockerfile";
  local.registry = "";
  local.repository = "local";
  local.tag = "v1";
  local.platforms = {};
  b.targets = {api, dev, web, local};
  ir::CiPlatform arm;
  arm.platform = "linux/arm64";
  arm.pair = "linux-arm64";
  arm.group = "ci-linux-arm64";
  arm.targets = {"api", "api-dev", "web"};
  b.ci.platforms = {arm};
  return b;
}

}  // namespace

TEST_CASE("bake: the JSON is nlohmann's dump(2) of the model, the HCL the same model") {
  std::vector<OutputFile> files;
  bake_emitter().emit(bake_input(), files);
  REQUIRE(files.size() == 4);
  CHECK(files[0].path == "docker-bake.hcl");
  CHECK(files[1].path == "docker-bake.json");
  CHECK(files[2].path == "docker-bake.ci.hcl");
  CHECK(files[3].path == "docker-bake.ci.json");

  // The model, spelled out: the marker variable first, then the defaults; the
  // shared context in _common (the platforms differ); per target its
  // attributes in a fixed order, ${REGISTRY} and ${TAG} where they are the
  // usual ones, template sequences escaped.
  using Json = nlohmann::ordered_json;
  const std::string greeting = "say \"h\\i\"\tthere \xc3\xa9t\xc3\xa9 $${HOME} %%{x}";
  const Json api = {{"inherits", {"_common"}},
                    {"dockerfile", "docker/api.Dockerfile"},
                    {"target", "release"},
                    {"tags", {"${REGISTRY}/api:${TAG}"}},
                    {"platforms", {"linux/amd64", "linux/arm64"}},
                    {"args", {{"GREETING", greeting}, {"EMPTY", ""}}},
                    {"cache-from",
                     {"type=registry,ref=${REGISTRY}/api:buildcache-linux-amd64",
                      "type=registry,ref=${REGISTRY}/api:buildcache-linux-arm64"}}};
  const Json dev = {{"inherits", {"_common"}},
                    {"dockerfile", "docker/api.Dockerfile"},
                    {"target", "dev"},
                    {"tags", {"${REGISTRY}/api:${TAG}-dev"}},
                    {"platforms", {"linux/amd64", "linux/arm64"}},
                    {"cache-from",
                     {"type=registry,ref=${REGISTRY}/api:buildcache-dev-linux-amd64",
                      "type=registry,ref=${REGISTRY}/api:buildcache-linux-amd64"}}};
  const Json web = {{"inherits", {"_common"}},
                    {"dockerfile", "docker/web.Dockerfile"},
                    {"target", "final"},
                    {"tags", {"docker.io/other/web:2"}},
                    {"platforms", {"linux/arm64"}}};
  const Json local = {{"inherits", {"_common"}},
                      {"dockerfile", "docker/local.Dockerfile"},
                      {"target", "final"},
                      {"tags", {"local:${TAG}"}}};
  Json model = {
      {"variable", {{"REGISTRY", {{"default", "ghcr.io/acme"}}}, {"TAG", {{"default", "v1"}}}}},
      {"group",
       {{"default", {{"targets", {"api", "api-dev", "web", "local"}}}},
        {"ci-linux-arm64", {{"targets", {"api", "api-dev", "web"}}}}}},
      {"target",
       {{"_common", {{"context", ".."}}},
        {"api", api},
        {"api-dev", dev},
        {"web", web},
        {"local", local}}}};
  Json json = {{"variable",
                {{"RIGC_GENERATED",
                  {{"default",
                    "Generated by rigc from Rigfile. Do not edit by hand: change the spec and "
                    "run `rigc build`."}}}}}};
  json["variable"].update(model["variable"]);
  json["group"] = model["group"];
  json["target"] = model["target"];
  CHECK(files[1].content == json.dump(2) + "\n");

  // The HCL: the header, then each block of the model with its attributes aligned.
  const std::string hcl = files[0].content;
  const std::string body = hcl.substr(hcl.find("\nvariable "));
  CHECK(body ==
        "\nvariable \"REGISTRY\" {\n  default = \"ghcr.io/acme\"\n}\n"
        "\nvariable \"TAG\" {\n  default = \"v1\"\n}\n"
        "\ngroup \"default\" {\n  targets = [\"api\", \"api-dev\", \"web\", \"local\"]\n}\n"
        "\ngroup \"ci-linux-arm64\" {\n  targets = [\"api\", \"api-dev\", \"web\"]\n}\n"
        "\ntarget \"_common\" {\n  context = \"..\"\n}\n"
        "\ntarget \"api\" {\n"
        "  inherits   = [\"_common\"]\n"
        "  dockerfile = \"docker/api.Dockerfile\"\n"
        "  target     = \"release\"\n"
        "  tags       = [\"${REGISTRY}/api:${TAG}\"]\n"
        "  platforms  = [\"linux/amd64\", \"linux/arm64\"]\n"
        "  args       = {\n"
        "    GREETING = \"say \\\"h\\\\i\\\"\\tthere \xc3\xa9t\xc3\xa9 $${HOME} %%{x}\"\n"
        "    EMPTY    = \"\"\n"
        "  }\n"
        "  cache-from = [\"type=registry,ref=${REGISTRY}/api:buildcache-linux-amd64\", "
        "\"type=registry,ref=${REGISTRY}/api:buildcache-linux-arm64\"]\n"
        "}\n"
        "\ntarget \"api-dev\" {\n"
        "  inherits   = [\"_common\"]\n"
        "  dockerfile = \"docker/api.Dockerfile\"\n"
        "  target     = \"dev\"\n"
        "  tags       = [\"${REGISTRY}/api:${TAG}-dev\"]\n"
        "  platforms  = [\"linux/amd64\", \"linux/arm64\"]\n"
        "  cache-from = [\"type=registry,ref=${REGISTRY}/api:buildcache-dev-linux-amd64\", "
        "\"type=registry,ref=${REGISTRY}/api:buildcache-linux-amd64\"]\n"
        "}\n"
        "\ntarget \"web\" {\n"
        "  inherits   = [\"_common\"]\n"
        "  dockerfile = \"docker/web.Dockerfile\"\n"
        "  target     = \"final\"\n"
        "  tags       = [\"docker.io/other/web:2\"]\n"
        "  platforms  = [\"linux/arm64\"]\n"
        "}\n"
        "\ntarget \"local\" {\n"
        "  inherits   = [\"_common\"]\n"
        "  dockerfile = \"docker/local.Dockerfile\"\n"
        "  target     = \"final\"\n"
        "  tags       = [\"local:${TAG}\"]\n"
        "}\n");
}

TEST_CASE("bake: spec values cannot interpolate") {
  const auto r = test::compile("image api {\n  arg GREETING=\"${HOME} %{if x}\"\n}\n");
  REQUIRE(r.rendered() == "");
  const auto json = nlohmann::json::parse(file(r, "docker-bake.json"));
  CHECK(json["target"]["api"]["args"]["GREETING"] == "$${HOME} %%{if x}");
}

TEST_CASE("workflow: a job per platform through Bake, pinned actions, pushes from main") {
  const auto r = test::compile(kRunners);
  REQUIRE(r.rendered() == "");
  const std::string text = file(r, "github/build-images.yml");
  const YAML::Node doc = YAML::Load(text);
  CHECK(doc["permissions"]["contents"].as<std::string>() == "read");
  CHECK(doc["on"]["schedule"][0]["cron"]);
  CHECK(doc["on"]["workflow_dispatch"]);
  CHECK(doc["concurrency"]["cancel-in-progress"].as<std::string>() ==
        "${{ github.event_name == 'pull_request' }}");
  const YAML::Node jobs = doc["jobs"];
  CHECK(jobs["build-linux-amd64"]["runs-on"].as<std::string>() == "ubuntu-24.04");
  CHECK(jobs["build-linux-arm64"]["runs-on"].as<std::string>() == "ubuntu-24.04-arm");
  CHECK(jobs["merge"]["needs"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"prepare", "build-linux-amd64", "build-linux-arm64"});
  const YAML::Node merge_steps = jobs["merge"]["steps"];
  CHECK(merge_steps[merge_steps.size() - 1]["env"]["IMAGES"].as<std::string>() ==
        "cpp ghcr.io/acme/runners/cpp latest\napi docker.io/acme/api v1\n"
        "api-dev docker.io/acme/api v1 -dev\n");
  const YAML::Node job = jobs["build-linux-arm64"];
  CHECK(job["permissions"]["packages"].as<std::string>() == "write");
  int bakes = 0;
  bool qemu = false;
  for (const YAML::Node& step : job["steps"]) {
    if (step["run"]) {
      // Scripts are fixed text; the spec's values come through env.
      CHECK(step["run"].as<std::string>().find("${{") == std::string::npos);
      continue;
    }
    const std::string uses = step["uses"].as<std::string>();
    const std::string sha = uses.substr(uses.find('@') + 1);
    CHECK(sha.size() == 40);
    CHECK(sha.find_first_not_of("0123456789abcdef") == std::string::npos);
    qemu = qemu || uses.rfind("docker/setup-qemu-action@", 0) == 0;
    if (uses.rfind("docker/bake-action@", 0) == 0) {
      ++bakes;
      CHECK(step["with"]["targets"].as<std::string>() == "ci-linux-arm64");
      CHECK(step["with"]["set"].as<std::string>() == "*.platform=linux/arm64");
      const std::string files = step["with"]["files"].as<std::string>();
      CHECK((files.find("docker-bake.ci.hcl") != std::string::npos) ==
            (step["if"].as<std::string>() == "env.PUSH == 'true'"));
    }
  }
  CHECK(bakes == 2);
  CHECK_FALSE(qemu);  // arm64 has a native runner
  CHECK(doc["env"]["PUSH"].as<std::string>().find("default_branch") != std::string::npos);
}

TEST_CASE("workflow: QEMU only where the spec asks for it, runners the spec names") {
  const auto r = test::compile(
      "defaults {\n  platforms linux/amd64 linux/arm64 linux/arm/v7\n"
      "  ci-runner linux/arm/v7 qemu\n  ci-runner linux/arm64 self-hosted linux arm64\n}\n"
      "image api {\n  packs python\n}\n");
  REQUIRE(r.rendered() == "");
  const YAML::Node jobs = YAML::Load(file(r, "github/build-images.yml"))["jobs"];
  CHECK(jobs["build-linux-arm64"]["runs-on"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"self-hosted", "linux", "arm64"});
  const YAML::Node v7 = jobs["build-linux-arm-v7"];
  CHECK(v7["runs-on"].as<std::string>() == "ubuntu-24.04");
  CHECK(v7["steps"][1]["uses"].as<std::string>().rfind("docker/setup-qemu-action@", 0) == 0);
  CHECK(jobs["build-linux-amd64"]["steps"][1]["name"].as<std::string>() == "Set up Buildx");
}

TEST_CASE("workflow: a platform without a native runner needs a ci-runner") {
  const auto r = test::compile("image api {\n  platforms linux/s390x\n}\n");
  CHECK(r.rendered().find("no GitHub-hosted runner builds 'linux/s390x' natively") !=
        std::string::npos);
}

TEST_CASE("cache mounts: per platform where the content is, kept between CI runs") {
  const auto r = test::compile(kRunners);
  REQUIRE(r.rendered() == "");
  const std::string cpp = file(r, "cpp.Dockerfile");
  CHECK(cpp.find("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nARG TARGETARCH\n") !=
        std::string::npos);
  CHECK(cpp.find("id=apt-lists-ubuntu-24-04-${TARGETARCH}") != std::string::npos);
  const std::string helper = file(r, "github/cache-mounts.Dockerfile");
  // The helper mounts each cache as the images do: id and owner (the target is its own).
  CHECK(helper.find("--mount=type=cache,target=/rigc-cache/apt-lists-ubuntu-24-04,"
                    "id=apt-lists-ubuntu-24-04-${TARGETARCH}") != std::string::npos);
  CHECK(helper.find("--mount=type=cache,target=/rigc-cache/pip-10001,id=pip-10001,uid=10001,"
                    "gid=10001") != std::string::npos);
  CHECK(helper.find("FROM scratch AS export\nCOPY --from=extract /rigc-cache-out/ /\n") !=
        std::string::npos);
}

TEST_CASE("runs-on: self-hosted, linux, each architecture, then the pool's own label") {
  const auto r = test::compile(kRunners);
  REQUIRE(r.rendered() == "");
  const YAML::Node doc = YAML::Load(file(r, "github/runs-on.yml"));
  CHECK(doc["cpp"]["x64"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"self-hosted", "linux", "x64", "rig-cpp"});
  CHECK(doc["cpp"]["arm64"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"self-hosted", "linux", "arm64", "rig-cpp"});
  CHECK(doc["cpp"]["any"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"self-hosted", "linux", "rig-cpp"});
  CHECK(!doc["api"]);
}

TEST_CASE("compose: Docker for a runner's jobs through the host's socket or a dind sidecar") {
  const auto r = test::compile(
      "runner a {\n  docker socket\n  auth pat\n  drain 30m\n}\n"
      "runner b {\n  docker dind\n  auth token\n}\n");
  REQUIRE(r.rendered() == "");
  const YAML::Node doc = YAML::Load(file(r, "compose.yaml"));
  const YAML::Node a = doc["services"]["a"];
  CHECK(a["volumes"][0].as<std::string>() == "/var/run/docker.sock:/var/run/docker.sock");
  const std::string work = "${RIGC_RUNNER_WORK:-/var/lib/rigc/runners}/a";
  CHECK(a["volumes"][1].as<std::string>() == work + ":" + work);
  CHECK(a["environment"]["RUNNER_WORK_ROOT"].as<std::string>() == work);
  CHECK(a["secrets"][0].as<std::string>() == "github_token");
  CHECK(a["stop_grace_period"].as<std::string>() == "1860s");
  const YAML::Node b = doc["services"]["b"];
  CHECK(b["environment"]["DOCKER_HOST"].as<std::string>() == "tcp://b-dind:2376");
  CHECK(b["environment"]["DOCKER_CERT_PATH"].as<std::string>() == "/certs/client");
  CHECK(b["depends_on"]["b-dind"]["condition"].as<std::string>() == "service_healthy");
  CHECK(b["secrets"][0].as<std::string>() == "runner_token");
  const YAML::Node dind = doc["services"]["b-dind"];
  CHECK(dind["privileged"].as<bool>());
  CHECK(dind["environment"]["DOCKER_TLS_CERTDIR"].as<std::string>() == "/certs");
  CHECK(doc["volumes"]["b-docker-certs"].IsMap());
  CHECK(doc["secrets"]["github_token"]);
  CHECK(doc["secrets"]["runner_token"]);
  CHECK(!doc["secrets"]["github_app_private_key"]);
  // Both runners get the Docker client.
  CHECK(file(r, "a.Dockerfile").find("FROM fetch AS pack-docker-cli") != std::string::npos);
}

TEST_CASE("no runners: no runs-on.yml, no env example, no registry login") {
  const auto r = test::compile("image api {\n  packs python\n}\n");
  REQUIRE(r.rendered() == "");
  CHECK(!has_file(r, "github/runs-on.yml"));
  CHECK(!has_file(r, "runner.env.example"));
  const YAML::Node doc = YAML::Load(file(r, "github/build-images.yml"));
  for (const YAML::Node& step : doc["jobs"]["build-linux-amd64"]["steps"])
    CHECK((!step["uses"] || step["uses"].as<std::string>().rfind("docker/login-action@", 0) != 0));
  CHECK(!doc["jobs"]["build-linux-amd64"]["permissions"]["packages"]);
  CHECK(!doc["jobs"]["merge"]);  // nothing is pushed
}

TEST_CASE("compose: spec values cannot interpolate") {
  const auto r = test::compile(
      "image api {\n  env GREETING=\"${HOME} $(id)\"\n  healthcheck \"test -n $PATH\"\n}\n");
  REQUIRE(r.rendered() == "");
  const YAML::Node api = YAML::Load(file(r, "compose.yaml"))["services"]["api"];
  CHECK(api["environment"]["GREETING"].as<std::string>() == "$${HOME} $$(id)");
  CHECK(api["healthcheck"]["test"][1].as<std::string>() == "test -n $$PATH");
}
