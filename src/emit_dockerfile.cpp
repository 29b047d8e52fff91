#include "rigc/dockerfile_printer.hpp"
#include "rigc/emit.hpp"

namespace rigc {
namespace {

class DockerfileEmitter final : public Emitter {
 public:
  const char* name() const override { return "dockerfile"; }
  const char* describe() const override {
    return "<image>.Dockerfile: an optimized multi-stage Dockerfile per image";
  }
  void emit_image(const ir::Build& build, const ir::Image& image,
                  std::vector<OutputFile>& out) const override {
    out.push_back({image.dockerfile, dockerfile_text(build, image), false, image.location});
  }
};

}  // namespace

const Emitter& dockerfile_emitter() {
  static const DockerfileEmitter emitter;
  return emitter;
}

}  // namespace rigc
