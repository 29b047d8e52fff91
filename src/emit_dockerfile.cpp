#include <fmt/format.h>

#include "rigc/emit.hpp"
#include "rigc/templates.hpp"

namespace rigc {

std::string dockerfile_text(const ir::Build& build, const ir::Image& image) {
  std::string out;
  if (!image.syntax.empty()) out += "# syntax=" + image.syntax + "\n";
  const std::string path =
      build.output_dir == "." ? image.dockerfile : build.output_dir + "/" + image.dockerfile;
  out += render_template("dockerfile-header.txt", {{"spec", build.spec_name},
                                                   {"kind", image.runner ? "runner" : "image"},
                                                   {"name", image.name},
                                                   {"dockerfile", path}});
  for (const ir::Stage& stage : image.stages) {
    out += fmt::format("\n# {}: {}\n", stage.name, stage.purpose);
    out += fmt::format("FROM {} AS {}\n", stage.from, stage.name);
    for (const ir::Instruction& in : stage.instructions) {
      for (const std::string& comment : in.comments)
        out += "# " + comment + "\n";
      out += in.text + "\n";
    }
  }
  return out;
}

namespace {

class DockerfileEmitter final : public Emitter {
 public:
  const char* name() const override { return "dockerfile"; }
  const char* describe() const override {
    return "<image>.Dockerfile: an optimized multi-stage Dockerfile per image";
  }
  void emit(const ir::Build& build, std::vector<OutputFile>& out) const override {
    for (const ir::Image& image : build.images) {
      out.push_back({image.dockerfile, dockerfile_text(build, image), false, image.location});
    }
  }
};

}  // namespace

const Emitter& dockerfile_emitter() {
  static const DockerfileEmitter emitter;
  return emitter;
}

}  // namespace rigc
