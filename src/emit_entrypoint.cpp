#include "rigc/emit.hpp"
#include "rigc/templates.hpp"

namespace rigc {
namespace {

class EntrypointEmitter final : public Emitter {
 public:
  const char* name() const override { return "entrypoint"; }
  const char* describe() const override {
    return "runner-entrypoint.sh: registers, runs and deregisters a runner (when the spec has "
           "runners)";
  }
  void emit(const ir::Build& build, std::vector<OutputFile>& out) const override {
    if (!build.entrypoint) return;
    out.push_back({"runner-entrypoint.sh",
                   render_template("runner-entrypoint.sh", {{"spec", build.spec_name}}),
                   true,
                   {}});
  }
};

}  // namespace

const Emitter& entrypoint_emitter() {
  static const EntrypointEmitter emitter;
  return emitter;
}

}  // namespace rigc
