#include "rigc/emit.hpp"
#include "rigc/templates.hpp"

namespace rigc {
namespace {

class DockerignoreEmitter final : public Emitter {
 public:
  const char* name() const override { return "dockerignore"; }
  const char* describe() const override {
    return "<image>.Dockerfile.dockerignore: the build context's ignore file per image";
  }
  void emit_image(const ir::Build& build, const ir::Image& image,
                  std::vector<OutputFile>& out) const override {
    std::string text = render_template(
        "dockerignore-header.txt", {{"spec", build.spec_name}, {"dockerfile", image.dockerfile}});
    for (const std::string& line : *image.ignore)
      (text += line) += '\n';
    out.push_back({image.ignore_file, std::move(text), false, image.location});
  }
};

}  // namespace

const Emitter& dockerignore_emitter() {
  static const DockerignoreEmitter emitter;
  return emitter;
}

}  // namespace rigc
