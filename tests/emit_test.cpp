// The Compose, Bake and GitHub emitters: read back with yaml-cpp and
// nlohmann-json, so the assertions are about structure, not text.
#include "rigc/emit.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

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
  CHECK(cpp["build"]["cache_from"][0].as<std::string>() == "ghcr.io/acme/runners/cpp:buildcache");
  CHECK(cpp["image"].as<std::string>() == "ghcr.io/acme/runners/cpp:latest");
  CHECK(cpp["restart"].as<std::string>() == "unless-stopped");
  CHECK(cpp["env_file"][0].as<std::string>() == "runner.env");
  CHECK(cpp["environment"]["RUNNER_LABELS"].as<std::string>() == "cpp,big");
  CHECK(cpp["environment"]["RUNNER_GROUP"].as<std::string>() == "builders");
  CHECK(!cpp["environment"]["RUNNER_TOKEN"]);
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
  CHECK(cpp["cache-to"][0] == "type=registry,ref=${REGISTRY}/cpp:buildcache,mode=max");
  CHECK(cpp["args"]["GH_RUNNER_VERSION"].is_string());
  // Another registry and tag than most images: written out, not through variables.
  CHECK(json["target"]["api"]["tags"][0] == "docker.io/acme/api:v1");
  CHECK(json["target"]["api-dev"]["tags"][0] == "docker.io/acme/api:v1-dev");
  CHECK(json["target"]["api-dev"]["target"] == "dev");
  CHECK(json["target"]["api-dev"]["cache-from"] ==
        nlohmann::json::array({"type=registry,ref=docker.io/acme/api:buildcache-dev",
                               "type=registry,ref=docker.io/acme/api:buildcache"}));
  const std::string hcl = file(r, "docker-bake.hcl");
  CHECK(hcl.find("variable \"REGISTRY\" {\n  default = \"ghcr.io/acme/runners\"\n}") !=
        std::string::npos);
  CHECK(hcl.find("group \"default\" {\n  targets = [\"cpp\", \"api\", \"api-dev\"]\n}") !=
        std::string::npos);
  CHECK(hcl.find("  tags       = [\"${REGISTRY}/cpp:${TAG}\"]\n") != std::string::npos);
}

TEST_CASE("bake: spec values cannot interpolate") {
  const auto r = test::compile("image api {\n  arg GREETING=\"${HOME} %{if x}\"\n}\n");
  REQUIRE(r.rendered() == "");
  const auto json = nlohmann::json::parse(file(r, "docker-bake.json"));
  CHECK(json["target"]["api"]["args"]["GREETING"] == "$${HOME} %%{if x}");
}

TEST_CASE("workflow: the bake targets, pinned actions, pushes from the default branch only") {
  const auto r = test::compile(kRunners);
  REQUIRE(r.rendered() == "");
  const std::string text = file(r, "github/build-images.yml");
  const YAML::Node doc = YAML::Load(text);
  CHECK(doc["permissions"]["contents"].as<std::string>() == "read");
  const YAML::Node job = doc["jobs"]["build"];
  CHECK(job["permissions"]["packages"].as<std::string>() == "write");
  const YAML::Node include = job["strategy"]["matrix"]["include"];
  REQUIRE(include.size() == 3);
  CHECK(include[0]["name"].as<std::string>() == "cpp");
  CHECK(include[0]["tags"].as<std::string>() == "ghcr.io/acme/runners/cpp:latest");
  CHECK(include[0]["platforms"].as<std::string>() == "linux/amd64,linux/arm64");
  CHECK(include[0]["registry"].as<std::string>() == "ghcr.io");
  CHECK(include[2]["name"].as<std::string>() == "api-dev");
  CHECK(include[2]["target"].as<std::string>() == "dev");
  CHECK(include[2]["tags"].as<std::string>() == "docker.io/acme/api:v1-dev");
  int build_push = 0;
  for (const YAML::Node& step : job["steps"]) {
    CHECK(!step["run"]);
    const std::string uses = step["uses"].as<std::string>();
    const std::string sha = uses.substr(uses.find('@') + 1);
    CHECK(sha.size() == 40);
    CHECK(sha.find_first_not_of("0123456789abcdef") == std::string::npos);
    if (uses.rfind("docker/build-push-action@", 0) == 0) {
      ++build_push;
      CHECK(step["with"]["push"].as<std::string>() ==
            "${{ env.PUSH == 'true' && matrix.registry != '' }}");
    }
  }
  CHECK(build_push == 1);
  CHECK(doc["env"]["PUSH"].as<std::string>().find("default_branch") != std::string::npos);
}

TEST_CASE("runs-on: self-hosted, linux, each architecture, then the runner's labels") {
  const auto r = test::compile(kRunners);
  REQUIRE(r.rendered() == "");
  const YAML::Node doc = YAML::Load(file(r, "github/runs-on.yml"));
  CHECK(doc["cpp"]["x64"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"self-hosted", "linux", "x64", "cpp", "big"});
  CHECK(doc["cpp"]["arm64"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"self-hosted", "linux", "arm64", "cpp", "big"});
  CHECK(doc["cpp"]["any"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"self-hosted", "linux", "cpp", "big"});
  CHECK(!doc["api"]);
}

TEST_CASE("no runners: no runs-on.yml, no env example, no registry login") {
  const auto r = test::compile("image api {\n  packs python\n}\n");
  REQUIRE(r.rendered() == "");
  CHECK(!has_file(r, "github/runs-on.yml"));
  CHECK(!has_file(r, "runner.env.example"));
  const YAML::Node doc = YAML::Load(file(r, "github/build-images.yml"));
  for (const YAML::Node& step : doc["jobs"]["build"]["steps"])
    CHECK(step["uses"].as<std::string>().rfind("docker/login-action@", 0) != 0);
  CHECK(!doc["jobs"]["build"]["permissions"]["packages"]);
}

TEST_CASE("compose: spec values cannot interpolate") {
  const auto r = test::compile(
      "image api {\n  env GREETING=\"${HOME} $(id)\"\n  healthcheck \"test -n $PATH\"\n}\n");
  REQUIRE(r.rendered() == "");
  const YAML::Node api = YAML::Load(file(r, "compose.yaml"))["services"]["api"];
  CHECK(api["environment"]["GREETING"].as<std::string>() == "$${HOME} $$(id)");
  CHECK(api["healthcheck"]["test"][1].as<std::string>() == "test -n $$PATH");
}
