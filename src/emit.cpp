#include "rigc/emit.hpp"

#include <algorithm>

namespace rigc {

const std::vector<const Emitter*>& emitters() {
  static const std::vector<const Emitter*> all = {
      &dockerfile_emitter(), &dockerignore_emitter(), &entrypoint_emitter(), &compose_emitter(),
      &bake_emitter(),       &workflow_emitter(),     &runs_on_emitter()};
  return all;
}

std::vector<OutputFile> emit_all(const ir::Build& build) {
  std::vector<OutputFile> files;
  for (const Emitter* emitter : emitters())
    emitter->emit(build, files);
  std::sort(files.begin(), files.end(),
            [](const OutputFile& a, const OutputFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace rigc
