#include "rigc/ir.hpp"

#include <algorithm>

namespace rigc::ir {

const char* layer_name(Layer layer) {
  switch (layer) {
    case Layer::stage:
      return "stage";
    case Layer::os_packages:
      return "os-packages";
    case Layer::toolchains:
      return "toolchains";
    case Layer::tools:
      return "tools";
    case Layer::image_packages:
      return "image-packages";
    case Layer::user:
      return "user";
    case Layer::deps:
      return "deps";
    case Layer::config:
      return "config";
    case Layer::run:
      return "run";
    case Layer::sources:
      return "sources";
    case Layer::metadata:
      return "metadata";
  }
  return "stage";
}

void append_command(Run& run, std::string_view command) {
  if (!command.empty() && command.back() == '\n') command.remove_suffix(1);
  if (!run.script.empty()) run.script += "\n&& ";
  run.script += command;
}

std::vector<std::string> copied_from(const Stage& stage) {
  std::vector<std::string> stages;
  for (const Instruction& in : stage.instructions) {
    const Copy* copy = std::get_if<Copy>(&in.op);
    if (copy == nullptr || copy->from.empty()) continue;
    if (std::find(stages.begin(), stages.end(), copy->from) == stages.end())
      stages.push_back(copy->from);
  }
  return stages;
}

}  // namespace rigc::ir
