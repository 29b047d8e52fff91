// validate on hand-built IR: each rule fires on an image that breaks it, and a
// sound image passes.
#include "rigc/validate.hpp"

#include <doctest/doctest.h>

using namespace rigc;

namespace {

ir::Instruction op(ir::Op o) {
  return {std::move(o), {}, ir::Layer::stage, ""};
}

// A sound image: a base and a final stage that ends as a numeric user.
ir::Image sound() {
  ir::Image image;
  image.name = "app";
  image.location = {0, 1, 1, 3};
  image.uid = image.gid = 1001;
  ir::Stage base{"base", "debian:bookworm-slim", "", {}};
  base.instructions.push_back(op(ir::Run{{}, "apt-get update", ir::StepKind::apt}));
  ir::Stage final{"final", "base", "", {}};
  final.instructions.push_back(op(ir::Copy{{"."}, "/app", "", "1001:1001", "", false}));
  final.instructions.push_back(op(ir::Workdir{"/app"}));
  final.instructions.push_back(op(ir::User{"1001:1001"}));
  final.instructions.push_back(op(ir::Cmd{{"app"}}));
  image.stages = {base, final};
  return image;
}

// The messages validate reports for `image` (alone in a build).
std::vector<std::string> messages(const ir::Image& image) {
  ir::Build build;
  build.images = {image};
  Diagnostics diagnostics;
  validate(build, diagnostics);
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics.all())
    out.push_back(d.message);
  return out;
}

std::string internal(const std::string& what) {
  return "internal error in image 'app': " + what + " (please report this as a rigc bug)";
}

ir::Stage& final_of(ir::Image& image) {
  return image.stages.back();
}

}  // namespace

TEST_CASE("a sound image passes") {
  CHECK(messages(sound()).empty());
}

TEST_CASE("stage names are unique and not reserved") {
  ir::Image twice = sound();
  twice.stages.push_back(twice.stages.front());
  CHECK(messages(twice) == std::vector<std::string>{internal("duplicate stage base")});
  ir::Image reserved = sound();
  reserved.stages.front().name = "scratch";
  CHECK(messages(reserved) == std::vector<std::string>{internal("reserved stage name")});
}

TEST_CASE("no recursive ownership change and no apt misuse in any RUN") {
  for (const char* line : {"chown -R 1001 /app", "chmod -R a+w /srv", "cp --recursive a b"}) {
    ir::Image image = sound();
    final_of(image).instructions.insert(final_of(image).instructions.begin(),
                                        op(ir::Run{{}, std::string("true\n&& ") + line}));
    CHECK(messages(image) == std::vector<std::string>{internal("recursive ownership change")});
  }
  for (const char* line : {"apt-get upgrade -y", "sudo make install", "x && apt install curl"}) {
    ir::Image image = sound();
    final_of(image).instructions.insert(final_of(image).instructions.begin(),
                                        op(ir::Run{{}, line}));
    CHECK(messages(image) == std::vector<std::string>{internal("forbidden apt usage")});
  }
}

TEST_CASE("a COPY from the context has an owner; a COPY from a stage need not") {
  ir::Image image = sound();
  std::get<ir::Copy>(final_of(image).instructions[0].op).chown = "";
  CHECK(messages(image) == std::vector<std::string>{internal("COPY without --chown: /app")});
  std::get<ir::Copy>(final_of(image).instructions[0].op).from = "build";
  CHECK(messages(image).empty());
}

TEST_CASE("WORKDIR is absolute") {
  ir::Image image = sound();
  std::get<ir::Workdir>(final_of(image).instructions[1].op).path = "app";
  CHECK(messages(image) == std::vector<std::string>{internal("relative WORKDIR")});
}

TEST_CASE("one CMD, ENTRYPOINT and HEALTHCHECK per stage") {
  for (const ir::Op& extra : {ir::Op{ir::Cmd{{"b"}}}, ir::Op{ir::Entrypoint{{"a"}}},
                              ir::Op{ir::Healthcheck{"true", {}, "", "", "", 0}}}) {
    ir::Image image = sound();
    final_of(image).instructions.push_back(op(extra));
    final_of(image).instructions.push_back(op(extra));
    CHECK(messages(image) == std::vector<std::string>{internal(
                                 "more than one HEALTHCHECK, CMD or ENTRYPOINT in stage final")});
  }
}

TEST_CASE("the final stage ends as a numeric non-root user, unless the spec asked for root") {
  for (const char* user : {"app", "0:0", "0", "root"}) {
    ir::Image image = sound();
    final_of(image).instructions.push_back(op(ir::User{user}));
    CHECK(messages(image) ==
          std::vector<std::string>{internal("the final USER is not a numeric non-root user")});
  }
  ir::Image root = sound();
  root.uid = root.gid = 0;
  final_of(root).instructions.push_back(op(ir::User{"root"}));
  CHECK(messages(root).empty());
}

TEST_CASE("what the Dockerfile copies must be in the build context") {
  ir::Image image = sound();
  image.ignore =
      std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"*", "!src/"});
  const Location deps_at{0, 4, 3, 4}, copy_at{0, 5, 3, 4};
  image.context_inputs = {{ir::ContextInput::Kind::deps, "requirements.txt", deps_at},
                          {ir::ContextInput::Kind::copy, "src", copy_at},
                          {ir::ContextInput::Kind::copy, "docs", copy_at},
                          {ir::ContextInput::Kind::copy, ".", copy_at}};
  CHECK(messages(image) ==
        std::vector<std::string>{
            "'requirements.txt' is left out of the build context by the ignore patterns, so "
            "image 'app' cannot install it; add '!requirements.txt' to the ignore block",
            "'docs' is left out of the build context by the ignore patterns, so image 'app' "
            "cannot copy it; add '!docs' to the ignore block"});
}
