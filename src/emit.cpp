#include "rigc/emit.hpp"

#include <algorithm>

namespace rigc {

void Emitter::emit_image(const ir::Build&, const ir::Image&, std::vector<OutputFile>&) const {}

void Emitter::emit(const ir::Build&, std::vector<OutputFile>&) const {}

const std::vector<const Emitter*>& emitters() {
  static const std::vector<const Emitter*> all = {
      &dockerfile_emitter(), &dockerignore_emitter(), &entrypoint_emitter(),
      &compose_emitter(),    &bake_emitter(),         &workflow_emitter(),
      &runs_on_emitter(),    &renovate_emitter(),     &arc_emitter()};
  return all;
}

namespace {

void emit_images(const ir::Build& build, const ir::Image& image, std::vector<OutputFile>& files) {
  for (const Emitter* emitter : emitters())
    emitter->emit_image(build, image, files);
}

std::vector<OutputFile> emit_build(const ir::Build& build, std::vector<OutputFile> files) {
  for (const Emitter* emitter : emitters())
    emitter->emit(build, files);
  std::sort(files.begin(), files.end(),
            [](const OutputFile& a, const OutputFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace

std::vector<OutputFile> emit_all(const ir::Build& build) {
  std::vector<OutputFile> files;
  for (const ir::Image& image : build.images)
    emit_images(build, image, files);
  return emit_build(build, std::move(files));
}

std::vector<OutputFile> emit_all(ir::Build&& build) {
  std::vector<OutputFile> files;
  for (ir::Image& image : build.images) {
    emit_images(build, image, files);
    std::vector<ir::Stage>().swap(image.stages);
  }
  return emit_build(build, std::move(files));
}

}  // namespace rigc
