// Lowering on the typed IR, over a small test pack library (not the stock packs):
// stages, the layer order, mounts, ownership and the facts each instruction carries.
#include "rigc/lower.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "rigc/dockerfile_printer.hpp"
#include "rigc/elaborate.hpp"
#include "rigc/parser.hpp"

using namespace rigc;

namespace {

const std::string kSum1(64, 'a');
const std::string kSum2(64, 'b');

// base: a system pack; lang: a toolchain whose deps need a build-only package;
// tool: a fetching pack with two versions; rooty: setup steps as root and as the user.
const std::string kLibrary =
    "pack base {\n  kind system\n  apt ca-certificates tzdata\n  env LANG=C.UTF-8\n}\n"
    "pack lang {\n  kind toolchain\n  requires base\n  apt lang-runtime\n  build-apt lang-dev\n"
    "  env LANG_HOME=/opt/lang\n  path /opt/venv/bin\n  dirs /opt/venv ~/.cache/lang\n"
    "  run \"lang --setup\"\n  cache langcache ~/.cache/lang\n"
    "  deps lang.lock \"lang install\" into /opt/venv\n  labels lang\n}\n"
    "pack tool {\n  version 1.0\n  versions 1.0 2.0\n  requires base\n"
    "  fetch @mirror@/tool-@version@-@arch@.tar.gz\n  mirror https://example.com/dl\n"
    "  arch amd64=x86_64\n  sha256 1.0 amd64 " +
    kSum1 + "\n  sha256 2.0 amd64 " + kSum2 +
    "\n  extract /opt/tool strip 1\n  path /opt/tool/bin\n  labels tool\n}\n"
    "pack rooty {\n  requires base\n  run \"echo as-root\" as root\n  run \"echo as-user\"\n}\n"
    "pack gh-runner {\n  requires base\n  apt git\n}\n";

struct Lowered {
  Sources sources;
  Diagnostics diagnostics;
  spec::Module decls;
  Resolved resolved;
  ir::Build build;

  const ir::Image& image(const std::string& name) const {
    for (const ir::Image& i : build.images) {
      if (i.name == name) return i;
    }
    throw std::runtime_error("no image " + name);
  }
};

// Parses the test library and `spec` and lowers them; no stock pack is loaded.
std::unique_ptr<Lowered> lower_spec(const std::string& spec,
                                    const std::string& library = kLibrary) {
  auto l = std::make_unique<Lowered>();
  const auto file = l->sources.add("Rigfile", library + spec);
  l->decls = elaborate(parse(l->sources, file, l->diagnostics), l->diagnostics);
  if (l->diagnostics.has_errors()) return l;
  l->resolved = resolve(l->decls, {}, l->diagnostics);
  if (l->diagnostics.has_errors()) return l;
  l->build = lower(l->resolved, {"Rigfile", "docker"}, l->diagnostics);
  return l;
}

const ir::Stage& stage(const ir::Image& image, const std::string& name) {
  for (const ir::Stage& s : image.stages) {
    if (s.name == name) return s;
  }
  throw std::runtime_error("no stage " + name);
}

std::vector<std::string> stage_names(const ir::Image& image) {
  std::vector<std::string> names;
  for (const ir::Stage& s : image.stages)
    names.push_back(s.name);
  return names;
}

// The instructions of type T in a stage, in order.
template <typename T>
std::vector<const T*> all(const ir::Stage& s) {
  std::vector<const T*> out;
  for (const ir::Instruction& in : s.instructions) {
    if (const T* op = std::get_if<T>(&in.op)) out.push_back(op);
  }
  return out;
}

// The index of the first instruction for which `pred` holds, or -1.
template <typename Pred>
int find_in(const ir::Stage& s, Pred pred) {
  for (std::size_t i = 0; i < s.instructions.size(); ++i) {
    if (pred(s.instructions[i])) return static_cast<int>(i);
  }
  return -1;
}

bool is_apt_with(const ir::Instruction& in, const std::string& package) {
  const auto* run = std::get_if<ir::Run>(&in.op);
  return run != nullptr && run->kind == ir::StepKind::apt &&
         (run->script + "\n").find("\n  " + package + "\n") != std::string::npos;
}

// The RUN of `kind` in a stage, or null.
const ir::Run* run_of(const ir::Stage& s, ir::StepKind kind) {
  for (const ir::Run* run : all<ir::Run>(s)) {
    if (run->kind == kind) return run;
  }
  return nullptr;
}

const char* kApp =
    "image app {\n  packs lang\n  user app 10001\n  deps lang.lock\n  copy . /app\n"
    "  workdir /app\n  dirs /app/tmp\n  env APP_ENV=production\n  apt libextra\n"
    "  run \"lang --compile\"\n  cmd [\"lang\", \"app\"]\n  target dev {\n    apt devtool\n  "
    "}\n}\n";

}  // namespace

TEST_CASE("a dependency build needs build-only packages: runtime, build and final stages") {
  const auto l = lower_spec(kApp);
  REQUIRE(!l->diagnostics.has_errors());
  const ir::Image& app = l->image("app");
  // With a target, the final image parts before its sources (`app`).
  CHECK(stage_names(app) ==
        std::vector<std::string>{"base", "runtime", "build", "app", "final", "dev", "release"});
  CHECK(stage(app, "build").from == "runtime");
  CHECK(stage(app, "app").from == "runtime");
  CHECK(stage(app, "final").from == "app");
  // lang-dev only in the build stage; the image copies the install's output.
  CHECK(find_in(stage(app, "build"), [](const auto& in) { return is_apt_with(in, "lang-dev"); }) >=
        0);
  for (const char* name : {"runtime", "app", "final"})
    CHECK(find_in(stage(app, name), [](const auto& in) { return is_apt_with(in, "lang-dev"); }) <
          0);
  const auto copies = all<ir::Copy>(stage(app, "app"));
  REQUIRE(!copies.empty());
  CHECK(copies.front()->from == "build");
  CHECK(copies.front()->sources == std::vector<std::string>{"/opt/venv"});
  // Dependencies are code: root's, read-only to the user.
  CHECK(copies.front()->chown == "0:0");
  CHECK(ir::copied_from(stage(app, "app")) == std::vector<std::string>{"build"});
  // The lean image is the last stage, which a plain `docker build` builds.
  CHECK(app.stages.back().name == "release");
  CHECK(app.stages.back().from == "final");
  CHECK(app.default_target == "release");
  CHECK(app.targets == std::vector<std::string>{"dev"});
}

TEST_CASE("the final image: own packages, environment, run steps, then sources, metadata") {
  const auto l = lower_spec(kApp);
  const ir::Stage& app = stage(l->image("app"), "app");
  const int own_apt = find_in(app, [](const auto& in) { return is_apt_with(in, "libextra"); });
  const int env = find_in(app, [](const auto& in) {
    const auto* e = std::get_if<ir::Env>(&in.op);
    return e != nullptr && e->vars.front().first == "APP_ENV";
  });
  const int run = find_in(app, [](const auto& in) {
    const auto* r = std::get_if<ir::Run>(&in.op);
    return r != nullptr && r->kind == ir::StepKind::custom;
  });
  CHECK(own_apt >= 0);
  CHECK(own_apt < env);
  CHECK(env < run);
  // The image's OS packages are installed as root, then the user is back.
  CHECK(std::get<ir::User>(app.instructions.at(own_apt - 1).op).user == "root");
  CHECK(std::get<ir::User>(app.instructions.at(own_apt + 1).op).user == "10001:10001");
  const ir::Stage& final = stage(l->image("app"), "final");
  const int sources = find_in(final, [](const auto& in) { return in.layer == ir::Layer::sources; });
  const int cmd =
      find_in(final, [](const auto& in) { return std::holds_alternative<ir::Cmd>(in.op); });
  REQUIRE(sources >= 0);
  CHECK(sources < cmd);
  const auto* copy = std::get_if<ir::Copy>(&final.instructions.at(sources).op);
  REQUIRE(copy != nullptr);
  CHECK(copy->sources == std::vector<std::string>{"."});
  CHECK(copy->dest == "/app");
  CHECK(copy->from.empty());
}

TEST_CASE("the code is root's; only the image's dirs are the user's, made after the sources") {
  const auto l = lower_spec(kApp);
  const ir::Image& app = l->image("app");
  const ir::Stage& final = stage(app, "final");
  const auto copies = all<ir::Copy>(final);
  REQUIRE(copies.size() == 1);
  CHECK(copies[0]->chown == "0:0");
  const auto runs = all<ir::Run>(final);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]->script == "install -d -o 10001 -g 10001 /app/tmp");
  // The workdir itself is made root's in the runtime stage; the build stage gives
  // it to the user, whose installers write there.
  const ir::Run* setup = run_of(stage(app, "runtime"), ir::StepKind::user_setup);
  REQUIRE(setup != nullptr);
  CHECK(setup->script.find("install -d -m 755 /app") != std::string::npos);
  bool build_owns = false;
  for (const ir::Run* run : all<ir::Run>(stage(app, "build")))
    build_owns = build_owns || run->script.find("\n&& install -d -o 10001 -g 10001 /app") !=
                                   std::string::npos;  // in the build-only apt run
  CHECK(build_owns);
  // A `copy … writable` belongs to the user.
  const auto w = lower_spec("image x {\n  copy data /srv/data writable\n}\n");
  CHECK(all<ir::Copy>(stage(w->image("x"), "final")).front()->chown == "1001:1001");
}

TEST_CASE("adding an OS package to an image changes only its stage before the sources") {
  std::string more = kApp;
  more.replace(more.find("apt libextra"), 12, "apt libextra tree");
  const auto before = lower_spec(kApp);
  const auto after = lower_spec(more);
  const ir::Image& a = before->image("app");
  const ir::Image& b = after->image("app");
  REQUIRE(a.stages.size() == b.stages.size());
  for (std::size_t i = 0; i < a.stages.size(); ++i) {
    const auto& x = a.stages[i].instructions;
    const auto& y = b.stages[i].instructions;
    REQUIRE(x.size() == y.size());
    bool changed = false;
    for (std::size_t j = 0; j < x.size(); ++j) {
      if (print_instruction(x[j]) == print_instruction(y[j])) continue;
      CHECK(a.stages[i].name == "app");
      CHECK(is_apt_with(y[j], "tree"));
      changed = true;
      break;  // what follows an edited layer rebuilds anyway
    }
    CHECK(changed == (a.stages[i].name == "app"));
  }
}

TEST_CASE("a target starts before the sources and gets them after its own additions") {
  const auto l = lower_spec(kApp);
  const ir::Stage& dev = stage(l->image("app"), "dev");
  CHECK(dev.from == "app");
  const int apt = find_in(dev, [](const auto& in) { return is_apt_with(in, "devtool"); });
  const int sources = find_in(dev, [](const auto& in) {
    const auto* copy = std::get_if<ir::Copy>(&in.op);
    return copy != nullptr && copy->from.empty();
  });
  const int cmd =
      find_in(dev, [](const auto& in) { return std::holds_alternative<ir::Cmd>(in.op); });
  CHECK(apt >= 0);
  CHECK(apt < sources);
  CHECK(sources < cmd);  // the image's metadata, repeated: the target does not start from final
  const ir::Image& image = l->image("app");
  REQUIRE(image.dev_services.size() == 1);
  CHECK(image.dev_services[0].target == "dev");
  CHECK(image.dev_services[0].binds ==
        std::vector<std::pair<std::string, std::string>>{{".", "/app"}});
  CHECK(image.dev_services[0].rebuild_on == std::vector<std::string>{"lang.lock"});
}

namespace {

const char* kCompiled =
    "image srv {\n  packs tool\n  user app 10001\n  workdir /src\n  copy . /src\n"
    "  build \"make -o /out/srv\"\n  runtime scratch\n  artifact /out/srv /srv\n"
    "  artifact /etc/ssl/certs/ca-certificates.crt\n  healthcheck [\"/srv\", \"-health\"]\n"
    "  cmd [\"/srv\"]\n  target dev {\n    cmd [\"make\", \"run\"]\n  }\n}\n";

}  // namespace

TEST_CASE("a build phase: sources and build steps in the build stage, artifacts onto scratch") {
  const auto l = lower_spec(kCompiled);
  REQUIRE(l->diagnostics.all().empty());
  const ir::Image& srv = l->image("srv");
  CHECK(stage_names(srv) == std::vector<std::string>{"base", "fetch", "pack-tool", "runtime",
                                                     "deps", "build", "final", "dev", "release"});
  CHECK(stage(srv, "build").from == "deps");
  CHECK(stage(srv, "dev").from == "deps");
  const ir::Stage& build = stage(srv, "build");
  const auto sources = all<ir::Copy>(build);
  REQUIRE(sources.size() == 1);
  CHECK(sources[0]->chown == "10001:10001");  // the build writes into the tree
  const auto steps = all<ir::Run>(build);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0]->kind == ir::StepKind::build);
  CHECK(steps[0]->script == "make -o /out/srv");
  // The user owns the workdir and the artifact's directory in the build stage.
  bool owns_out = false;
  for (const ir::Run* run : all<ir::Run>(stage(srv, "deps")))
    owns_out = owns_out || run->script == "install -d -o 10001 -g 10001 /src /out";
  CHECK(owns_out);
  const ir::Stage& final = stage(srv, "final");
  CHECK(final.from == "scratch");
  CHECK(all<ir::Shell>(final).empty());  // no shell there
  CHECK(all<ir::Run>(final).empty());
  const auto artifacts = all<ir::Copy>(final);
  REQUIRE(artifacts.size() == 2);
  CHECK(artifacts[0]->from == "build");
  CHECK(artifacts[0]->sources == std::vector<std::string>{"/out/srv"});
  CHECK(artifacts[0]->dest == "/srv");
  CHECK(artifacts[0]->chown == "0:0");
  CHECK(artifacts[1]->dest == "/etc/ssl/certs/ca-certificates.crt");
  CHECK(all<ir::User>(final).back()->user == "10001:10001");
  REQUIRE(srv.healthcheck);
  CHECK(srv.healthcheck->exec == std::vector<std::string>{"/srv", "-health"});
}

TEST_CASE("init: tini as PID 1, from the packages or, without a shell, the static one") {
  const auto l = lower_spec("image x {\n  init true\n  cmd [\"app\"]\n}\n");
  const ir::Image& x = l->image("x");
  // The image is alone on its base: the base stage's apt run installs tini too.
  CHECK(find_in(stage(x, "base"), [](const auto& in) { return is_apt_with(in, "tini"); }) >= 0);
  CHECK(all<ir::Entrypoint>(stage(x, "final")).back()->args ==
        std::vector<std::string>{"/usr/bin/tini", "--"});
  std::string compiled = kCompiled;
  compiled.replace(compiled.find("  cmd"), 0, "  init true\n");
  const auto s = lower_spec(compiled);
  const ir::Stage& final = stage(s->image("srv"), "final");
  CHECK(all<ir::Copy>(final).front()->sources == std::vector<std::string>{"/usr/bin/tini-static"});
  CHECK(all<ir::Entrypoint>(final).back()->args == std::vector<std::string>{"/tini", "--"});
}

TEST_CASE("an application alone on its base: the packs' OS packages join the base stage's apt") {
  const auto one = lower_spec("image x {\n  packs lang\n  init true\n}\n");
  const ir::Image& x = one->image("x");
  for (const char* package : {"ca-certificates", "lang-runtime", "tini"})
    CHECK(find_in(stage(x, "base"), [&](const auto& in) { return is_apt_with(in, package); }) >= 0);
  CHECK(run_of(stage(x, "base"), ir::StepKind::apt)->script.find("docker-clean") !=
        std::string::npos);
  CHECK(run_of(stage(x, "runtime"), ir::StepKind::apt) == nullptr);
  // Two images on one base share its stage byte for byte: the packs' packages stay
  // in each runtime, and so they do for a runner beside an application.
  for (const char* other :
       {"image y {\n  packs tool\n}\n", "runner r {\n  base debian:bookworm-slim\n}\n"}) {
    const auto two = lower_spec(std::string("image x {\n  packs lang\n}\n") + other);
    REQUIRE(!two->diagnostics.has_errors());
    const ir::Image& shared = two->image("x");
    CHECK(find_in(stage(shared, "base"),
                  [](const auto& in) { return is_apt_with(in, "lang-runtime"); }) < 0);
    CHECK(find_in(stage(shared, "runtime"),
                  [](const auto& in) { return is_apt_with(in, "lang-runtime"); }) >= 0);
  }
}

TEST_CASE("the fetch stage installs only what the base stage lacks; a build env starts there") {
  // The test library's base has ca-certificates but no curl, unzip or xz-utils.
  const auto lacking = lower_spec(kCompiled);
  const ir::Image& srv = lacking->image("srv");
  const ir::Run* tools = run_of(stage(srv, "fetch"), ir::StepKind::apt);
  REQUIRE(tools != nullptr);
  CHECK(tools->script.find("curl") != std::string::npos);
  CHECK(tools->script.find("ca-certificates") == std::string::npos);
  CHECK(stage(srv, "runtime").from == "base");  // the download tools stay out of it
  // A base pack with every download tool: no apt run before the downloads, and a
  // runtime that only builds starts from the pack stage instead of copying it.
  std::string full_base = kLibrary;
  full_base.replace(full_base.find("tzdata"), 6, "curl tzdata unzip xz-utils");
  const auto complete = lower_spec(kCompiled, full_base);
  REQUIRE(!complete->diagnostics.has_errors());
  const ir::Image& built = complete->image("srv");
  CHECK(all<ir::Run>(stage(built, "fetch")).empty());
  CHECK(stage(built, "runtime").from == "pack-tool");
  CHECK(ir::copied_from(stage(built, "runtime")).empty());
  // An image built on its runtime stage copies the toolchain: the download step,
  // with its mirror ARG, stays out of its history.
  const auto shipped = lower_spec("image x {\n  packs tool\n}\n", full_base);
  const ir::Image& x = shipped->image("x");
  CHECK(stage(x, "runtime").from == "base");
  CHECK(ir::copied_from(stage(x, "runtime")) == std::vector<std::string>{"pack-tool"});
}

TEST_CASE("a pack's setup that makes its dependency directory runs where they install") {
  const auto l = lower_spec(kApp);
  const ir::Image& app = l->image("app");
  const auto setup = [](const ir::Stage& s) {
    return find_in(s, [](const auto& in) {
      const auto* run = std::get_if<ir::Run>(&in.op);
      return run != nullptr && run->script == "lang --setup";
    });
  };
  // lang's venv is copied from the build stage: made there, not in the runtime.
  CHECK(setup(stage(app, "runtime")) < 0);
  const int made = setup(stage(app, "build"));
  const int filled = find_in(stage(app, "build"), [](const auto& in) {
    const auto* run = std::get_if<ir::Run>(&in.op);
    return run != nullptr && run->kind == ir::StepKind::deps;
  });
  CHECK(made >= 0);
  CHECK(made < filled);
  // Without a dependency install the runtime makes it, as before.
  const auto plain = lower_spec("image x {\n  packs lang\n  user app 10001\n}\n");
  CHECK(setup(stage(plain->image("x"), "runtime")) >= 0);
}

TEST_CASE("apt layers: sorted, de-duplicated, two cache mounts, one of them locked") {
  const auto l = lower_spec("image x {\n  apt zsh curl zsh bash\n}\n");
  const ir::Stage& final = stage(l->image("x"), "final");
  const int at = find_in(final, [](const auto& in) { return is_apt_with(in, "zsh"); });
  REQUIRE(at >= 0);
  const auto& run = std::get<ir::Run>(final.instructions[at].op);

  REQUIRE(run.mounts.size() == 2);
  CHECK(run.mounts[0].target == "/var/cache/apt");
  CHECK(run.mounts[0].id == "apt-cache-debian-bookworm-slim");
  CHECK_FALSE(run.mounts[0].locked);
  // One locked mount per RUN: Buildah 1.28 leaks the second lock and hangs.
  CHECK(run.mounts[1].target == "/var/lib/apt");
  CHECK(run.mounts[1].locked);
  CHECK(run.script ==
        "apt-get update\n&& apt-get install -y --no-install-recommends\n  bash\n  curl\n  zsh");
  // Lists and .debs are per architecture: both mounts are the platform's own, and the
  // stage declares the ARG that names it, right after its SHELL.
  CHECK(run.mounts[0].per_platform);
  CHECK(run.mounts[1].per_platform);
  const auto* arg = std::get_if<ir::Arg>(&final.instructions[1].op);
  REQUIRE(arg != nullptr);
  CHECK(arg->name == "TARGETARCH");
}

TEST_CASE("cache mounts: compiler caches per platform, package caches shared; each image's list") {
  const auto l = lower_spec(
      "image x {\n  packs lang\n  cache go-build\n  deps lang.lock\n  run \"build\"\n}\n");
  REQUIRE(!l->diagnostics.has_errors());
  const ir::Image& x = l->image("x");
  std::vector<std::string> ids;
  for (const ir::Mount& m : x.cache_mounts)
    ids.push_back(m.id + (m.per_platform ? "-${TARGETARCH}" : ""));
  // apt's two, then the pack's cache of its deps step and setup steps, then the
  // image's own in its run step (go-build per platform).
  CHECK(std::count(ids.begin(), ids.end(), "apt-cache-debian-bookworm-slim-${TARGETARCH}") == 1);
  CHECK(std::count(ids.begin(), ids.end(), "apt-lists-debian-bookworm-slim-${TARGETARCH}") == 1);
  CHECK(std::count(ids.begin(), ids.end(), "langcache-1001") == 1);
  CHECK(std::count(ids.begin(), ids.end(), "go-build-1001-${TARGETARCH}") == 1);
  // The CI's list: every image's, once each, with an archive name.
  REQUIRE(!l->build.ci.caches.empty());
  CHECK(l->build.ci.caches.size() == x.cache_mounts.size());
  CHECK(l->build.ci.platforms.size() == 1);
  CHECK(l->build.ci.platforms[0].platform == "linux/amd64");
  CHECK(l->build.ci.platforms[0].group == "ci-linux-amd64");
}

TEST_CASE("owned directories are created one by one, parents inside the home included") {
  // A runner's are all made with its user; an application's own dirs after its
  // sources, the packs' and the caches' with the user.
  const auto r = lower_spec("runner x {\n  cache pip\n  dirs /srv/data ~/work/out\n}\n");
  const ir::Run* setup = run_of(stage(r->image("x"), "final"), ir::StepKind::user_setup);
  REQUIRE(setup != nullptr);
  CHECK(setup->script.substr(setup->script.rfind('\n') + 1) ==
        "&& install -d -o 1001 -g 1001 /home/runner/.cache /home/runner/.cache/pip /srv/data "
        "/home/runner/work /home/runner/work/out");
  const auto l = lower_spec("image x {\n  cache pip\n  dirs /srv/data ~/work/out\n}\n");
  const ir::Run* user = run_of(stage(l->image("x"), "runtime"), ir::StepKind::user_setup);
  REQUIRE(user != nullptr);
  CHECK(user->script.substr(user->script.rfind('\n') + 1) ==
        "&& install -d -o 1001 -g 1001 /home/runner/.cache /home/runner/.cache/pip");
  const ir::Run* dirs = run_of(stage(l->image("x"), "final"), ir::StepKind::user_setup);
  REQUIRE(dirs != nullptr);
  CHECK(dirs->script ==
        "install -d -o 1001 -g 1001 /srv/data /home/runner/work /home/runner/work/out");
}

TEST_CASE("a pack's first steps as root join the RUN that creates the user") {
  const auto l = lower_spec("image x {\n  packs rooty\n}\n");
  const ir::Stage& final = stage(l->image("x"), "runtime");
  const auto runs = all<ir::Run>(final);
  REQUIRE(runs.size() >= 2);
  CHECK(runs[0]->kind == ir::StepKind::user_setup);
  CHECK(runs[0]->script.substr(runs[0]->script.rfind('\n') + 1) == "&& echo as-root");
  CHECK(runs[1]->kind == ir::StepKind::pack_setup);
  CHECK(runs[1]->script == "echo as-user");
  // No USER switch between them other than the one to the image user.
  const auto users = all<ir::User>(final);
  REQUIRE(users.size() == 1);
  CHECK(users[0]->user == "1001:1001");
}

TEST_CASE("fetching packs get their own stage with a checksum for every version and arch") {
  const auto l = lower_spec("image x {\n  packs tool\n}\n");
  REQUIRE(!l->diagnostics.has_errors());
  const ir::Image& x = l->image("x");
  CHECK(stage_names(x) ==
        std::vector<std::string>{"base", "fetch", "pack-tool", "runtime", "final"});
  const ir::Stage& pack = stage(x, "pack-tool");
  CHECK(pack.from == "fetch");
  const auto args = all<ir::Arg>(pack);
  REQUIRE(args.size() == 3);
  CHECK(args[0]->name == "TOOL_VERSION");
  CHECK(*args[0]->value == "1.0");
  CHECK(args[1]->name == "TOOL_MIRROR");
  CHECK(*args[1]->value == "https://example.com/dl");
  CHECK(args[2]->name == "TARGETARCH");
  CHECK_FALSE(args[2]->value);
  const auto runs = all<ir::Run>(pack);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]->kind == ir::StepKind::download);
  const std::string script = print_instruction(pack.instructions.back());
  CHECK(script.find("1.0/amd64) arch=x86_64 sha256=" + kSum1) != std::string::npos);
  CHECK(script.find("2.0/amd64) arch=x86_64 sha256=" + kSum2) != std::string::npos);
  CHECK(script.find("\"${TOOL_MIRROR}/tool-${TOOL_VERSION}-${arch}.tar.gz\"") != std::string::npos);
  CHECK(script.find(" | ") == std::string::npos);  // no pipe: correct even where SHELL is ignored
  // The runtime stage copies the unpacked directory, and only that.
  const auto copies = all<ir::Copy>(stage(x, "runtime"));
  REQUIRE(copies.size() == 1);
  CHECK(copies[0]->from == "pack-tool");
  CHECK(copies[0]->sources == std::vector<std::string>{"/opt/tool"});
  CHECK(copies[0]->chown.empty());
  CHECK(x.build_args ==
        ir::Vars{{"TOOL_VERSION", "1.0"}, {"TOOL_MIRROR", "https://example.com/dl"}});
  for (const ir::Instruction& in : stage(x, "final").instructions)
    CHECK_FALSE(is_apt_with(in, "curl"));
}

TEST_CASE("images with the same base and packs share identical leading stages") {
  const auto l = lower_spec(
      "runner a {\n  packs tool\n  limits cpus 1\n}\nrunner b {\n  packs tool lang\n"
      "  user b 2000\n}\n");
  REQUIRE(!l->diagnostics.has_errors());
  const ir::Image& a = l->image("a");
  const ir::Image& b = l->image("b");
  for (std::size_t i = 0; i < 3; ++i) {
    REQUIRE(a.stages[i].name == b.stages[i].name);
    REQUIRE(a.stages[i].instructions.size() == b.stages[i].instructions.size());
    for (std::size_t j = 0; j < a.stages[i].instructions.size(); ++j)
      CHECK(print_instruction(a.stages[i].instructions[j]) ==
            print_instruction(b.stages[i].instructions[j]));
  }
}

TEST_CASE("secrets are mounts of the steps that need them, never ARG or ENV") {
  const auto l = lower_spec(
      "image x {\n  packs lang\n  deps lang.lock\n  secret token env LANG_TOKEN\n"
      "  run \"lang --publish\"\n}\n");
  REQUIRE(!l->diagnostics.has_errors());
  const ir::Image& x = l->image("x");
  int secret_mounts = 0;
  for (const ir::Stage& s : x.stages) {
    for (const ir::Instruction& in : s.instructions) {
      if (const auto* env = std::get_if<ir::Env>(&in.op)) {
        for (const auto& var : env->vars)
          CHECK(var.first != "LANG_TOKEN");
      }
      // (TARGETARCH names the per-platform caches: an ARG without a value.)
      const auto* arg = std::get_if<ir::Arg>(&in.op);
      CHECK((arg == nullptr || (arg->name == "TARGETARCH" && !arg->value)));
      const auto* run = std::get_if<ir::Run>(&in.op);
      if (run == nullptr) continue;
      for (const ir::Mount& m : run->mounts) {
        if (m.type != ir::Mount::Type::secret) continue;
        ++secret_mounts;
        CHECK(m.id == "token");
        CHECK(m.target == "/run/secrets/token");
        CHECK(m.required);
        CHECK(run->script.rfind("LANG_TOKEN=\"$(cat /run/secrets/token)\" && export "
                                "LANG_TOKEN && ",
                                0) == 0);
      }
    }
  }
  CHECK(secret_mounts == 2);  // the deps install and the run step, not the pack's setup
}

TEST_CASE("the user's cache directories are made again after the last cache-mounting RUN") {
  const auto l = lower_spec("image x {\n  packs lang\n  run \"echo done\"\n}\n");
  const ir::Stage& final = stage(l->image("x"), "final");
  const auto runs = all<ir::Run>(final);
  // The run step has no mounts of its own: the mkdir joins it (no second RUN).
  CHECK(runs.back()->script == "echo done\n&& mkdir -p /home/runner/.cache/lang");
  const auto l2 = lower_spec(
      "image x {\n  packs lang\n  cache langcache ~/.cache/lang\n"
      "  run \"echo done\"\n}\n");
  const auto runs2 = all<ir::Run>(stage(l2->image("x"), "final"));
  CHECK(runs2.back()->kind == ir::StepKind::cache_dirs);
}

TEST_CASE("a runner ends with its registration settings and the entrypoint") {
  const auto l = lower_spec(
      "runner ci {\n  packs lang\n  labels gpu\n  ephemeral false\n"
      "  group big\n}\n");
  REQUIRE(!l->diagnostics.has_errors());
  const ir::Image& ci = l->image("ci");
  CHECK(ci.runner_labels == std::vector<std::string>{"rig-ci", "lang", "gpu"});
  CHECK(ci.pool_label == "rig-ci");
  CHECK(ci.runner_arches == std::vector<std::string>{"x64"});
  CHECK(ci.restart == "unless-stopped");
  const ir::Stage& final = stage(ci, "final");
  const auto envs = all<ir::Env>(final);
  CHECK(envs.back()->vars == ir::Vars{{"RUNNER_USER", "runner"},
                                      {"RUNNER_HOME", "/opt/actions-runner"},
                                      {"RUNNER_POOL", "ci"},
                                      {"RUNNER_LABELS", "rig-ci,lang,gpu"},
                                      {"RUNNER_EPHEMERAL", "false"},
                                      {"RUNNER_GROUP", "big"},
                                      {"RUNNER_DRAIN_TIMEOUT", "900"},
                                      {"RUNNER_JOB_ENV", "PATH LANG LANG_HOME ImageOS"},
                                      {"ImageOS", "ubuntu24"}});
  // The image ends as root: the entrypoint drops to the user.
  CHECK(all<ir::User>(final).back()->user == "root");
  CHECK(ci.drops_privileges);
  const auto copies = all<ir::Copy>(final);
  REQUIRE(!copies.empty());
  CHECK(copies.back()->sources == std::vector<std::string>{"docker/runner-entrypoint.sh"});
  CHECK(copies.back()->chown == "0:0");
  CHECK(copies.back()->chmod == "755");
  const auto entrypoints = all<ir::Entrypoint>(final);
  REQUIRE(entrypoints.size() == 1);
  CHECK(entrypoints[0]->args == std::vector<std::string>{"/usr/local/bin/runner-entrypoint.sh"});
  CHECK(ci.ignore->back() == "!docker/runner-entrypoint.sh");
}

TEST_CASE("a target named like a generated stage is an error") {
  const auto l = lower_spec("image x {\n  target build {\n    apt gdb\n  }\n}\n");
  REQUIRE(l->diagnostics.all().size() == 1);
  CHECK(l->diagnostics.all()[0].message == "target name 'build' is taken by a generated stage");
}

TEST_CASE(".dockerignore: allow-list mode puts the spec's patterns first") {
  const auto l = lower_spec("image x {\n  copy . /app\n}\nignore {\n  *\n  !src/\n}\n");
  const std::vector<std::string>& lines = *l->image("x").ignore;
  REQUIRE(lines.size() > 3);
  CHECK(lines[0] == "# Allow-list mode (the spec's ignore block starts with '*').");
  CHECK(lines[1] == "*");
  CHECK(lines[2] == "!src/");
  CHECK(std::find(lines.begin(), lines.end(), "docker") != lines.end());
  CHECK(l->image("x").context_inputs.size() == 1);
}

TEST_CASE("downloads: archive members, a single file, a setup command and per-version URLs") {
  const auto l = lower_spec(
      "pack cli {\n  version 2.0\n  fetch @mirror@/cli-@version@.tgz\n  mirror https://e.org\n"
      "  sha256 2.0 amd64 " +
      kSum1 +
      "\n  extract /usr/local/lib/cli strip 1 only cli/cli\n}\n"
      "pack plugin {\n  version 0.1\n  fetch https://e.org/plugin-@arch@\n  sha256 0.1 amd64 " +
      kSum1 +
      "\n  extract /usr/local/lib/cli/plugins file cli-plugin\n}\n"
      "pack kit {\n  version 1.0+b2\n  versions 1.0+b2 1.1+b3\n"
      "  fetch https://e.org/@version-build@/kit-@version-base@%2B@version-build@-@arch@.txz\n"
      "  fetch https://e.org/@version-build@/kit-@version-base@-full-@arch@.txz for 1.1+b3\n"
      "  arch amd64=x86_64\n  sha256 1.0+b2 amd64 " +
      kSum1 + "\n  sha256 1.1+b3 amd64 " + kSum2 +
      "\n  extract /tmp/kit strip 1\n"
      "  fetch-run \"/tmp/kit/install.sh --prefix=/opt/kit --target=@arch@-@version@\" into "
      "/opt/kit\n  path /opt/kit/bin\n}\n"
      "image x {\n  packs cli plugin kit\n}\n");
  REQUIRE(!l->diagnostics.has_errors());
  const ir::Image& x = l->image("x");
  const std::string cli = print_instruction(stage(x, "pack-cli").instructions.back());
  CHECK(cli.find("tar -xf /tmp/cli.archive -C /usr/local/lib/cli --strip-components=1 cli/cli") !=
        std::string::npos);
  const std::string plugin = print_instruction(stage(x, "pack-plugin").instructions.back());
  CHECK(plugin.find("install -m 755 /tmp/plugin.archive /usr/local/lib/cli/plugins/cli-plugin") !=
        std::string::npos);
  CHECK(plugin.find("tar ") == std::string::npos);
  CHECK(plugin.find("0.1/amd64) arch=amd64 sha256=") != std::string::npos);
  const std::string kit = print_instruction(stage(x, "pack-kit").instructions.back());
  // Each version's own URL in its case arm; the download reads ${url}.
  CHECK(kit.find("1.0+b2/amd64) arch=x86_64 url=\"https://e.org/${KIT_VERSION#*+}/kit-"
                 "${KIT_VERSION%%+*}%2B${KIT_VERSION#*+}-${arch}.txz\" sha256=" +
                 kSum1) != std::string::npos);
  CHECK(kit.find("1.1+b3/amd64) arch=x86_64 url=\"https://e.org/${KIT_VERSION#*+}/kit-"
                 "${KIT_VERSION%%+*}-full-${arch}.txz\" sha256=" +
                 kSum2) != std::string::npos);
  CHECK(kit.find("-o /tmp/kit.archive \"${url}\"") != std::string::npos);
  CHECK(kit.find("&& /tmp/kit/install.sh --prefix=/opt/kit --target=${arch}-${KIT_VERSION}") !=
        std::string::npos);
  // The image copies the prefix, not the unpacked installer (in the runtime stage,
  // which the final one starts from).
  std::vector<std::string> copied;
  for (const ir::Copy* copy : all<ir::Copy>(stage(x, "runtime")))
    copied.push_back(copy->from + " " + copy->sources.at(0));
  CHECK(copied == std::vector<std::string>{"pack-cli /usr/local/lib/cli", "pack-kit /opt/kit",
                                           "pack-plugin /usr/local/lib/cli/plugins"});
}

TEST_CASE("a distribution's version gets no PATH entry inside the pack's download") {
  const auto l = lower_spec(
      "pack rt {\n  version 1\n  versions 1 2.0\n  system 1 rt-deb\n"
      "  fetch https://e.org/rt-@version@.tgz\n  sha256 2.0 amd64 " +
      kSum1 +
      "\n  extract /opt/rt\n  path /opt/rt/bin /opt/rt-tools\n}\n"
      "image sys {\n  packs rt\n}\nimage up {\n  packs rt@2\n}\n");
  REQUIRE(!l->diagnostics.has_errors());
  const auto path_of = [&](const std::string& image) {
    for (const ir::Env* env : all<ir::Env>(stage(l->image(image), "runtime"))) {
      for (const auto& [key, value] : env->vars) {
        if (key == "PATH") return value;
      }
    }
    return std::string();
  };
  CHECK(path_of("sys") == "/opt/rt-tools:$PATH");
  CHECK(path_of("up") == "/opt/rt/bin:/opt/rt-tools:$PATH");
}

// Runner scale sets (lower_kubernetes.cpp): everything the values file says is
// decided in the IR, in Kubernetes' own terms.
TEST_CASE("a runner with `scale` is a scale set: quantities, containers, volumes, scheduling") {
  const auto l = lower_spec(
      "pack hooks {\n  requires base\n  env ACTIONS_RUNNER_CONTAINER_HOOKS=/opt/h/index.js\n}\n"
      "pack docker-cli {\n  requires base\n}\n"
      "defaults {\n  registry ghcr.io/acme\n  github-url https://github.com/acme/\n"
      "  node-selector pool=ci kubernetes.io/arch=amd64\n}\n"
      "runner plain {\n  cache langcache ~/.cache/lang\n  limits cpus 1.5 memory 1.5G\n  reserve "
      "cpus 0.25 "
      "memory 512M\n  scale 1 4\n  node-selector pool=big\n  tolerations gpu:NoSchedule a=b\n}\n"
      "runner dind {\n  docker dind\n  limits cpus 2 memory 4G\n  scale 0 2\n"
      "  dind cpus 3 memory 6G\n}\n"
      "runner kube {\n  packs hooks\n  limits cpus 1 memory 1G\n  scale 0 1\n"
      "  container-mode kubernetes\n  work-volume 10G class ssd\n}\n"
      "runner compose {\n  limits cpus 1 memory 1G\n}\n");
  REQUIRE_FALSE(l->diagnostics.has_errors());
  CHECK_FALSE(l->image("compose").scale_set);
  const ir::ScaleSet& plain = *l->image("plain").scale_set;
  CHECK(plain.name == "rig-plain");
  CHECK(plain.values_file == "arc/plain.values.yaml");
  CHECK(plain.github_url == "https://github.com/acme");  // the chart trims the slash too
  CHECK(plain.github_secret == "arc-github-app");
  CHECK(plain.controller_namespace == "arc-systems");
  CHECK(plain.chart_mode.empty());
  REQUIRE(plain.containers.size() == 1);
  const ir::KubeContainer& runner = plain.containers[0];
  CHECK(runner.name == "runner");
  CHECK(runner.image == "ghcr.io/acme/plain:latest");
  CHECK(runner.command == std::vector<std::string>{"/usr/local/bin/runner-entrypoint.sh"});
  CHECK(runner.resources.limits.cpu == "1500m");
  CHECK(runner.resources.limits.memory == "1536Mi");
  CHECK(runner.resources.requests.cpu == "250m");
  CHECK(runner.resources.requests.memory == "512Mi");
  CHECK(*runner.run_as_user == 1001);
  CHECK(runner.no_privilege_escalation);
  REQUIRE(runner.mounts.size() == 1);
  CHECK(runner.mounts[0].volume == "cache-langcache");
  CHECK(runner.mounts[0].path == "/home/runner/.cache/lang");
  REQUIRE(plain.volumes.size() == 1);
  CHECK(plain.volumes[0].claim == "langcache-1001");
  // The runner's node selector replaces the defaults' of the same key.
  CHECK(plain.node_selector == ir::Vars{{"pool", "big"}, {"kubernetes.io/arch", "amd64"}});
  REQUIRE(plain.tolerations.size() == 2);
  CHECK_FALSE(plain.tolerations[0].value);
  CHECK(plain.tolerations[0].effect == "NoSchedule");
  CHECK(*plain.tolerations[1].value == "b");
  CHECK(plain.listener.limits.memory == "128Mi");
  CHECK(plain.termination_grace_seconds == 960);

  const ir::ScaleSet& dind = *l->image("dind").scale_set;
  CHECK(dind.chart_mode.empty());  // a full template, the sidecar with resources
  REQUIRE(dind.init_containers.size() == 2);
  CHECK(dind.init_containers[1].name == "dind");
  CHECK(dind.init_containers[1].sidecar);
  CHECK(dind.init_containers[1].privileged);
  CHECK(dind.init_containers[1].resources.limits.cpu == "3");
  CHECK(dind.init_containers[1].resources.limits.memory == "6Gi");
  CHECK(dind.supplemental_groups == std::vector<std::uint32_t>{123});
  const ir::Stage& final = stage(l->image("dind"), "final");
  const ir::Run* user = run_of(final, ir::StepKind::user_setup);
  REQUIRE(user != nullptr);
  CHECK(user->script.find("groupadd --gid 123 docker") != std::string::npos);

  const ir::ScaleSet& kube = *l->image("kube").scale_set;
  CHECK(kube.chart_mode == "kubernetes");
  CHECK(kube.work_claim_size == "10Gi");
  CHECK(kube.work_claim_class == "ssd");
  CHECK(kube.containers[0].env == ir::Vars{{"ACTIONS_RUNNER_CONTAINER_HOOKS", "/opt/h/index.js"}});
  CHECK(kube.containers[0].mounts.back().path == "/opt/actions-runner/_work");
  const auto& job_env = l->image("kube").job_env;
  CHECK(std::find(job_env.begin(), job_env.end(), "ACTIONS_RUNNER_POD_NAME") != job_env.end());
  const auto& compose_env = l->image("compose").job_env;
  CHECK(std::find(compose_env.begin(), compose_env.end(), "ACTIONS_RUNNER_POD_NAME") ==
        compose_env.end());
}

TEST_CASE("a scale set's sizes as Docker reads them (2g, 1.5GiB) become Kubernetes quantities") {
  const auto l = lower_spec(
      "pack hooks {\n  requires base\n  env ACTIONS_RUNNER_CONTAINER_HOOKS=/opt/h/index.js\n}\n"
      "defaults {\n  registry ghcr.io/acme\n  github-url https://github.com/acme\n}\n"
      "runner kube {\n  packs hooks\n  limits cpus 1 memory 2g\n  reserve cpus 1 memory 1.5GiB\n"
      "  scale 0 1\n  container-mode kubernetes\n  work-volume 10g\n}\n");
  REQUIRE_FALSE(l->diagnostics.has_errors());
  const ir::ScaleSet& kube = *l->image("kube").scale_set;
  CHECK(kube.containers[0].resources.limits.memory == "2Gi");
  CHECK(kube.containers[0].resources.requests.memory == "1536Mi");
  CHECK(kube.work_claim_size == "10Gi");
}
