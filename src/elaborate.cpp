// The walker: reads the syntax tree declaration by declaration, looks each
// statement up in the statement table (src/statements.cpp) and lets its reader
// fill the typed module. Blocks, once-per-block statements, targets and the
// ignore block are handled here; arguments are read by the readers.
#include "rigc/elaborate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "src/elaborate_args.hpp"
#include "src/elaborate_values.hpp"
#include "src/statements.hpp"

namespace rigc {
namespace {

using elab::Args;
using elab::bit;
using elab::check_expression;
using elab::check_name;
using elab::context_name;
using elab::find_statement;
using elab::kMaxWord;
using elab::Statement;
using elab::statement_table;
using spec::At;

// Targets of one image (each becomes a stage and a build of its own).
constexpr std::size_t kMaxTargets = 64;

class Elaborator {
 public:
  explicit Elaborator(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  spec::Module run(const ast::Module& module) {
    for (const ast::Node& node : module.nodes) {
      // Past the first 100 errors nothing more is shown (diagnostics.cpp), so a
      // huge broken spec is not read to its end.
      if (diagnostics_.error_count() > 100) break;
      const std::size_t errors = diagnostics_.error_count();
      declaration(node);
      if (diagnostics_.error_count() > errors) mark_broken(node, false);
    }
    for (const ast::Node& node : module.broken)
      mark_broken(node, true);
    return std::move(module_);
  }

 private:
  // Resolves a statement's keyword in a context, with the errors for unknown and
  // misplaced keywords. Returns null after reporting.
  const Statement* lookup(const ast::Node& node, Context context) {
    const ast::Value& head = node.head;
    if (head.kind != ast::ValueKind::word) {
      diagnostics_.error(head.location,
                         fmt::format("expected a statement keyword, not a quoted string"));
      return nullptr;
    }
    if (const Statement* s = find_statement(head.text, context)) return s;
    // Allowed elsewhere: where, with every row of the keyword (`apt` of images and
    // of packs), and what to write here instead.
    unsigned contexts = 0;
    const Statement* first = nullptr;
    for (const Statement& s : statement_table()) {
      if (head.text != s.keyword) continue;
      contexts |= s.contexts;
      if (first == nullptr || (first->instead == nullptr && s.instead != nullptr)) first = &s;
    }
    if (first != nullptr) {
      std::vector<std::string> where;
      for (Context c : {Context::top, Context::defaults, Context::image, Context::runner,
                        Context::target, Context::pack}) {
        if ((contexts & bit(c)) != 0) where.push_back(context_name(c));
      }
      std::string places = where.back();
      if (where.size() > 1) {
        places =
            fmt::format("{} or {}", fmt::join(where.begin(), where.end() - 1, ", "), where.back());
      }
      diagnostics_.error(head.location, fmt::format("'{}' is not allowed in {}; it belongs in {}{}",
                                                    head.text, context_name(context), places,
                                                    elab::misplaced_hint(*first, context)));
      return nullptr;
    }
    diagnostics_.error(
        head.location,
        fmt::format("unknown statement '{}' in {}{}", head.text, context_name(context),
                    did_you_mean(head.text, statement_keywords(context))));
    return nullptr;
  }

  // A declaration that reported errors is kept as its name only (marked broken), so
  // that later stages leave out what depends on it rather than report it unknown.
  // A `defaults` or `ignore` block that did not parse breaks every image; one that
  // parsed says so itself (a second block, which is dropped, breaks nothing).
  void mark_broken(const ast::Node& node, bool unparsed) {
    const std::string& keyword = node.head.text;
    if (keyword == "defaults" || keyword == "ignore") {
      module_.shared_broken = module_.shared_broken || unparsed;
      return;
    }
    if (keyword != "image" && keyword != "runner" && keyword != "pack") return;
    if (node.args.empty() || node.args[0].kind != ast::ValueKind::word) return;
    const At<std::string> name{node.args[0].text, node.args[0].location};
    const auto here = [&](const At<std::string>& other) {
      return other.location.file == name.location.file &&
             other.location.line == name.location.line &&
             other.location.column == name.location.column;
    };
    if (keyword == "pack") {
      spec::PackDecl pack;
      pack.name = name;
      pack.broken = true;
      for (spec::PackDecl& p : module_.packs) {
        if (here(p.name)) p = pack;
      }
      if (std::none_of(module_.packs.begin(), module_.packs.end(),
                       [&](const spec::PackDecl& p) { return here(p.name); })) {
        module_.packs.push_back(std::move(pack));
      }
      return;
    }
    spec::ImageDecl image;
    image.runner = keyword == "runner";
    image.name = name;
    image.broken = true;
    for (spec::ImageDecl& i : module_.images) {
      if (here(i.name)) i = image;
    }
    if (std::none_of(module_.images.begin(), module_.images.end(),
                     [&](const spec::ImageDecl& i) { return here(i.name); })) {
      module_.images.push_back(std::move(image));
    }
  }

  void declaration(const ast::Node& node) {
    const Statement* s = lookup(node, Context::top);
    if (s == nullptr) return;
    const std::string keyword = s->keyword;
    if (!node.has_block) {
      Location at = node.args.empty() ? node.head.location : node.args.back().location;
      at.column += at.length;
      at.length = 1;
      diagnostics_.error(at, fmt::format("'{}' needs a block: {} … }}", keyword, s->usage));
      return;
    }
    Args args(node, diagnostics_, s->usage);
    if (keyword == "defaults") {
      defaults_block(node, args);
    } else if (keyword == "ignore") {
      ignore_block(node, args);
    } else {
      auto name = args.word("a name");
      if (!name || !check_name(args, *name, keyword.c_str())) return;
      if (keyword == "pack") {
        pack_declaration(node, args, *name);
      } else {
        image_declaration(node, args, keyword, *name);
      }
    }
  }

  void defaults_block(const ast::Node& node, Args& args) {
    args.finish_header();
    if (!args.ok()) return;
    if (module_.defaults) {
      duplicate(node.head.location, "defaults", module_.defaults->location);
      return;
    }
    module_.defaults.emplace();
    module_.defaults->location = node.head.location;
    const std::size_t errors = diagnostics_.error_count();
    settings_block(node, Context::defaults, module_.defaults->value);
    if (diagnostics_.error_count() > errors) module_.shared_broken = true;
  }

  void pack_declaration(const ast::Node& node, Args& args, const At<std::string>& name) {
    args.finish_header();
    if (!args.ok()) return;
    spec::PackDecl pack;
    pack.name = name;
    pack_block(node, pack);
    module_.packs.push_back(std::move(pack));
  }

  // `image NAME [extends OTHER] {` and `runner …`.
  void image_declaration(const ast::Node& node, Args& args, const std::string& keyword,
                         const At<std::string>& name) {
    // The name becomes a Docker repository path component, a Compose service and
    // host name, a Bake target and a workflow matrix entry.
    if (name.value.back() == '-' || name.value.size() > 63) {
      args.error(name.location,
                 fmt::format("invalid {} name '{}': it must end with a letter or digit and be at "
                             "most 63 characters (Docker image and host names)",
                             keyword, name.value));
      return;
    }
    spec::ImageDecl image;
    image.runner = keyword == "runner";
    image.name = name;
    if (args.keyword("extends")) {
      auto other = args.word("the name of the image to extend");
      if (!other || !check_name(args, *other, keyword.c_str())) return;
      image.extends = *other;
    }
    args.finish_header();
    if (!args.ok()) return;
    settings_block(node, image.runner ? Context::runner : Context::image, image.settings);
    module_.images.push_back(std::move(image));
  }

  void duplicate(Location where, const std::string& what, Location first) {
    diagnostics_.error(where, fmt::format("'{}' is already declared on line {}", what, first.line));
  }

  void settings_block(const ast::Node& block, Context context, spec::Settings& settings) {
    std::map<std::string, Location> seen;
    for (const ast::Node& node : block.children) {
      const Statement* s = lookup(node, context);
      if (s == nullptr) continue;
      if (s->single && !once(node, *s, seen)) continue;
      if (std::string(s->keyword) == "target") {
        target(node, settings);
        continue;
      }
      Args args(node, diagnostics_, s->usage);
      args.in_context(context);
      s->settings(args, settings);
      args.finish();
    }
  }

  bool once(const ast::Node& node, const Statement& s, std::map<std::string, Location>& seen) {
    const auto [it, inserted] = seen.emplace(s.keyword, node.head.location);
    if (inserted) return true;
    diagnostics_.error(node.head.location,
                       fmt::format("'{}' is already set in this block on line {}; it takes one "
                                   "value",
                                   s.keyword, it->second.line));
    return false;
  }

  void target(const ast::Node& node, spec::Settings& settings) {
    Args args(node, diagnostics_, statement_usage("target"));
    auto name = args.word("a target name");
    if (!name || !check_name(args, *name, "target")) return;
    if (!node.has_block) {
      args.error(args.end(), "'target' needs a block: target NAME { … }");
      return;
    }
    if (!args.done()) {
      args.error(args.peek()->location, "unexpected argument; usage: target NAME {");
      return;
    }
    if (settings.targets.size() == kMaxTargets) {
      args.error(name->location, fmt::format("more than {} targets in one block", kMaxTargets));
      return;
    }
    for (const spec::Target& existing : settings.targets) {
      if (existing.name.value == name->value) {
        args.error(name->location, fmt::format("target '{}' is already declared on line {}",
                                               name->value, existing.name.location.line));
        return;
      }
    }
    spec::Target t;
    t.name = *name;
    settings_block(node, Context::target, t.settings);
    settings.targets.push_back(std::move(t));
  }

  void pack_block(const ast::Node& block, spec::PackDecl& pack) {
    std::map<std::string, Location> seen;
    for (const ast::Node& node : block.children) {
      const Statement* s = lookup(node, Context::pack);
      if (s == nullptr) continue;
      if (s->single && !once(node, *s, seen)) continue;
      Args args(node, diagnostics_, s->usage);
      args.in_context(Context::pack);
      s->pack(args, pack);
      args.finish();
    }
  }

  void ignore_block(const ast::Node& block, Args& args) {
    args.finish_header();
    if (!args.ok()) return;
    if (module_.ignore) {
      duplicate(block.head.location, "ignore", module_.ignore->location);
      return;
    }
    module_.ignore.emplace();
    module_.ignore->location = block.head.location;
    const std::size_t errors = diagnostics_.error_count();
    for (const ast::Node& node : block.children) {
      if (!node.args.empty() || node.has_block || node.head.kind == ast::ValueKind::list) {
        diagnostics_.error(node.location,
                           "an ignore block holds one pattern per line (quote a pattern with "
                           "spaces)");
        continue;
      }
      const std::string& pattern = node.head.text;
      if (pattern.size() > kMaxWord) {
        diagnostics_.error(node.location,
                           fmt::format("an ignore pattern longer than {} bytes", kMaxWord));
        continue;
      }
      if (pattern.empty() || pattern == "!" || pattern.find_first_of("\n\r") != std::string::npos) {
        diagnostics_.error(node.location, fmt::format("invalid ignore pattern '{}'", pattern));
        continue;
      }
      if (!check_expression(diagnostics_, node.location, pattern)) continue;
      module_.ignore->value.push_back({pattern, node.head.location});
    }
    if (diagnostics_.error_count() > errors) module_.shared_broken = true;
  }

  Diagnostics& diagnostics_;
  spec::Module module_;
};

}  // namespace

spec::Module elaborate(const ast::Module& module, Diagnostics& diagnostics) {
  return Elaborator(diagnostics).run(module);
}

}  // namespace rigc
