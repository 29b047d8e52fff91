#pragma once
/// Stage 4: resolved spec to build IR. Every rule of §4 that concerns layout —
/// stages, layer order, cache mounts, ownership, users — is decided here.

#include <string>

#include "rigc/diagnostics.hpp"
#include "rigc/ir.hpp"
#include "rigc/resolver.hpp"

namespace rigc {

struct LowerOptions {
  std::string spec_name;       ///< e.g. "Rigfile"
  std::string output_dir;      ///< relative to the spec's directory, e.g. "docker"
  std::string context = "..";  ///< the spec's directory, relative to the output directory
  std::string repo_dir = ".";  ///< the spec's directory, relative to the repository root
  bool in_repository = false;  ///< a `.git` was found above the spec (a workflow can go there)
};

ir::Build lower(const Resolved& resolved, const LowerOptions& options, Diagnostics& diagnostics);

}  // namespace rigc
