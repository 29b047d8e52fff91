#include "rigc/elaborate.hpp"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <set>
#include <type_traits>
#include <utility>

#include "rigc/parser.hpp"
#include "rigc/settings.hpp"
#include "src/elaborate_args.hpp"
#include "src/statements.hpp"
#include "test_util.hpp"

using namespace rigc;

TEST_CASE("statements become typed settings") {
  const auto r = test::compile(
      "defaults {\n  registry ghcr.io/acme\n  platforms linux/amd64 linux/arm64\n}\n"
      "runner ci {\n  packs git node@24\n  user ci 2000 3000\n  limits cpus 1.5 memory 1.5G\n"
      "  reserve memory 512M\n  replicas 3\n  restart always\n  ephemeral false\n  group "
      "builders\n  labels big fast\n  cache npm\n  cache work /scratch\n}\n");
  REQUIRE(r.rendered() == "");
  const spec::ImageDecl& ci = r.decls.images.at(0);
  CHECK(ci.runner);
  const spec::Settings& s = ci.settings;
  REQUIRE(s.packs.size() == 2);
  CHECK(s.packs[1].name == "node");
  CHECK(s.packs[1].version == "24");
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

// ---------------------------------------------------------------------------
// The pieces of elaboration on their own: the argument cursor, the statement
// table, the description of Settings that merging and counting use. Each test
// feeds its stage small text or hand-built values, never the stock packs.

namespace {

struct Parsed {
  Sources sources;
  Diagnostics diagnostics;
  ast::Module module;

  std::string rendered() const {
    std::string out;
    for (const Diagnostic& d : diagnostics.all())
      out += render(d, sources, ErrorFormat::human);
    return out;
  }
};

// Parses `text` and elaborates it, without packs or any later stage.
struct Elaborated : Parsed {
  spec::Module spec;
};

Elaborated elaborate_text(const std::string& text) {
  Elaborated e;
  const auto file = e.sources.add("Rigfile", text);
  e.module = parse(e.sources, file, e.diagnostics);
  REQUIRE_FALSE(e.diagnostics.has_errors());
  e.spec = elaborate(e.module, e.diagnostics);
  return e;
}

// `line` parsed as the one statement of an image block (line 2 of the file).
Parsed statement(const std::string& line) {
  Parsed p;
  const auto file = p.sources.add("Rigfile", "image x {\n" + line + "\n}\n");
  p.module = parse(p.sources, file, p.diagnostics);
  REQUIRE_FALSE(p.diagnostics.has_errors());
  REQUIRE(p.module.nodes.at(0).children.size() == 1);
  return p;
}

const ast::Node& node_of(const Parsed& p) {
  return p.module.nodes.at(0).children.at(0);
}

}  // namespace

TEST_CASE("the cursor reads arguments in order and stops at the first error") {
  auto p = statement("  limits cpus");
  elab::Args a(node_of(p), p.diagnostics, "limits cpus N memory SIZE");
  CHECK_FALSE(a.done());
  CHECK(a.peek()->text == "cpus");
  const auto key = a.word("'cpus' or 'memory'");
  REQUIRE(key);
  CHECK(key->value == "cpus");
  CHECK(key->location.column == 10);
  CHECK(a.done());
  CHECK_FALSE(a.word("a number of CPUs"));
  CHECK_FALSE(a.ok());
  CHECK(p.rendered() ==
        "Rigfile:2:14: error: 'limits' is missing a number of CPUs; usage: limits cpus N memory "
        "SIZE\n"
        "    limits cpus\n"
        "               ^\n");
  // After an error nothing more is read or reported.
  CHECK_FALSE(a.text("anything"));
  a.finish();
  CHECK(p.diagnostics.error_count() == 1);
}

TEST_CASE("the cursor names the kind it found and the usage line") {
  auto p = statement("  tag \"v1\"");
  elab::Args a(node_of(p), p.diagnostics, "tag WORD");
  CHECK_FALSE(a.word("a tag"));
  CHECK(p.rendered() ==
        "Rigfile:2:7: error: expected a tag, not a string; usage: tag WORD\n"
        "    tag \"v1\"\n"
        "        ^~~~\n");

  auto q = statement("  tag \"v1\"");
  elab::Args b(node_of(q), q.diagnostics, "tag WORD");
  const auto text = b.text("a tag");
  REQUIRE(text);
  CHECK(text->value == "v1");
  b.finish();
  CHECK(q.rendered() == "");
}

TEST_CASE("the cursor takes argument keywords only as unquoted words") {
  auto p = statement("  run \"x\" as root");
  elab::Args a(node_of(p), p.diagnostics, "run \"SHELL COMMAND\" [as root]");
  CHECK_FALSE(a.keyword("as"));  // the next argument is the string
  REQUIRE(a.string("a command"));
  CHECK_FALSE(a.keyword("root"));
  CHECK(a.keyword("as"));
  const auto who = a.word("'root'");
  REQUIRE(who);
  CHECK(who->value == "root");
  a.finish();
  CHECK(p.rendered() == "");

  auto q = statement("  run \"x\" \"as\"");
  elab::Args b(node_of(q), q.diagnostics, "run \"SHELL COMMAND\" [as root]");
  REQUIRE(b.string("a command"));
  CHECK_FALSE(b.keyword("as"));
}

TEST_CASE("the cursor reports arguments left over and a block where none is taken") {
  auto p = statement("  tag v1 A=b");
  elab::Args a(node_of(p), p.diagnostics, "tag WORD");
  REQUIRE(a.word("a tag"));
  a.finish();
  CHECK(p.rendered() ==
        "Rigfile:2:10: error: unexpected KEY=VALUE pair 'A=b' after the arguments of 'tag'; "
        "usage: tag WORD\n"
        "    tag v1 A=b\n"
        "           ^~~\n");

  auto q = statement("  tag v1 {\n  }");
  elab::Args b(node_of(q), q.diagnostics, "tag WORD");
  REQUIRE(b.word("a tag"));
  b.finish();
  CHECK(q.rendered() ==
        "Rigfile:2:3: error: 'tag' does not take a block\n"
        "    tag v1 {\n"
        "    ^~~\n");

  auto r = statement("  target dev {\n  }");
  elab::Args c(node_of(r), r.diagnostics, "target NAME {");
  REQUIRE(c.word("a target name"));
  c.finish_header();
  CHECK(r.rendered() == "");
}

TEST_CASE("the cursor refuses over-long words and workflow expressions in any value") {
  auto p = statement("  apt " + std::string(elab::kMaxWord + 1, 'a'));
  elab::Args a(node_of(p), p.diagnostics, "apt PACKAGE …");
  CHECK_FALSE(a.word("a package name"));
  CHECK(p.diagnostics.all().at(0).message == "a word longer than 1024 bytes");

  auto q = statement("  env A=\"${{ secrets.X }}\"");
  elab::Args b(node_of(q), q.diagnostics, "env KEY=VALUE …");
  CHECK_FALSE(b.take("a pair", {ast::ValueKind::pair}));
  CHECK_FALSE(b.ok());
  CHECK(q.diagnostics.all().at(0).message ==
        "'${{' is not allowed in a spec: GitHub Actions would evaluate it as an expression in "
        "the generated workflow");
}

namespace {

constexpr Context kAllContexts[] = {Context::top,    Context::defaults, Context::image,
                                    Context::runner, Context::target,   Context::pack};

bool in(const elab::Statement& s, Context c) {
  return (s.contexts & elab::bit(c)) != 0;
}

bool in_settings(const elab::Statement& s) {
  return in(s, Context::defaults) || in(s, Context::image) || in(s, Context::runner) ||
         in(s, Context::target);
}

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

// Every member of Settings by keyword: whether it is single-valued (optional).
std::map<std::string, bool> described_fields() {
  std::map<std::string, bool> fields;
  spec::for_each_field([&](const char* keyword, auto member) {
    using Member = std::decay_t<decltype(std::declval<spec::Settings&>().*member)>;
    CHECK_MESSAGE(fields.emplace(keyword, IsOptional<Member>::value).second, keyword);
  });
  return fields;
}

}  // namespace

TEST_CASE("the statement table has a reader for every context a statement allows") {
  for (const elab::Statement& s : elab::statement_table()) {
    INFO(s.keyword);
    CHECK(s.contexts != 0);
    CHECK(std::string(s.usage).rfind(s.keyword, 0) == 0);
    if (in(s, Context::top)) {
      // Declarations open blocks the walker reads; they belong nowhere else.
      CHECK(s.contexts == elab::bit(Context::top));
      CHECK((s.settings == nullptr));
      CHECK((s.pack == nullptr));
      CHECK(std::string(s.usage).back() == '{');
      continue;
    }
    // `target` opens a block of settings, which the walker reads.
    const bool walker = std::string(s.keyword) == "target";
    CHECK((s.settings != nullptr) == (in_settings(s) && !walker));
    CHECK((s.pack != nullptr) == in(s, Context::pack));
    // A row serves settings or packs, not both: a keyword of both has two rows.
    CHECK_FALSE((in_settings(s) && in(s, Context::pack)));
  }
  // One row per keyword and context, so a lookup cannot pick the wrong reader.
  for (const Context c : kAllContexts) {
    std::set<std::string> seen;
    for (const elab::Statement& s : elab::statement_table()) {
      if (in(s, c)) CHECK_MESSAGE(seen.insert(s.keyword).second, s.keyword);
    }
    CHECK(std::vector<std::string>(seen.begin(), seen.end()) == statement_keywords(c));
    for (const std::string& keyword : seen) {
      REQUIRE(elab::find_statement(keyword, c) != nullptr);
      CHECK(elab::find_statement(keyword, c)->keyword == keyword);
    }
  }
}

TEST_CASE("every settings statement sets the member of Settings named by its keyword") {
  std::map<std::string, bool> fields = described_fields();
  for (const elab::Statement& s : elab::statement_table()) {
    if (!in_settings(s)) continue;
    INFO(s.keyword);
    const auto field = fields.find(s.keyword);
    REQUIRE(field != fields.end());
    // Single-valued statements may appear once per block and fill optional
    // members, which a later block replaces; the others fill lists.
    CHECK(s.single == field->second);
    fields.erase(field);
  }
  CHECK(fields.empty());  // a member no statement sets
}

namespace {

// Converts to any member type but std::optional, whose converting constructor
// would make the conversion ambiguous; optional members are built from the value.
struct AnyMember {
  template <typename T, typename = std::enable_if_t<!IsOptional<T>::value>>
  operator T() const;
};

template <typename T, typename Indices, typename = void>
struct InitializableWith : std::false_type {};
template <typename T, std::size_t... I>
struct InitializableWith<T, std::index_sequence<I...>,
                         std::void_t<decltype(T{(void(I), AnyMember{})...})>> : std::true_type {};

// How many members the aggregate T has: the most initializers T{…} accepts.
template <typename T, std::size_t N = 0>
constexpr std::size_t member_count() {
  if constexpr (InitializableWith<T, std::make_index_sequence<N + 1>>::value) {
    return member_count<T, N + 1>();
  } else {
    return N;
  }
}

constexpr std::size_t described_count() {
  std::size_t n = 0;
  spec::for_each_field([&n](const char*, auto) { ++n; });
  return n;
}

}  // namespace

// A member added to spec::Settings without a line in spec::for_each_field would
// be neither merged by `extends` nor counted against the per-image bound.
static_assert(member_count<spec::Settings>() == described_count(),
              "a member of spec::Settings is missing from spec::for_each_field");

TEST_CASE("the description of Settings names each member once, in declaration order") {
  spec::Settings s;
  std::vector<const char*> addresses;
  spec::for_each_field([&](const char*, auto member) {
    addresses.push_back(reinterpret_cast<const char*>(&(s.*member)));
  });
  REQUIRE(addresses.size() == described_count());
  // Strictly increasing addresses: no member twice, so with the count above, every
  // member once.
  CHECK(std::is_sorted(addresses.begin(), addresses.end(), std::less_equal<>()));
  CHECK(std::adjacent_find(addresses.begin(), addresses.end()) == addresses.end());
}

namespace {

spec::At<std::string> at(const std::string& value) {
  return {value, {}};
}

spec::Target target(const std::string& name, const std::string& apt) {
  spec::Target t;
  t.name = at(name);
  t.settings.apt = {at(apt)};
  return t;
}

// Settings with every member set, each value tagged with `tag`.
spec::Settings every_member(const std::string& tag) {
  spec::Settings s;
  s.base = at("debian:" + tag);
  s.registry = at("ghcr.io/" + tag);
  s.tag = at(tag);
  s.workdir = at("/" + tag);
  s.restart = at(tag);
  s.group = at(tag);
  s.dockerfile = at(tag);
  s.os = at("os-" + tag);
  s.docker = at("docker-" + tag);
  s.drain = at("drain-" + tag);
  s.auth = at("auth-" + tag);
  s.runtime = at("runtime-" + tag);
  s.ci_workflow = at(".github/workflows/" + tag + ".yml");
  s.platforms = spec::At<std::vector<std::string>>{{"linux/" + tag}, {}};
  s.user = spec::User{tag, 1, 1, {}};
  s.healthcheck = spec::Healthcheck{tag, {}, "", "", "", 0, {}};
  s.cmd = spec::ExecForm{{"cmd-" + tag}, {}};
  s.entrypoint = spec::ExecForm{{"entrypoint-" + tag}, {}};
  s.limits = spec::Resources{tag, "", 0, {}};
  s.reserve = spec::Resources{"", tag, 0, {}};
  s.replicas = spec::At<int>{static_cast<int>(tag.size()), {}};
  s.ephemeral = spec::At<bool>{tag == "over", {}};
  s.sudo = spec::At<bool>{tag != "over", {}};
  s.init = spec::At<bool>{tag == "over", {}};
  s.renovate = spec::At<bool>{tag == "over", {}};
  s.packs = {spec::PackRef{tag, "", {}}};
  s.apt = {at(tag)};
  s.labels = {at(tag)};
  s.dirs = {at("/" + tag)};
  s.expose = {at(tag)};
  s.env = {spec::Pair{"ENV", tag, true, {}}};
  s.args = {spec::Pair{"ARG", tag, true, {}}};
  s.oci_labels = {spec::Pair{"label", tag, true, {}}};
  s.caches = {spec::Cache{tag, "", {}}};
  s.deps = {spec::Deps{{tag + ".lock", tag + ".txt"}, {}}};
  s.copies = {spec::Copy{tag, "/" + tag, {}, false}};
  s.runs = {spec::Run{tag, false, {}}};
  s.builds = {spec::Run{"build-" + tag, false, {}}};
  s.artifacts = {spec::Artifact{"/" + tag, "/" + tag, {}}};
  s.secrets = {spec::Secret{tag, "", "", {}}};
  s.ci_runners = {spec::CiRunner{"linux/" + tag, {tag}, false, {}}};
  s.targets = {target("dev", tag), target(tag, tag)};
  s.scale = spec::Scale{static_cast<std::uint32_t>(tag.size()), 9, {}, {}, {}};
  s.container_mode = at("mode-" + tag);
  s.work_volume = spec::WorkVolume{tag, 1, "", {}, {}};
  s.github_url = at("url-" + tag);
  s.github_secret = at("secret-" + tag);
  s.arc_controller = at("arc-" + tag);
  s.listener = spec::Resources{"listener-" + tag, "", 0, {}};
  s.dind = spec::Resources{"dind-" + tag, "", 0, {}};
  s.node_selector = {spec::Pair{"node", tag, true, {}}};
  s.tolerations = {spec::Toleration{tag, "", "", false, {}}};
  s.pins = {spec::Pin{at(tag), at("1.0"), {}, {}}};
  return s;
}

}  // namespace

TEST_CASE("merging replaces single values, appends lists and replaces targets by name") {
  spec::Settings s = every_member("into");
  merge_settings(s, every_member("over"));
  // Single values: the later block's.
  CHECK(s.base->value == "debian:over");
  CHECK(s.registry->value == "ghcr.io/over");
  CHECK(s.tag->value == "over");
  CHECK(s.workdir->value == "/over");
  CHECK(s.restart->value == "over");
  CHECK(s.group->value == "over");
  CHECK(s.dockerfile->value == "over");
  CHECK(s.os->value == "os-over");
  CHECK(s.docker->value == "docker-over");
  CHECK(s.drain->value == "drain-over");
  CHECK(s.auth->value == "auth-over");
  CHECK(s.runtime->value == "runtime-over");
  CHECK(s.init->value);
  CHECK(s.ci_workflow->value == ".github/workflows/over.yml");
  CHECK(s.platforms->value == std::vector<std::string>{"linux/over"});
  CHECK(s.user->name == "over");
  CHECK(s.healthcheck->command == "over");
  CHECK(s.cmd->args == std::vector<std::string>{"cmd-over"});
  CHECK(s.entrypoint->args == std::vector<std::string>{"entrypoint-over"});
  CHECK(s.limits->cpus == "over");
  CHECK(s.reserve->memory == "over");
  CHECK(s.replicas->value == 4);
  CHECK(s.ephemeral->value);
  CHECK_FALSE(s.sudo->value);
  CHECK(s.scale->min == 4);
  CHECK(s.container_mode->value == "mode-over");
  CHECK(s.work_volume->size == "over");
  CHECK(s.github_url->value == "url-over");
  CHECK(s.github_secret->value == "secret-over");
  CHECK(s.arc_controller->value == "arc-over");
  CHECK(s.listener->cpus == "listener-over");
  CHECK(s.dind->cpus == "dind-over");
  CHECK(s.renovate->value);
  // Lists: the earlier block's entries, then the later block's.
  const auto names = [](const auto& list, auto field) {
    std::vector<std::string> out;
    for (const auto& entry : list)
      out.push_back(entry.*field);
    return out;
  };
  const std::vector<std::string> both = {"into", "over"};
  CHECK(names(s.packs, &spec::PackRef::name) == both);
  CHECK(names(s.apt, &spec::At<std::string>::value) == both);
  CHECK(names(s.labels, &spec::At<std::string>::value) == both);
  CHECK(names(s.dirs, &spec::At<std::string>::value) == std::vector<std::string>{"/into", "/over"});
  CHECK(names(s.expose, &spec::At<std::string>::value) == both);
  CHECK(names(s.env, &spec::Pair::value) == both);
  CHECK(names(s.args, &spec::Pair::value) == both);
  CHECK(names(s.oci_labels, &spec::Pair::value) == both);
  CHECK(names(s.caches, &spec::Cache::name) == both);
  REQUIRE(s.deps.size() == 2);
  CHECK(s.deps[1].files.at(0) == "over.lock");
  CHECK(names(s.copies, &spec::Copy::source) == both);
  CHECK(names(s.runs, &spec::Run::command) == both);
  CHECK(names(s.builds, &spec::Run::command) ==
        std::vector<std::string>{"build-into", "build-over"});
  CHECK(names(s.artifacts, &spec::Artifact::source) == std::vector<std::string>{"/into", "/over"});
  CHECK(names(s.secrets, &spec::Secret::id) == both);
  CHECK(names(s.node_selector, &spec::Pair::value) == both);
  CHECK(names(s.tolerations, &spec::Toleration::key) == both);
  REQUIRE(s.pins.size() == 2);
  CHECK(s.pins[0].pack.value == "into");
  CHECK(s.pins[1].pack.value == "over");
  // Targets: `dev` replaced in place (as a whole), the new one added.
  REQUIRE(s.targets.size() == 3);
  CHECK(s.targets[0].name.value == "dev");
  CHECK(s.targets[0].settings.apt.at(0).value == "over");
  CHECK(s.targets[0].settings.apt.size() == 1);
  CHECK(s.targets[1].name.value == "into");
  CHECK(s.targets[2].name.value == "over");
}

TEST_CASE("merging keeps what the later block leaves unset") {
  spec::Settings s = every_member("into");
  const spec::Settings before = s;
  merge_settings(s, spec::Settings{});
  spec::for_each_field([&](const char* keyword, auto member) {
    INFO(keyword);
    const auto& now = s.*member;
    const auto& then = before.*member;
    using Member = std::decay_t<decltype(now)>;
    if constexpr (IsOptional<Member>::value) {
      CHECK(now.has_value());
    } else {
      CHECK(now.size() == then.size());
    }
  });
}

TEST_CASE("list values count every list entry, deps files and targets' values") {
  spec::Settings s = every_member("x");
  // 18 lists of one entry; deps: 1 entry with 2 files; 2 targets of 1 apt each.
  CHECK(spec::list_values(s) == 18 + (1 + 2) + (2 + 2));
  CHECK(spec::list_values(spec::Settings{}) == 0);
}

TEST_CASE("images and packs share the readers of apt, dirs, labels, run and cache") {
  const auto e = elaborate_text(
      "pack tool {\n  apt aa\n  build-apt bb\n  dirs /d ~/e\n  labels l\n  run \"r\" as root\n"
      "  cache c /c\n  requires q\n  after r\n  verify \"v\"\n  env K=v\n  path /p\n"
      "  version 1\n  versions 1 2\n  kind system\n  description \"d\"\n"
      "  system 12 pkg requires q\n}\n"
      "runner r {\n  apt aa\n  dirs /d ~/e\n  labels l\n  run \"r\" as root\n  cache c /c\n"
      "  cmd [\"c\"]\n  entrypoint [\"e\"]\n  limits cpus 1\n  reserve memory 1G\n}\n");
  REQUIRE(e.rendered() == "");
  const spec::PackDecl& p = e.spec.packs.at(0);
  const spec::Settings& s = e.spec.images.at(0).settings;
  CHECK(p.apt.at(0).value == "aa");
  CHECK(s.apt.at(0).value == "aa");
  CHECK(p.build_apt.at(0).value == "bb");
  CHECK(p.dirs.size() == 2);
  CHECK(s.dirs.size() == 2);
  CHECK(p.dirs.at(1).value == s.dirs.at(1).value);
  CHECK(p.labels.at(0).value == "l");
  CHECK(s.labels.at(0).value == "l");
  CHECK(p.runs.at(0).as_root);
  CHECK(s.runs.at(0).as_root);
  CHECK(p.caches.at(0).path == "/c");
  CHECK(s.caches.at(0).path == "/c");
  CHECK(p.requires_.at(0).value == "q");
  CHECK(p.after.at(0).value == "r");
  CHECK(p.verify.at(0).value == "v");
  CHECK(p.env.at(0).key == "K");
  CHECK(p.paths.at(0).value == "/p");
  CHECK(p.version->value == "1");
  CHECK(p.versions.size() == 2);
  CHECK(p.kind == spec::PackKind::system);
  CHECK(p.description == "d");
  CHECK(p.system.at(0).packages == std::vector<std::string>{"pkg"});
  CHECK(p.system.at(0).requires_.at(0).value == "q");
  // One reader each for cmd and entrypoint, limits and reserve; the row says where.
  CHECK(s.cmd->args == std::vector<std::string>{"c"});
  CHECK(s.entrypoint->args == std::vector<std::string>{"e"});
  CHECK(s.limits->cpus == "1");
  CHECK_FALSE(s.reserve->cpus.size());
  CHECK(s.reserve->memory == "1G");
}

TEST_CASE("a reader that fails leaves its member unset, and a list reader keeps what it read") {
  // (In a defaults block, which keeps what it read; a broken image keeps its name only.)
  const auto e = elaborate_text(
      "defaults {\n  tag -bad\n  cmd \"c\"\n  dirs /a b /c\n  kind x\n}\n"
      "pack p {\n  kind x\n}\n");
  CHECK(e.diagnostics.error_count() == 5);
  const spec::Settings& s = e.spec.defaults->value;
  CHECK_FALSE(s.tag);
  CHECK_FALSE(s.cmd);
  REQUIRE(s.dirs.size() == 1);  // read up to the error, as before the split
  CHECK(s.dirs.at(0).value == "/a");
  CHECK(e.spec.packs.at(0).kind == spec::PackKind::tool);
}

TEST_CASE("a declaration with errors is kept as its name only, marked broken") {
  const auto e = elaborate_text(
      "image good {\n  packs git\n}\n"
      "image bad {\n  packs git\n  tag -bad\n}\n"
      "runner r extends nope {\n  bogus 1\n}\n"
      "pack p {\n  kind x\n}\n"
      "image \"quoted\" {\n}\n");
  REQUIRE(e.spec.images.size() == 3);
  CHECK_FALSE(e.spec.images[0].broken);
  CHECK(e.spec.images[0].settings.packs.size() == 1);
  CHECK(e.spec.images[1].broken);
  CHECK(e.spec.images[1].name.value == "bad");
  CHECK(e.spec.images[1].settings.packs.empty());
  CHECK(e.spec.images[2].broken);
  CHECK(e.spec.images[2].runner);
  REQUIRE(e.spec.packs.size() == 1);
  CHECK(e.spec.packs[0].broken);
  CHECK_FALSE(e.spec.shared_broken);
}

TEST_CASE(
    "a declaration that did not parse is kept as its name, and a broken defaults breaks all") {
  Elaborated e;
  const auto file = e.sources.add("Rigfile",
                                  "image half {\n  packs \"unterminated\n}\n"
                                  "image fine {\n}\n"
                                  "defaults {\n  tag [\n}\n");
  e.module = parse(e.sources, file, e.diagnostics);
  CHECK(e.diagnostics.error_count() == 2);
  REQUIRE(e.module.broken.size() == 2);
  e.spec = elaborate(e.module, e.diagnostics);
  REQUIRE(e.spec.images.size() == 2);
  CHECK_FALSE(e.spec.images[0].broken);
  CHECK(e.spec.images[0].name.value == "fine");
  CHECK(e.spec.images[1].broken);
  CHECK(e.spec.images[1].name.value == "half");
  CHECK(e.spec.shared_broken);
  const auto second = elaborate_text("defaults {\n}\ndefaults {\n}\n");
  CHECK(second.diagnostics.error_count() == 1);
  CHECK_FALSE(second.spec.shared_broken);  // the second block is dropped; the first stands
}

TEST_CASE("sizes as Docker reads them, written in one form") {
  const auto e = elaborate_text(
      "image x {\n  limits memory 4g\n  reserve memory 1.5GiB\n}\n"
      "image y {\n  limits memory 512mb\n  reserve memory 7340032\n}\n"
      "image z {\n  limits memory 1P\n  reserve memory 100b\n}\n");
  REQUIRE(e.spec.images.size() == 3);
  const auto& x = e.spec.images[0].settings;
  CHECK(x.limits->memory == "4G");
  CHECK(x.limits->memory_bytes == 4ull << 30);
  CHECK(x.reserve->memory == "1.5G");
  CHECK(x.reserve->memory_bytes == 3ull << 29);
  const auto& y = e.spec.images[1].settings;
  CHECK(y.limits->memory == "512M");
  CHECK(y.reserve->memory == "7340032");
  CHECK(y.reserve->memory_bytes == 7340032);
  const auto& z = e.spec.images[2].settings;
  CHECK(z.limits->memory_bytes == 1ull << 50);
  CHECK(z.reserve->memory == "100");
  for (const char* bad : {"4Gi", "4gib2", "4 G", "G", "4.G", "-4G", "4KB5"}) {
    Parsed p = statement(std::string("  limits memory \"") + bad + "\"");
    spec::Module m = elaborate(p.module, p.diagnostics);
    CHECK_MESSAGE(p.diagnostics.has_errors(), bad);
  }
}

TEST_CASE("pack statements for downloads: members, single files, fetch-run, upstream sources") {
  const auto e = elaborate_text(
      "pack tool {\n  version 1.2\n  versions 1.2 1.3+b\n"
      "  fetch @mirror@/tool-@version@.tgz\n"
      "  fetch @mirror@/tool-@version-base@-full.tgz for 1.3+b\n"
      "  extract /opt/tool strip 1 only tool/bin/tool tool/lib\n"
      "  fetch-run \"/opt/tool/install --arch=@arch@\" into /opt/prefix\n"
      "  checksums sha256sums @mirror@/SUMS\n"
      "  releases https://e.org/releases.atom \"/tag/v@version@\\\"\" line 2\n"
      "  renovate github-releases owner/tool\n}\n"
      "pack plugin {\n  fetch https://e.org/plugin\n  extract /usr/local/lib/x file x-plugin "
      "owned\n}\n");
  REQUIRE(e.rendered() == "");
  const spec::Fetch& f = *e.spec.packs.at(0).fetch;
  CHECK(f.url.value == "@mirror@/tool-@version@.tgz");
  REQUIRE(f.version_urls.size() == 1);
  CHECK(f.version_urls[0].versions.at(0).value == "1.3+b");
  CHECK(f.only == std::vector<std::string>{"tool/bin/tool", "tool/lib"});
  CHECK(f.run->value == "/opt/tool/install --arch=@arch@");
  CHECK(f.copied() == "/opt/prefix");
  CHECK(f.published->format.value == "sha256sums");
  CHECK(f.releases->pattern.value == "/tag/v@version@\"");
  CHECK(f.line() == 2);
  CHECK(f.renovate->package.value == "owner/tool");
  const spec::Fetch& g = *e.spec.packs.at(1).fetch;
  CHECK(g.file == "x-plugin");
  CHECK(g.owned);
  CHECK(g.copied() == "/usr/local/lib/x");
  CHECK(g.line() == 1);
}

TEST_CASE("download statements refuse what they cannot lower") {
  const auto errors = [](const std::string& lines) {
    Elaborated e;
    const auto file = e.sources.add("Rigfile", "pack t {\n" + lines + "\n}\n");
    e.module = parse(e.sources, file, e.diagnostics);
    e.spec = elaborate(e.module, e.diagnostics);
    return e.rendered();
  };
  CHECK(errors("  extract /opt/t file a/b").find("invalid file name 'a/b'") != std::string::npos);
  CHECK(errors("  extract /opt/t strip 1 file t").find("'file NAME' installs a download") !=
        std::string::npos);
  CHECK(errors("  extract /opt/t only ../etc").find("invalid archive member '../etc'") !=
        std::string::npos);
  CHECK(errors("  extract /opt/t only").find("'extract' is missing an archive member") !=
        std::string::npos);
  CHECK(errors("  fetch https://e.org/a\n  fetch https://e.org/b")
            .find("the pack's URL is already set on line 2") != std::string::npos);
  CHECK(errors("  checksums md5 https://e.org/s").find("unknown checksum list 'md5'") !=
        std::string::npos);
  CHECK(errors("  releases https://e.org/r \"v@version@@version@\"").find("holds @version@ once") !=
        std::string::npos);
  CHECK(errors("  releases https://e.org/r \"@version@\"").find("holds @version@ once") !=
        std::string::npos);
  CHECK(errors("  releases https://e.org/r \"v@version@\" line 9")
            .find("line takes a number from 1 to 4") != std::string::npos);
  CHECK(errors("  fetch-run \"\"").find("the fetch-run command is empty") != std::string::npos);
  CHECK(errors("  renovate Bad/Source x").find("invalid Renovate datasource") != std::string::npos);
}

TEST_CASE("a pin names a pack, a version and a checksum per architecture, in defaults only") {
  const std::string hex(64, 'c');
  const auto pins = elaborate_text("defaults {\n  pin node 26.12.1 sha256 amd64 " + hex +
                                   " arm64 " + hex + "\n}\n");
  REQUIRE(pins.rendered() == "");
  const spec::Pin& pin = pins.spec.defaults->value.pins.at(0);
  CHECK(pin.pack.value == "node");
  CHECK(pin.version.value == "26.12.1");
  REQUIRE(pin.sums.size() == 2);
  CHECK(pin.sums[1].arch.value == "arm64");
  const auto errors = [](const std::string& text) {
    Elaborated e;
    const auto file = e.sources.add("Rigfile", text);
    e.module = parse(e.sources, file, e.diagnostics);
    e.spec = elaborate(e.module, e.diagnostics);
    return e.rendered();
  };
  CHECK(errors("defaults {\n  pin node 26 sha256 amd64 ABC\n}\n")
            .find("2:28: error: a SHA-256 is 64 lowercase hex digits") != std::string::npos);
  CHECK(errors("defaults {\n  pin node 26 amd64 " + hex + "\n}\n")
            .find("2:15: error: expected 'sha256'") != std::string::npos);
  CHECK(errors("defaults {\n  pin node 26 sha256\n}\n").find("'pin' is missing an architecture") !=
        std::string::npos);
  CHECK(errors("defaults {\n  pin node 26 sha256 amd64 " + hex + " amd64 " + hex + "\n}\n")
            .find("architecture 'amd64' is pinned twice") != std::string::npos);
  CHECK(
      errors("defaults {\n  pin node 26 sha256 amd64\n}\n").find("'pin' is missing the SHA-256") !=
      std::string::npos);
  CHECK(errors("image x {\n  pin node 26 sha256 amd64 " + hex + "\n}\n")
            .find("'pin' is not allowed in an image; it belongs in 'defaults'") !=
        std::string::npos);
}
