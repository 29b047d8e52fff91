#pragma once
/// The build context on disk. Every stage before is pure; this one check reads the
/// disk, so compile() runs it only when the caller names the context (the spec's
/// directory): a `deps` file or `copy` source that is not there would only fail
/// when the image is built. Tools that compile specs without their sources (the
/// fuzzer, the unit tests, `--no-context-check`) leave it out.

#include <string>

#include "rigc/diagnostics.hpp"
#include "rigc/ir.hpp"

namespace rigc {

/// Checks that each image's context inputs exist under `context_dir`: a `deps`
/// file as a file, a `copy` source as a file or a directory, and a source with
/// wildcards (`*`, `?`, `[`) matching at least one path that the image's ignore
/// lines send. (An input the ignore lines leave out is validate()'s error.) Only
/// looks at the disk, never follows a path outside `context_dir` by `..`.
void check_context_on_disk(const ir::Build& build, const std::string& context_dir,
                           Diagnostics& diagnostics);

}  // namespace rigc
