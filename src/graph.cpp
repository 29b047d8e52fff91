#include "rigc/graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace rigc {
namespace {

struct Edge {
  std::string from, to;
  bool soft = false;  // an `after` ordering rather than a requirement
};

// The packs used by any image and the edges between them, in a stable order.
void pack_graph(const Resolved& resolved, std::set<std::string>& packs, std::vector<Edge>& edges) {
  for (const ResolvedImage& image : resolved.images) {
    for (const ResolvedPack& rp : image.packs)
      packs.insert(rp.pack->name.value);
  }
  // A version's own requirements (its `system` line) count where an image uses it.
  std::map<std::string, std::set<std::string>> needed;
  for (const ResolvedImage& image : resolved.images) {
    for (const ResolvedPack& rp : image.packs) {
      if (rp.system == nullptr) continue;
      for (const auto& r : rp.system->requires_)
        needed[rp.pack->name.value].insert(r.value);
    }
  }
  for (const std::string& name : packs) {
    const spec::PackDecl& pack = resolved.packs.at(name);
    for (const auto& r : pack.requires_)
      edges.push_back({name, r.value, false});
    for (const std::string& r : needed[name]) {
      const bool listed =
          std::any_of(pack.requires_.begin(), pack.requires_.end(),
                      [&](const spec::At<std::string>& own) { return own.value == r; });
      if (!listed) edges.push_back({name, r, false});
    }
    for (const auto& a : pack.after) {
      if (packs.count(a.value) != 0) edges.push_back({name, a.value, true});
    }
  }
}

// Identifiers safe in both DOT and Mermaid.
std::string id(const std::string& prefix, const std::string& name) {
  std::string out = prefix + "_";
  for (char c : name)
    out += c == '-' ? '_' : c;
  return out;
}

}  // namespace

std::string graph_dot(const Resolved& resolved, const ir::Build& build) {
  std::set<std::string> packs;
  std::vector<Edge> edges;
  pack_graph(resolved, packs, edges);
  std::string out = "digraph rigc {\n  rankdir=LR;\n  node [shape=box, fontname=\"sans-serif\"];\n";
  out += "  subgraph cluster_packs {\n    label=\"packs (solid: requires, dashed: after)\";\n";
  for (const std::string& p : packs)
    out += fmt::format("    {} [label=\"{}\"];\n", id("pack", p), p);
  for (const Edge& e : edges) {
    out += fmt::format("    {} -> {}{};\n", id("pack", e.from), id("pack", e.to),
                       e.soft ? " [style=dashed]" : "");
  }
  out += "  }\n";
  for (const ir::Image& image : build.images) {
    const std::string prefix = id("image", image.name);
    out += fmt::format("  subgraph cluster_{} {{\n    label=\"{} {}\";\n", prefix,
                       image.runner ? "runner" : "image", image.name);
    for (const ir::Stage& stage : image.stages) {
      out += fmt::format("    {} [label=\"{}\"];\n", id(prefix, stage.name), stage.name);
    }
    for (const ir::Stage& stage : image.stages) {
      const bool is_stage = std::any_of(image.stages.begin(), image.stages.end(),
                                        [&](const ir::Stage& s) { return s.name == stage.from; });
      if (is_stage)
        out += fmt::format("    {} -> {};\n", id(prefix, stage.from), id(prefix, stage.name));
      for (const std::string& from : ir::copied_from(stage)) {
        out += fmt::format("    {} -> {} [style=dashed, label=\"COPY\"];\n", id(prefix, from),
                           id(prefix, stage.name));
      }
    }
    out += "  }\n";
  }
  return out + "}\n";
}

std::string graph_mermaid(const Resolved& resolved, const ir::Build& build) {
  std::set<std::string> packs;
  std::vector<Edge> edges;
  pack_graph(resolved, packs, edges);
  std::string out = "flowchart LR\n  subgraph packs[\"packs: requires ⟶, after ⇢\"]\n";
  for (const std::string& p : packs)
    out += fmt::format("    {}[\"{}\"]\n", id("pack", p), p);
  for (const Edge& e : edges) {
    out += fmt::format("    {} {} {}\n", id("pack", e.from), e.soft ? "-.->" : "-->",
                       id("pack", e.to));
  }
  out += "  end\n";
  for (const ir::Image& image : build.images) {
    const std::string prefix = id("image", image.name);
    out += fmt::format("  subgraph {}[\"{} {}\"]\n", prefix, image.runner ? "runner" : "image",
                       image.name);
    for (const ir::Stage& stage : image.stages) {
      out += fmt::format("    {}[\"{}\"]\n", id(prefix, stage.name), stage.name);
    }
    for (const ir::Stage& stage : image.stages) {
      const bool is_stage = std::any_of(image.stages.begin(), image.stages.end(),
                                        [&](const ir::Stage& s) { return s.name == stage.from; });
      if (is_stage)
        out += fmt::format("    {} --> {}\n", id(prefix, stage.from), id(prefix, stage.name));
      for (const std::string& from : ir::copied_from(stage)) {
        out += fmt::format("    {} -. COPY .-> {}\n", id(prefix, from), id(prefix, stage.name));
      }
    }
    out += "  end\n";
  }
  return out;
}

}  // namespace rigc
