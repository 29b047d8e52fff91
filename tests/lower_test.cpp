#include "rigc/lower.hpp"

#include <doctest/doctest.h>

#include "test_util.hpp"

using namespace rigc;
using test::at;

namespace {

const char* kApi =
    "image api {\n  packs python\n  user app 10001\n  deps requirements.txt\n  copy . /app\n"
    "  workdir /app\n  dirs /app/tmp /app/log\n  env APP_ENV=production\n  apt libpq5\n"
    "  run \"python -m compileall -q /opt/venv\"\n  cmd [\"python\", \"app.py\"]\n"
    "  target dev {\n    apt git\n  }\n}\n";

}  // namespace

TEST_CASE("layers are ordered by how often their inputs change") {
  const auto r = test::compile(kApi);
  REQUIRE(r.rendered() == "");
  const std::string d = r.dockerfile("api");
  const std::size_t packs_apt = at(d, "python3-venv");
  const std::size_t own_apt = at(d, "libpq5");
  const std::size_t user = at(d, "useradd");
  const std::size_t deps = at(d, "COPY --chown=10001:10001 requirements.txt /app/");
  const std::size_t env = at(d, "ENV APP_ENV=production");
  const std::size_t run = at(d, "compileall");
  const std::size_t sources = at(d, "COPY --chown=10001:10001 . /app");
  const std::size_t cmd = at(d, "CMD [\"python\", \"app.py\"]");
  REQUIRE(packs_apt != std::string::npos);
  CHECK(packs_apt < user);
  CHECK(user < deps);
  CHECK(user < own_apt);  // the image's own packages: in the final stage, after the build stage
  CHECK(own_apt < env);
  CHECK(deps < env);
  CHECK(env < run);
  CHECK(run < sources);
  CHECK(sources < cmd);
}

TEST_CASE("adding an OS package to an image changes only the final stage, from its apt layer") {
  // The image's own apt list comes after everything the packs install, in the
  // final stage only: a new package changes no earlier layer and no build step,
  // so BuildKit reuses them all.
  std::string more = kApi;
  more.replace(more.find("apt libpq5"), 10, "apt libpq5 tree");
  const auto before = test::compile(kApi);
  const auto after = test::compile(more);
  REQUIRE(after.rendered() == "");
  const auto stage_text = [](const ir::Image& image, const std::string& name) {
    std::vector<std::string> lines;
    for (const ir::Stage& s : image.stages) {
      if (s.name != name) continue;
      for (const ir::Instruction& in : s.instructions)
        lines.push_back(in.text);
    }
    return lines;
  };
  for (const std::string name : {"base", "runtime", "build"}) {
    CAPTURE(name);
    CHECK(stage_text(before.image("api"), name) == stage_text(after.image("api"), name));
  }
  const std::vector<std::string> old_lines = stage_text(before.image("api"), "final");
  const std::vector<std::string> new_lines = stage_text(after.image("api"), "final");
  REQUIRE(old_lines.size() == new_lines.size());
  std::size_t first_change = 0;
  while (first_change < old_lines.size() && old_lines[first_change] == new_lines[first_change])
    ++first_change;
  REQUIRE(first_change < new_lines.size());
  CHECK(new_lines[first_change].find("libpq5") != std::string::npos);
  CHECK(new_lines[first_change].find("tree") != std::string::npos);
  for (std::size_t i = first_change + 1; i < new_lines.size(); ++i)
    CHECK(new_lines[i] == old_lines[i]);
  // The image's packages stay out of the build stage.
  for (const std::string& line : stage_text(after.image("api"), "build"))
    CHECK(line.find("libpq5") == std::string::npos);
}

TEST_CASE("build-only packages stay in the build stage; the final stage copies the venv") {
  const auto r = test::compile(kApi);
  const ir::Image& image = r.image("api");
  std::vector<std::string> names;
  for (const ir::Stage& s : image.stages)
    names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"base", "runtime", "build", "final", "dev", "release"});
  for (const ir::Stage& s : image.stages) {
    std::string text;
    for (const ir::Instruction& in : s.instructions)
      text += in.text + "\n";
    if (s.name == "build") CHECK(text.find("python3-dev") != std::string::npos);
    if (s.name == "final") {
      CHECK(text.find("python3-dev") == std::string::npos);
      CHECK(text.find("COPY --from=build --chown=10001:10001 /opt/venv /opt/venv") !=
            std::string::npos);
    }
  }
  // The last stage, which a plain `docker build` builds, is the lean one.
  CHECK(image.stages.back().name == "release");
  CHECK(image.stages.back().from == "final");
}

TEST_CASE("apt layers: sorted, de-duplicated, cache-mounted, no recommends") {
  const auto r = test::compile("image x {\n  apt zsh curl zsh bash\n}\n");
  const std::string d = r.dockerfile("x");
  CHECK(d.find("apt-get install -y --no-install-recommends \\\n      bash \\\n      curl \\\n      "
               "zsh\n") != std::string::npos);
  CHECK(d.find("--mount=type=cache,target=/var/lib/apt,sharing=locked") != std::string::npos);
  CHECK(d.find("--mount=type=cache,target=/var/cache/apt,id=") != std::string::npos);
  // One locked mount per RUN: Buildah 1.28 leaks the second lock and hangs.
  for (std::size_t at = d.find("RUN "); at != std::string::npos; at = d.find("\nRUN ", at + 1)) {
    const std::string run = d.substr(at, d.find("\n\n", at) - at);
    const std::string first = run.substr(0, run.find("apt-get"));
    std::size_t locks = 0;
    for (std::size_t p = first.find("sharing=locked"); p != std::string::npos;
         p = first.find("sharing=locked", p + 1))
      ++locks;
    CHECK(locks <= 1);
  }
  CHECK(d.find("apt-get upgrade") == std::string::npos);
}

TEST_CASE("owned directories are created one by one, parents inside the home included") {
  const auto r = test::compile("image x {\n  cache pip\n  dirs /srv/data ~/work/out\n}\n");
  const std::string d = r.dockerfile("x");
  CHECK(d.find("install -d -o 1001 -g 1001 /home/runner/.cache /home/runner/.cache/pip /srv/data "
               "/home/runner/work /home/runner/work/out") != std::string::npos);
  CHECK(d.find("chown -R") == std::string::npos);
}

TEST_CASE("fetching packs get their own stage with a checksum for every version and arch") {
  const auto r = test::compile(
      "pack tool {\n  version 1.0\n  versions 1.0 2.0\n  fetch "
      "@mirror@/tool-@version@-@arch@.tar.gz\n"
      "  mirror https://example.com/dl\n  arch amd64=x86_64\n  sha256 1.0 amd64 " +
      std::string(64, 'a') + "\n  sha256 2.0 amd64 " + std::string(64, 'b') +
      "\n  extract /opt/tool strip 1\n  path /opt/tool/bin\n}\n"
      "image x {\n  packs tool\n}\n");
  REQUIRE(r.rendered() == "");
  const std::string d = r.dockerfile("x");
  CHECK(d.find("FROM fetch AS pack-tool\n") != std::string::npos);
  CHECK(d.find("ARG TOOL_VERSION=1.0\n") != std::string::npos);
  CHECK(d.find("ARG TOOL_MIRROR=https://example.com/dl\n") != std::string::npos);
  CHECK(d.find("1.0/amd64) arch=x86_64 sha256=" + std::string(64, 'a')) != std::string::npos);
  CHECK(d.find("2.0/amd64) arch=x86_64 sha256=" + std::string(64, 'b')) != std::string::npos);
  CHECK(d.find("\"${TOOL_MIRROR}/tool-${TOOL_VERSION}-${arch}.tar.gz\"") != std::string::npos);
  CHECK(d.find("sha256sum -c /tmp/tool.sha256") != std::string::npos);
  CHECK(d.find(" | ") == std::string::npos);  // no pipe: correct even where SHELL is ignored
  CHECK(d.find("COPY --from=pack-tool /opt/tool /opt/tool") != std::string::npos);
  CHECK(d.find("PATH=/opt/tool/bin:$PATH") != std::string::npos);
  // Download tools stay out of the final stage.
  const std::string final_stage = d.substr(d.find("AS final"));
  CHECK(final_stage.find("curl") == std::string::npos);
}

TEST_CASE("images with the same base and packs share byte-identical leading stages") {
  const auto r = test::compile(
      "runner a {\n  packs go\n  limits cpus 1\n}\nrunner b {\n  packs go cpp\n  user b 2000\n}\n");
  REQUIRE(r.rendered() == "");
  const auto leading = [](const std::string& d) {
    return d.substr(d.find("\n\n"), d.find("# final:") - d.find("\n\n"));
  };
  CHECK(leading(r.dockerfile("a")) == leading(r.dockerfile("b")));
}

TEST_CASE("secrets are mounted, never ARG or ENV") {
  const auto r = test::compile(
      "image x {\n  packs python\n  deps requirements.txt\n  secret pypi env PIP_INDEX_URL\n}\n");
  REQUIRE(r.rendered() == "");
  const std::string d = r.dockerfile("x");
  CHECK(d.find("--mount=type=secret,id=pypi,target=/run/secrets/pypi") != std::string::npos);
  CHECK(d.find("PIP_INDEX_URL=\"$(cat /run/secrets/pypi)\"") != std::string::npos);
  CHECK(d.find("ENV PIP_INDEX_URL") == std::string::npos);
  CHECK(d.find("ARG PIP_INDEX_URL") == std::string::npos);
}

TEST_CASE("the same spec gives byte-identical output") {
  CHECK(test::compile(kApi).dockerfile("api") == test::compile(kApi).dockerfile("api"));
}

TEST_CASE("a runner ends with its registration settings and the entrypoint") {
  const auto r = test::compile(
      "runner ci {\n  packs python\n  labels gpu\n  ephemeral false\n  group big\n}\n");
  REQUIRE(r.rendered() == "");
  const std::string d = r.dockerfile("ci");
  CHECK(
      d.find(
          "ENV RUNNER_LABELS=python,gpu \\\n    RUNNER_EPHEMERAL=false \\\n    RUNNER_GROUP=big") !=
      std::string::npos);
  CHECK(d.find("COPY --chown=0:0 --chmod=755 docker/runner-entrypoint.sh") != std::string::npos);
  CHECK(d.find("ENTRYPOINT [\"/usr/local/bin/runner-entrypoint.sh\"]") != std::string::npos);
  CHECK(r.image("ci").restart == "unless-stopped");
}
