#include "rigc/resolver.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <tuple>

#include "rigc/elaborate.hpp"
#include "rigc/parser.hpp"
#include "test_util.hpp"

using namespace rigc;

namespace {

// The test pack library: `base` and `gh-runner` (which every image and every
// runner get), `lang` with versions (1.0 from the distribution, which needs
// `helper`; the others fetched, with a sha256 for amd64 only), `tool` requiring
// lang and ordered after `extra`, and `a` -> `b` -> `c` -> `a`, a cycle.
constexpr const char* kLibrary = R"(pack base {
  kind system
}
pack gh-runner {
  requires base
}
pack helper {
}
pack lang {
  kind toolchain
  version 1.0
  versions 1.0 1.9 1.10 2.0
  system 1.0 lang-runtime requires helper
  requires base
  fetch https://example.org/lang-@version@-@arch@.tar.gz
  sha256 1.9 amd64 1111111111111111111111111111111111111111111111111111111111111111
  sha256 1.10 amd64 2222222222222222222222222222222222222222222222222222222222222222
  sha256 2.0 amd64 3333333333333333333333333333333333333333333333333333333333333333
  extract /opt/lang
  deps lang.lock "lang install" into vendor
  cache lang-cache ~/.cache/lang
}
pack tool {
  requires lang
  after extra
}
pack extra {
}
pack a {
  requires b
}
pack b {
  requires c
}
pack c {
  requires a
}
)";

// A spec ("Rigfile") and the test library ("packs.rig"), parsed and elaborated.
// Resolution points into both: construct in place.
struct Lab {
  Sources sources;
  Diagnostics diagnostics;
  spec::Module library;
  spec::Module spec;
  ReportBudget budget;

  explicit Lab(const std::string& rigfile)
      : library(read("packs.rig", kLibrary)), spec(read("Rigfile", rigfile)) {}
  Lab(const Lab&) = delete;

  spec::Module read(const std::string& name, const std::string& text) {
    const std::uint32_t file = sources.add(name, text);
    return elaborate(parse(sources, file, diagnostics), diagnostics);
  }
  Resolved resolve() { return rigc::resolve(spec, library.packs, diagnostics); }
  PacksByName packs() { return merge_pack_library(library.packs, spec.packs, diagnostics); }
  const spec::ImageDecl& image(const std::string& name) const {
    for (const spec::ImageDecl& i : spec.images) {
      if (i.name.value == name) return i;
    }
    throw std::runtime_error("no image " + name);
  }
  std::string rendered() const {
    std::string out;
    for (const Diagnostic& d : diagnostics.all())
      out += render(d, sources, ErrorFormat::human);
    return out;
  }
};

std::vector<std::string> pack_names(const std::vector<ResolvedPack>& packs) {
  std::vector<std::string> names;
  for (const ResolvedPack& p : packs)
    names.push_back(p.pack->name.value);
  return names;
}

std::vector<std::string> pack_names(const ResolvedImage& image) {
  return pack_names(image.packs);
}

// "name: reason" for each wanted pack, in name order.
std::vector<std::string> reasons(const WantedPacks& wanted) {
  std::vector<std::string> out;
  for (const auto& [name, w] : wanted)
    out.push_back(name + ": " + w.reason);
  return out;
}

}  // namespace

TEST_CASE("the test library is valid") {
  Lab lab("");
  const PacksByName packs = lab.packs();
  for (const auto& [name, pack] : packs)
    check_pack(pack, packs, lab.budget, lab.diagnostics);
  CHECK(lab.rendered() == "");
}

// --- Pass 1: the pack library -------------------------------------------------

TEST_CASE("pack library: a spec's pack replaces the library's; a second one is an error") {
  Lab lab("pack tool {\n  apt tool-from-spec\n}\npack tool {\n  apt again\n}\n");
  const PacksByName packs = lab.packs();
  REQUIRE(packs.at("tool").apt.size() == 1);
  CHECK(packs.at("tool").apt[0].value == "tool-from-spec");
  CHECK(packs.at("tool").requires_.empty());
  CHECK(packs.count("lang") == 1);
  CHECK(lab.rendered() ==
        "Rigfile:4:6: error: pack 'tool' is already declared on line 1\n"
        "  pack tool {\n"
        "       ^~~~\n");
  // Resolution uses the spec's pack.
  Lab used("pack tool {\n  apt tool-from-spec\n}\nimage x {\n  packs tool\n}\n");
  const Resolved r = used.resolve();
  REQUIRE(used.rendered() == "");
  CHECK(pack_names(r.images.at(0)) == std::vector<std::string>{"base", "tool"});
  CHECK(r.images.at(0).packs.at(1).pack->apt.at(0).value == "tool-from-spec");
}

TEST_CASE("pack library: check_pack reports each pack's own mistakes") {
  const auto check = [](const std::string& pack) {
    Lab lab(pack);
    const PacksByName packs = lab.packs();
    check_pack(packs.at("p"), packs, lab.budget, lab.diagnostics);
    return lab.rendered();
  };
  CHECK(check("pack p {\n  versions 1 2\n  version 3\n}\n") ==
        "Rigfile:3:11: error: default version '3' of pack 'p' is not in its versions\n"
        "    version 3\n"
        "            ^\n");
  CHECK(check("pack p {\n  version 1\n  system 2 pkg\n}\n")
            .find("error: version '2' is not in the versions of pack 'p'") != std::string::npos);
  CHECK(check("pack p {\n  requires lnag\n}\n") ==
        "Rigfile:2:12: error: unknown pack 'lnag'; did you mean 'lang'?\n"
        "    requires lnag\n"
        "             ^~~~\n");
  CHECK(check("pack p {\n  version 1\n  system 1 pkg requires hepler\n}\n")
            .find("error: unknown pack 'hepler'; did you mean 'helper'?") != std::string::npos);
  CHECK(check("pack p {\n  versions 1 2\n  system 1 pkg\n}\n")
            .find("error: pack 'p' version '2' has neither a 'system' line nor a 'fetch'") !=
        std::string::npos);
  CHECK(check("pack p {\n  fetch https://example.org/p.tar.gz\n}\n")
            .find("error: pack 'p' fetches an archive but has no 'extract /DIR'") !=
        std::string::npos);
  CHECK(check("pack p {\n  fetch @mirror@/p.tar.gz\n  extract /opt/p\n}\n")
            .find("error: the URL of pack 'p' uses @mirror@ but the pack has no 'mirror URL'") !=
        std::string::npos);
  CHECK(check("pack p {\n  fetch https://example.org/p.zip\n  extract /opt/p strip 1\n}\n")
            .find("error: pack 'p' downloads a .zip archive, which cannot be unpacked with "
                  "'strip'") != std::string::npos);
  CHECK(check("pack p {\n  versions 1 2\n  fetch https://example.org/p.tar.gz\n  extract /p\n}\n")
            .find("error: pack 'p' has several versions, so its URL needs @version@") !=
        std::string::npos);
  CHECK(check("pack p {\n  version 1\n  fetch https://example.org/p.tar.gz\n  extract /p\n"
              "  sha256 2 amd64 " +
              std::string(64, 'a') + "\n}\n")
            .find("error: sha256 for version '2', which is not in the versions of pack 'p'") !=
        std::string::npos);
}

TEST_CASE("pack library: 'did you mean' is searched at most kMaxSuggestions times a run") {
  std::string requires_;
  for (int i = 0; i < kMaxSuggestions + 1; ++i)
    requires_ += " lnag";
  Lab lab("pack p {\n  requires" + requires_ + "\n}\n");
  const PacksByName packs = lab.packs();
  check_pack(packs.at("p"), packs, lab.budget, lab.diagnostics);
  const auto& all = lab.diagnostics.all();
  REQUIRE(all.size() == kMaxSuggestions + 1);
  CHECK(all[kMaxSuggestions - 1].message == "unknown pack 'lnag'; did you mean 'lang'?");
  CHECK(all[kMaxSuggestions].message == "unknown pack 'lnag'");
}

// --- Pass 2: inheritance ------------------------------------------------------

TEST_CASE("inheritance: defaults, then ancestors from the farthest, then the image") {
  Lab lab(
      "defaults {\n  tag v1\n  apt curl\n}\nrunner base {\n  packs lang\n  limits cpus 1\n}\n"
      "runner mid extends base {\n  apt make\n}\n"
      "runner leaf extends mid {\n  packs tool\n  apt gdb\n  limits cpus 2\n}\n");
  const ImagesByName images = index_images(lab.spec.images, lab.diagnostics);
  const std::optional<Inherited> leaf =
      inherit(lab.image("leaf"), images, &lab.spec.defaults->value, lab.budget, lab.diagnostics);
  REQUIRE(lab.rendered() == "");
  REQUIRE(leaf);
  CHECK(leaf->ancestors == std::vector<std::string>{"mid", "base"});
  CHECK(leaf->settings.tag->value == "v1");
  CHECK(leaf->settings.limits->cpus == "2");
  std::vector<std::string> apt;
  for (const auto& a : leaf->settings.apt)
    apt.push_back(a.value);
  CHECK(apt == std::vector<std::string>{"curl", "make", "gdb"});
  REQUIRE(leaf->settings.packs.size() == 2);
  CHECK(leaf->settings.packs[0].name == "lang");
  CHECK(leaf->settings.packs[1].name == "tool");
  // Without defaults.
  const auto base = inherit(lab.image("base"), images, nullptr, lab.budget, lab.diagnostics);
  REQUIRE(base);
  CHECK_FALSE(base->settings.tag);
  CHECK(base->ancestors.empty());
}

TEST_CASE("inheritance: a cycle is reported once, from its first image, as a path") {
  Lab lab("image z {\n}\nimage a extends c {\n}\nimage b extends a {\n}\nimage c extends b {\n}\n");
  const ImagesByName images = index_images(lab.spec.images, lab.diagnostics);
  CHECK(inherit(lab.image("z"), images, nullptr, lab.budget, lab.diagnostics));
  for (const char* name : {"a", "b", "c"})
    CHECK_FALSE(inherit(lab.image(name), images, nullptr, lab.budget, lab.diagnostics));
  CHECK(lab.rendered() ==
        "Rigfile:3:17: error: inheritance cycle: a -> c -> b -> a\n"
        "  image a extends c {\n"
        "                  ^\n"
        "Rigfile:3:17: note: 'a' extends 'c' here\n"
        "  image a extends c {\n"
        "                  ^\n"
        "Rigfile:7:17: note: 'c' extends 'b' here\n"
        "  image c extends b {\n"
        "                  ^\n"
        "Rigfile:5:17: note: 'b' extends 'a' here\n"
        "  image b extends a {\n"
        "                  ^\n");
}

TEST_CASE("inheritance: an image leading into a cycle is not part of its report") {
  Lab lab("image a extends b {\n}\nimage b extends c {\n}\nimage c extends b {\n}\n");
  const Resolved r = lab.resolve();
  CHECK(r.images.empty());
  CHECK(lab.rendered().find("error: inheritance cycle: b -> c -> b") != std::string::npos);
  CHECK(lab.diagnostics.error_count() == 1);
}

TEST_CASE("inheritance: unknown parents, runners and images, duplicates") {
  Lab lab(
      "image app {\n}\nimage web extends ap {\n}\nrunner r extends app {\n}\n"
      "image app {\n}\n");
  const Resolved r = lab.resolve();
  CHECK(lab.rendered() ==
        "Rigfile:7:7: error: image 'app' is already declared on line 1\n"
        "  image app {\n"
        "        ^~~\n"
        "Rigfile:3:19: error: 'web' extends unknown image 'ap'; did you mean 'app'?\n"
        "  image web extends ap {\n"
        "                    ^~\n"
        "Rigfile:5:18: error: runner 'r' cannot extend image 'app'\n"
        "  runner r extends app {\n"
        "                   ^~~\n");
  REQUIRE(r.images.size() == 1);
  CHECK(r.images[0].decl == &lab.spec.images[0]);
}

TEST_CASE("inheritance: a chain over kMaxExtendsDepth is reported once a run") {
  std::string rigfile = "image i0 {\n}\n";
  for (std::size_t i = 1; i <= kMaxExtendsDepth + 1; ++i)
    rigfile += "image i" + std::to_string(i) + " extends i" + std::to_string(i - 1) + " {\n}\n";
  Lab lab(rigfile);
  const Resolved r = lab.resolve();
  CHECK(r.images.size() == kMaxExtendsDepth);  // i0 to i63: chains of at most 64 images
  CHECK(lab.rendered() ==
        "Rigfile:129:19: error: 'i64' extends a chain of more than 64 images\n"
        "  image i64 extends i63 {\n"
        "                    ^~~\n");
}

// --- Pass 3: pack closure and size limits --------------------------------------

TEST_CASE("closure: every pack an image needs, with the reason for each") {
  Lab lab("runner r {\n  packs tool\n}\nimage x {\n  packs lang@2\n}\n");
  const PacksByName packs = lab.packs();
  const auto r =
      pack_closure(lab.image("r"), lab.image("r").settings, packs, lab.budget, lab.diagnostics);
  REQUIRE(lab.rendered() == "");
  REQUIRE(r);
  // lang at its default, 1.0, is the distribution's, which brings helper.
  CHECK(reasons(*r) == std::vector<std::string>{"base: every image", "gh-runner: every runner",
                                                "helper: required by 'lang'",
                                                "lang: required by 'tool'",
                                                "tool: asked for in the spec"});
  CHECK(r->at("tool").location.line == 2);
  CHECK(r->at("lang").location.line == 24);  // tool's `requires lang` in packs.rig
  CHECK(r->at("lang").version.empty());
  // lang@2 (2.0) is fetched and needs no helper.
  const auto x =
      pack_closure(lab.image("x"), lab.image("x").settings, packs, lab.budget, lab.diagnostics);
  REQUIRE(x);
  CHECK(reasons(*x) ==
        std::vector<std::string>{"base: every image", "lang: asked for in the spec"});
  CHECK(x->at("lang").version == "2");
}

TEST_CASE("closure: a reason names the pack that requires it, however many it requires") {
  // The walk once read the visited pack's name through a reference into the list
  // of wanted packs, which wanting its first requirement reallocated.
  Lab lab("pack p {\n  requires extra helper tool\n}\nimage x {\n  packs p\n}\n");
  const PacksByName packs = lab.packs();
  const auto r =
      pack_closure(lab.image("x"), lab.image("x").settings, packs, lab.budget, lab.diagnostics);
  REQUIRE(r);
  CHECK(r->at("extra").reason == "required by 'p'");
  CHECK(r->at("helper").reason == "required by 'p'");
  CHECK(r->at("tool").reason == "required by 'p'");
  CHECK(r->at("lang").reason == "required by 'tool'");
}

TEST_CASE("closure: a dependency cycle is shown as a path with each edge") {
  Lab lab("image x {\n  packs b\n}\n");
  const PacksByName packs = lab.packs();
  CHECK_FALSE(
      pack_closure(lab.image("x"), lab.image("x").settings, packs, lab.budget, lab.diagnostics));
  CHECK(lab.rendered() ==
        "packs.rig:33:12: error: pack dependency cycle: b -> c -> a -> b\n"
        "    requires c\n"
        "             ^\n"
        "packs.rig:33:12: note: 'b' requires 'c' here\n"
        "    requires c\n"
        "             ^\n"
        "packs.rig:36:12: note: 'c' requires 'a' here\n"
        "    requires a\n"
        "             ^\n"
        "packs.rig:30:12: note: 'a' requires 'b' here\n"
        "    requires b\n"
        "             ^\n");
}

TEST_CASE("closure: a cycle through a system line, and a pack requiring itself") {
  Lab lab(
      "pack s {\n  version 1\n  system 1 pkg requires t\n}\npack t {\n  requires s\n}\n"
      "pack self {\n  requires self\n}\nimage x {\n  packs s\n}\nimage y {\n  packs self\n}\n");
  const PacksByName packs = lab.packs();
  for (const char* image : {"x", "y"}) {
    CHECK_FALSE(pack_closure(lab.image(image), lab.image(image).settings, packs, lab.budget,
                             lab.diagnostics));
  }
  CHECK(lab.rendered() ==
        "Rigfile:3:25: error: pack dependency cycle: s -> t -> s\n"
        "    system 1 pkg requires t\n"
        "                          ^\n"
        "Rigfile:3:25: note: 's' requires 't' here\n"
        "    system 1 pkg requires t\n"
        "                          ^\n"
        "Rigfile:6:12: note: 't' requires 's' here\n"
        "    requires s\n"
        "             ^\n"
        "Rigfile:9:12: error: pack dependency cycle: self -> self\n"
        "    requires self\n"
        "             ^~~~\n"
        "Rigfile:9:12: note: 'self' requires 'self' here\n"
        "    requires self\n"
        "             ^~~~\n");
}

TEST_CASE("closure: unknown packs and two versions of one pack") {
  Lab lab("image x {\n  packs lnag tool@1 lang@1 lang@2\n}\n");
  const PacksByName packs = lab.packs();
  CHECK_FALSE(
      pack_closure(lab.image("x"), lab.image("x").settings, packs, lab.budget, lab.diagnostics));
  CHECK(lab.rendered() ==
        "Rigfile:2:9: error: unknown pack 'lnag'; did you mean 'lang'?\n"
        "    packs lnag tool@1 lang@1 lang@2\n"
        "          ^~~~\n"
        "Rigfile:2:28: error: image 'x' asks for two versions of pack 'lang': '1' (line 2) and "
        "'2'\n"
        "    packs lnag tool@1 lang@1 lang@2\n"
        "                             ^~~~~~\n");
}

TEST_CASE("closure: a chain over kMaxPackDepth is reported once per first pack a run") {
  std::string rigfile;
  for (std::size_t i = 0; i <= kMaxPackDepth; ++i) {
    rigfile += "pack p" + std::to_string(i) + " {\n  requires p" + std::to_string(i + 1) + "\n}\n";
  }
  rigfile += "pack p" + std::to_string(kMaxPackDepth + 1) + " {\n}\n";
  rigfile += "image x {\n  packs p0\n}\nimage y {\n  packs p0\n}\nimage z {\n  packs p1\n}\n";
  Lab lab(rigfile);
  const PacksByName packs = lab.packs();
  for (const char* image : {"x", "y", "z"}) {
    CHECK_FALSE(pack_closure(lab.image(image), lab.image(image).settings, packs, lab.budget,
                             lab.diagnostics));
  }
  const auto& all = lab.diagnostics.all();
  REQUIRE(all.size() == 2);
  CHECK(all[0].message ==
        "pack 'p0' has a chain of requirements more than 64 deep: p0 -> p1 -> p2 -> p3 -> …");
  CHECK(all[0].location.line == 199);  // image x's `packs p0`
  CHECK(all[1].message.rfind("pack 'p1' has a chain", 0) == 0);
}

TEST_CASE("size limits: packs per image and list values") {
  Lab lab("image x {\n  apt make\n}\n");
  PacksByName packs = lab.packs();
  WantedPacks wanted;
  for (std::size_t i = 0; i < kMaxPacksPerImage; ++i) {
    const std::string name = "p" + std::to_string(i);
    packs[name].name.value = name;
    wanted[name] = {};
  }
  const spec::ImageDecl& x = lab.image("x");
  CHECK(check_image_size(x, x.settings, wanted, packs, lab.diagnostics));
  wanted["lang"] = {};
  CHECK_FALSE(check_image_size(x, x.settings, wanted, packs, lab.diagnostics));
  CHECK(lab.diagnostics.all().back().message ==
        "image 'x' needs 257 packs; at most 256 are supported");
  // lang has 4 versions, 1 system line with 1 package and 1 requirement, 1
  // requirement, 3 sha256, 1 deps, 1 cache: 12; `apt make` is 1 more.
  spec::Settings settings = x.settings;
  settings.apt.resize(kMaxValuesPerImage - 12);
  CHECK(check_image_size(x, settings, {{"lang", {}}}, packs, lab.diagnostics));
  settings.apt.emplace_back();
  CHECK_FALSE(check_image_size(x, settings, {{"lang", {}}}, packs, lab.diagnostics));
  CHECK(lab.diagnostics.all().back().message ==
        "image 'x' has 4097 list values (packages, variables, labels, directories, steps…) with "
        "its packs; at most 4096 are supported");
}

// --- Pass 4: versions --------------------------------------------------------

TEST_CASE("versions: default, exact, prefix picks the highest numerically, fetched or not") {
  Lab lab("");
  const PacksByName packs = lab.packs();
  const auto version_of = [&](const std::string& asked) {
    const auto chosen = choose_versions({{"lang", {asked, {}, "r"}}}, packs, lab.diagnostics);
    REQUIRE(chosen);
    REQUIRE(chosen->size() == 1);
    return chosen->front();
  };
  const ResolvedPack by_default = version_of("");
  CHECK(by_default.version == "1.0");
  CHECK(by_default.system == &packs.at("lang").system.at(0));
  CHECK_FALSE(by_default.fetched);
  CHECK(by_default.reason == "r");
  CHECK(version_of("1.9").version == "1.9");
  const ResolvedPack one = version_of("1");
  CHECK(one.version == "1.10");  // not 1.9
  CHECK(one.system == nullptr);
  CHECK(one.fetched);
  CHECK(version_of("2").version == "2.0");
  CHECK(version_of("1.0").system != nullptr);
  CHECK(lab.rendered() == "");
}

TEST_CASE("versions: one asked for that is not there") {
  Lab lab("image x {\n  packs lang@3 tool@1\n}\n");
  const PacksByName packs = lab.packs();
  const auto wanted =
      pack_closure(lab.image("x"), lab.image("x").settings, packs, lab.budget, lab.diagnostics);
  REQUIRE(wanted);
  CHECK_FALSE(choose_versions(*wanted, packs, lab.diagnostics));
  CHECK(lab.rendered() ==
        "Rigfile:2:9: error: version '3' of pack 'lang' is not available; versions: 1.0, 1.9, "
        "1.10, 2.0; another one needs its checksums: `rigc pin lang VERSION` adds them\n"
        "    packs lang@3 tool@1\n"
        "          ^~~~~~\n"
        "Rigfile:2:16: error: pack 'tool' has no versions to choose from\n"
        "    packs lang@3 tool@1\n"
        "                 ^~~~~~\n");
}

TEST_CASE("select_version compares numerically") {
  spec::PackDecl pack;
  for (const char* v : {"1.9.0", "1.10.0", "1.2", "2.0"})
    pack.versions.push_back({v, {}});
  CHECK(select_version(pack, "1") == "1.10.0");
  CHECK(select_version(pack, "1.2") == "1.2");
  CHECK(select_version(pack, "3").empty());
  CHECK(version_for(pack, "") == "1.9.0");  // no default: the first
  pack.version = spec::At<std::string>{"2.0", {}};
  CHECK(version_for(pack, "") == "2.0");
  CHECK(version_for(pack, "1") == "1.10.0");
}

// --- Pass 5: install order ---------------------------------------------------

namespace {

// Hand-built packs for the install order: name, kind, requires, after.
struct OrderCase {
  std::vector<spec::PackDecl> decls;
  std::vector<ResolvedPack> packs;  // in name order, as choose_versions gives them

  explicit OrderCase(
      std::vector<std::tuple<std::string, spec::PackKind, std::string, std::string>> rows) {
    std::sort(rows.begin(), rows.end());
    decls.reserve(rows.size());
    const auto words = [](const std::string& text) {
      std::vector<spec::At<std::string>> out;
      std::istringstream in(text);
      for (std::string w; in >> w;)
        out.push_back({w, {}});
      return out;
    };
    for (const auto& [name, kind, requires_, after] : rows) {
      spec::PackDecl& d = decls.emplace_back();
      d.name.value = name;
      d.kind = kind;
      d.requires_ = words(requires_);
      d.after = words(after);
    }
    for (const spec::PackDecl& d : decls)
      packs.push_back({&d, "", nullptr, false, ""});
  }
};

}  // namespace

TEST_CASE("install order: requirements and `after` first, then kind, then name") {
  using K = spec::PackKind;
  const OrderCase c({{"zsys", K::system, "", ""},
                     {"lang", K::toolchain, "helper", ""},  // a tool first: it needs it
                     {"helper", K::tool, "", ""},
                     {"alang", K::toolchain, "", ""},
                     {"btool", K::tool, "", "ctool"},   // after a tool the image has
                     {"ctool", K::tool, "", "absent"},  // after one it lacks: no ordering
                     {"dtool", K::tool, "", ""}});
  Diagnostics diagnostics;
  const auto ordered = install_order(c.packs, {}, diagnostics);
  CHECK(diagnostics.all().empty());
  CHECK(pack_names(ordered) ==
        std::vector<std::string>{"zsys", "alang", "ctool", "btool", "dtool", "helper", "lang"});
}

TEST_CASE("install order: through the test library") {
  Lab lab("image x {\n  packs tool extra\n}\n");
  const Resolved r = lab.resolve();
  REQUIRE(lab.rendered() == "");
  // base is the system pack; lang a toolchain, but it needs helper (a tool) at 1.0;
  // tool comes after extra.
  CHECK(pack_names(r.images.at(0)) ==
        std::vector<std::string>{"base", "extra", "helper", "lang", "tool"});
  CHECK(r.images.at(0).packs.at(2).reason == "required by 'lang'");
  CHECK(r.images.at(0).packs.back().reason == "asked for in the spec");
}

TEST_CASE("install order: `after` orderings in a cycle") {
  using K = spec::PackKind;
  const OrderCase c({{"a", K::tool, "", ""},
                     {"x", K::tool, "", "y"},
                     {"y", K::tool, "", "z"},
                     {"z", K::tool, "", "x"}});
  Diagnostics diagnostics;
  const Location image{0, 5, 7, 1};
  const auto ordered = install_order(c.packs, image, diagnostics);
  CHECK(pack_names(ordered) == std::vector<std::string>{"a"});
  REQUIRE(diagnostics.all().size() == 1);
  CHECK(diagnostics.all()[0].message == "the 'after' orderings of packs x, y, z form a cycle");
  CHECK(diagnostics.all()[0].location.line == 5);
}

// --- Pass 6: spec checks -----------------------------------------------------

namespace {

// The diagnostics of check_image on the only image of `rigfile`.
std::string checked(const std::string& rigfile) {
  Lab lab(rigfile);
  const Resolved r = lab.resolve();  // runs check_image too: compare with a direct call
  const std::string from_resolve = lab.rendered();
  Diagnostics direct;
  for (const ResolvedImage& image : r.images)
    check_image(image, direct);
  std::string out;
  for (const Diagnostic& d : direct.all())
    out += render(d, lab.sources, ErrorFormat::human);
  CHECK(out == from_resolve);
  return out;
}

}  // namespace

TEST_CASE("spec checks: a root user draws a warning, not an error") {
  CHECK(checked("image x {\n  user root\n}\n") ==
        "Rigfile:2:8: warning: image 'x' runs as root; prefer 'user NAME UID'\n"
        "    user root\n"
        "         ^~~~\n");
}

TEST_CASE("spec checks: a sha256 for each fetched pack on each platform") {
  CHECK(checked("image x {\n  packs lang@2\n}\n") == "");  // amd64 by default
  CHECK(checked("image x {\n  packs lang\n  platforms linux/arm64\n}\n") == "");  // not fetched
  CHECK(checked("image x {\n  packs lang@1\n  platforms linux/amd64 linux/arm64\n}\n") ==
        "Rigfile:3:3: error: pack 'lang' 1.10 has no sha256 for arm64 (image 'x'); give its "
        "checksums in 'defaults' with 'pin lang 1.10 sha256 arm64 HEX', which `rigc pin "
        "lang 1.10` writes\n"
        "    platforms linux/amd64 linux/arm64\n"
        "    ^~~~~~~~~\n");
}

TEST_CASE("spec checks: caches that are not stock ones need a path") {
  CHECK(checked("image x {\n  cache pip\n  cache mine /m\n}\n") == "");
  CHECK(checked("image x {\n  cache pipp\n}\n") ==
        "Rigfile:2:9: error: cache 'pipp' is not a stock cache, so it needs a path: cache pipp "
        "/PATH; did you mean 'pip'?\n"
        "    cache pipp\n"
        "          ^~~~\n");
  CHECK(checked("pack p {\n  cache pc\n}\nimage x {\n  packs p\n}\n") ==
        "Rigfile:2:9: error: cache 'pc' of pack 'p' is not a stock cache, so it needs a path\n"
        "    cache pc\n"
        "          ^~\n");
}

TEST_CASE("spec checks: a pack of the image installs each `deps`") {
  CHECK(checked("image x {\n  packs lang\n  deps sub/lang.lock\n}\n") == "");
  CHECK(checked("image x {\n  deps lang.lock other.lock\n}\n") ==
        "Rigfile:2:3: error: no pack of image 'x' installs 'lang.lock other.lock'; add the pack "
        "that does (e.g. python for requirements.txt) to 'packs'\n"
        "    deps lang.lock other.lock\n"
        "    ^~~~\n");
}

TEST_CASE("spec checks: Docker's limits on repository and tag lengths") {
  // "registry.example.com/" + 230 characters + "/" + the image's name.
  const std::string registry = "registry.example.com/" + std::string(230, 'p');
  CHECK(checked("image abc {\n  registry " + registry + "\n}\n") == "");  // 255
  const std::string too_long = checked("image abcd {\n  registry " + registry + "\n}\n");
  CHECK(too_long.rfind("Rigfile:2:12: error: the repository of image 'abcd' would be 256 "
                       "characters long; Docker allows 255\n",
                       0) == 0);
  // "buildcache-" + the target's name, or "TAG-" + it when the tag is longer.
  const std::string target(117, 't');
  CHECK(checked("image x {\n  target " + target + " {\n  }\n}\n") == "");  // 128
  CHECK(checked("image x {\n  target " + target + "u {\n  }\n}\n")
            .rfind("Rigfile:2:10: error: the tags of target '" + target +
                       "u' of image 'x' would be 129 characters long; Docker allows 128\n",
                   0) == 0);
  CHECK(
      checked("image x {\n  tag " + std::string(12, 'v') + "\n  target " + target + " {\n  }\n}\n")
          .find("would be 130 characters long") != std::string::npos);
}

TEST_CASE("spec checks: a secret declared twice") {
  CHECK(checked("image x {\n  secret token env A\n  secret token env B\n}\n") ==
        "Rigfile:3:10: error: secret 'token' is declared twice\n"
        "    secret token env B\n"
        "           ^~~~~\n");
}

TEST_CASE("spec checks run on an image whose packs did not resolve") {
  // The closure fails on the cycle; the image has no packs, so its deps have no
  // installer either. Diagnostics come image by image, in file order.
  Lab lab(
      "image x {\n  packs a lang\n  deps lang.lock\n}\n"
      "image y {\n  packs lnag\n  user root\n}\n");
  const Resolved r = lab.resolve();
  REQUIRE(r.images.size() == 2);
  CHECK(r.images[0].packs.empty());
  std::vector<std::string> messages;
  for (const Diagnostic& d : lab.diagnostics.all())
    messages.push_back(d.message);
  CHECK(messages == std::vector<std::string>{
                        "pack dependency cycle: a -> b -> c -> a", "'a' requires 'b' here",
                        "'b' requires 'c' here", "'c' requires 'a' here",
                        "no pack of image 'x' installs 'lang.lock'; add the pack that does "
                        "(e.g. python for requirements.txt) to 'packs'",
                        "unknown pack 'lnag'; did you mean 'lang'?",
                        "image 'y' runs as root; prefer 'user NAME UID'"});
}

// --- After resolution: the output directory ------------------------------------

TEST_CASE("output directory: a runner's build context must hold the output directory") {
  Lab lab("image app {\n}\nrunner r1 {\n}\nrunner r2 {\n}\n");
  const Resolved r = lab.resolve();
  REQUIRE(lab.rendered() == "");
  check_output_directory(r.images, "docker", "docker", lab.diagnostics);
  check_output_directory(r.images, "sub/../out", "out", lab.diagnostics);
  check_output_directory(r.images, "/abs/out", ".", lab.diagnostics);
  CHECK(lab.rendered() == "");
  // `rigc build spec/Rigfile -o out`: the directory as given is shown, its path
  // from the spec's directory is tested.
  check_output_directory(r.images, "out", "../out", lab.diagnostics);
  CHECK(lab.rendered() ==
        "Rigfile:3:8: error: runner 'r1' needs runner-entrypoint.sh in its build context, but "
        "the output directory 'out' is outside the spec's directory\n"
        "  runner r1 {\n"
        "         ^~\n");
  // Only runners need it.
  Lab images("image app {\n}\n");
  const Resolved only_images = images.resolve();
  check_output_directory(only_images.images, "/elsewhere", "../../elsewhere", images.diagnostics);
  CHECK(images.rendered() == "");
}

// --- The whole pipeline, through the stock packs -------------------------------
// What lowering does with a system version's requirements: a lowering test that
// belongs in lower_test.cpp, kept here until it moves.

TEST_CASE("a system version's own requirements: Debian's node brings npm, node@24 its own") {
  const auto r = test::compile("image a {\n  packs node@18\n}\nimage b {\n  packs node@24\n}\n");
  REQUIRE(r.rendered() == "");
  const std::vector<std::string> system = pack_names(r.resolved.images.at(0));
  CHECK(system == std::vector<std::string>{"base", "npm", "node"});
  CHECK(r.resolved.images.at(0).packs.at(1).reason == "required by 'node'");
  CHECK(r.resolved.images.at(0).packs.at(1).fetched);
  CHECK(pack_names(r.resolved.images.at(1)) == std::vector<std::string>{"base", "node"});
  // The apt layer has nodejs and no Debian npm; npm comes from its own stage.
  const std::string dockerfile = r.dockerfile("a");
  CHECK(dockerfile.find("      nodejs\n") != std::string::npos);
  CHECK(dockerfile.find("      npm\n") == std::string::npos);
  CHECK(dockerfile.find("COPY --from=pack-npm /usr/local/lib/npm /usr/local/lib/npm") !=
        std::string::npos);
  // npm's links are made as root in the RUN that creates the user: no USER switch.
  CHECK(dockerfile.find(" \\\n    && ln -s /usr/local/lib/npm/bin/npm-cli.js /usr/local/bin/npm") !=
        std::string::npos);
  CHECK(dockerfile.find("USER root") == std::string::npos);
  // One archive for every architecture: no `arch` spelling is set (ShellCheck SC2034).
  CHECK(dockerfile.find("/amd64) sha256=") != std::string::npos);
  CHECK(dockerfile.find(") arch=") == std::string::npos);
}

TEST_CASE("a system line's requirements: checked like requires, packages first") {
  const auto uses = [](const std::string& system) {
    Lab lab("pack t {\n  version 1\n  system 1 " + system + "\n}\nimage x {\n  packs t\n}\n");
    const Resolved r = lab.resolve();
    return std::make_pair(
        lab.rendered(), r.images.empty() ? std::vector<std::string>{} : pack_names(r.images.at(0)));
  };
  const auto ok = uses("curl requires extra");
  REQUIRE(ok.first == "");
  CHECK(ok.second == std::vector<std::string>{"base", "extra", "t"});
  CHECK(uses("curl requires exta")
            .first.find("error: unknown pack 'exta'; did you mean "
                        "'extra'?") != std::string::npos);
  CHECK(uses("requires extra")
            .first.find("Rigfile:3:12: error: expected a package name before 'requires'") == 0);
  CHECK(uses("curl requires").first.find("error:") != std::string::npos);
}

// --- Pass 1, second half: pins -----------------------------------------------

namespace {

const std::string kHex4(64, '4');
const std::string kHex5(64, '5');

// The versions of a pack after resolution, as listed.
std::vector<std::string> versions_of(const Resolved& r, const std::string& pack) {
  return pack_versions(r.packs.at(pack));
}

// The checksums of `version` of a resolved pack, as "arch=hex" with the pin flag.
std::vector<std::string> sums_of(const Resolved& r, const std::string& pack,
                                 const std::string& version) {
  std::vector<std::string> out;
  for (const spec::Checksum& c : r.packs.at(pack).fetch->checksums) {
    if (c.version == version)
      out.push_back(c.arch + "=" + c.sha256.substr(0, 1) + (c.pinned ? "*" : ""));
  }
  return out;
}

}  // namespace

TEST_CASE("version order: numbers as numbers, a build after '+' as text after the number") {
  CHECK(version_less("1.9", "1.10"));
  CHECK_FALSE(version_less("1.10", "1.9"));
  CHECK(version_less("2.338.0", "2.339.0"));
  CHECK(version_less("3.12.14+20260814", "3.12.15+20261009"));
  CHECK(version_less("3.12.14+20260814", "3.12.14+20261009"));
  CHECK(version_less("3.9.1+x", "3.10.0+x"));
  CHECK(version_less("1.27", "1.27.1"));
  CHECK_FALSE(version_less("1.27.1", "1.27.1"));
  CHECK(version_line("24.21.0", 1) == "24");
  CHECK(version_line("3.13.15+20260814", 2) == "3.13");
  CHECK(version_line("18", 2) == "18");
  CHECK(version_line("1.27.1", 3) == "1.27.1");
}

TEST_CASE("a pin replaces the downloaded versions of its line, with its own checksums") {
  Lab lab("defaults {\n  pin lang 2.1 sha256 amd64 " + kHex4 + " arm64 " + kHex5 +
          "\n}\nimage x {\n  packs lang@2\n  platforms linux/amd64 linux/arm64\n}\n");
  const Resolved r = lab.resolve();
  REQUIRE(lab.rendered() == "");
  // 2.0 (line 2) gave way to 2.1; the 1.x line and the distribution's 1.0 stay.
  CHECK(versions_of(r, "lang") == std::vector<std::string>{"1.0", "1.9", "1.10", "2.1"});
  CHECK(sums_of(r, "lang", "2.1") == std::vector<std::string>{"amd64=4*", "arm64=5*"});
  CHECK(sums_of(r, "lang", "2.0").empty());
  // The default was the distribution's 1.0, on another line: it stays.
  CHECK(r.packs.at("lang").version->value == "1.0");
  REQUIRE(r.images.size() == 1);
  const auto lang =
      std::find_if(r.images[0].packs.begin(), r.images[0].packs.end(),
                   [](const ResolvedPack& p) { return p.pack->name.value == "lang"; });
  REQUIRE(lang != r.images[0].packs.end());
  CHECK(lang->version == "2.1");
  CHECK(lang->fetched);
  // The library itself is untouched: pins live in the resolution's copy.
  CHECK(lab.library.packs.at(3).fetch->checksums.size() == 3);
}

TEST_CASE("a pin moves the default when the default is on its line, and allows a new version") {
  Lab lab(
      "pack one {\n  version 1.2.0\n  fetch https://e.org/one-@version@.tgz\n  sha256 1.2.0 "
      "amd64 " +
      kHex4 + "\n  extract /opt/one\n}\ndefaults {\n  pin one 1.3.0 sha256 amd64 " + kHex5 +
      "\n}\nimage x {\n  packs one\n}\nimage y {\n  packs one@1.3.0\n}\n");
  const Resolved r = lab.resolve();
  REQUIRE(lab.rendered() == "");
  CHECK(r.packs.at("one").version->value == "1.3.0");
  CHECK(versions_of(r, "one") == std::vector<std::string>{"1.3.0"});
  for (const ResolvedImage& image : r.images)
    CHECK(image.packs.back().version == "1.3.0");
}

TEST_CASE("pins: an unknown pack, a pack without downloads, a system version, two on a line") {
  Lab lab("defaults {\n  pin lnag 2.1 sha256 amd64 " + kHex4 + "\n  pin helper 1 sha256 amd64 " +
          kHex4 + "\n  pin lang 1.0 sha256 amd64 " + kHex4 + "\n  pin lang 2.1 sha256 amd64 " +
          kHex4 + "\n  pin lang 2.2 sha256 amd64 " + kHex5 + "\n}\n");
  lab.resolve();
  CHECK(lab.rendered() ==
        "Rigfile:2:7: error: unknown pack 'lnag'; did you mean 'lang'?\n"
        "    pin lnag 2.1 sha256 amd64 " +
            kHex4 +
            "\n"
            "        ^~~~\n"
            "Rigfile:3:7: error: pack 'helper' downloads nothing (it has no 'fetch'), so there is "
            "no checksum to pin\n"
            "    pin helper 1 sha256 amd64 " +
            kHex4 +
            "\n"
            "        ^~~~~~\n"
            "Rigfile:4:12: error: version '1.0' of pack 'lang' is the distribution's own: it "
            "downloads nothing to pin\n"
            "    pin lang 1.0 sha256 amd64 " +
            kHex4 +
            "\n"
            "             ^~~\n"
            "Rigfile:6:12: error: pack 'lang' is already pinned on line 5 for its versions 2.x; "
            "one pin per line of versions\n"
            "    pin lang 2.2 sha256 amd64 " +
            kHex5 +
            "\n"
            "             ^~~\n");
}

TEST_CASE("a pinned version without a checksum for a platform is an error at the pin") {
  CHECK(checked("defaults {\n  pin lang 2.1 sha256 amd64 " + kHex4 +
                "\n}\nimage x {\n  packs lang@2\n  platforms linux/amd64 linux/arm64\n}\n") ==
        "Rigfile:2:3: error: the pin of pack 'lang' 2.1 has no sha256 for arm64, which image 'x' "
        "builds; `rigc pin lang 2.1` writes one for every platform\n"
        "    pin lang 2.1 sha256 amd64 " +
            kHex4 +
            "\n"
            "    ^~~\n");
}
