#include "rigc/dockerfile_printer.hpp"

#include <fmt/format.h>

#include "rigc/templates.hpp"
#include "rigc/text.hpp"

namespace rigc {
namespace {

constexpr std::string_view kContinue = " \\\n    ";

// Each printer appends to `out`: a Dockerfile of a thousand images is written
// without a temporary string per instruction.
void mount_text(const ir::Mount& m, std::string& out) {
  if (m.type == ir::Mount::Type::cache) {
    out += "--mount=type=cache,target=";
    out += m.target;
    if (m.locked) out += ",sharing=locked";
    out += ",id=";
    out += m.id;
    // Expanded by Buildah and BuildKit's Dockerfile frontend 1.3 and later (the
    // builders CI uses); dockerd 20.10's built-in frontend keeps it as written, one id
    // for every platform, as before.
    if (m.per_platform) out += "-${TARGETARCH}";
  } else if (m.type == ir::Mount::Type::bind) {
    out += "--mount=type=bind,target=";
    out += m.target;
  } else {
    out += "--mount=type=secret,id=";
    out += m.id;
    out += ",target=";
    out += m.target;
  }
  if (m.uid) fmt::format_to(std::back_inserter(out), ",uid={}", *m.uid);
  if (m.gid) fmt::format_to(std::back_inserter(out), ",gid={}", *m.gid);
  if (m.required) out += ",required=true";
}

// Every mount, then every script line, each on its own line.
void run_text(const ir::Run& run, std::string& out) {
  out += "RUN ";
  for (const ir::Mount& m : run.mounts) {
    mount_text(m, out);
    out += kContinue;
  }
  if (run.mounts.empty() || !run.script.empty()) {
    for (const char c : run.script) {
      if (c == '\n') {
        out += kContinue;
      } else {
        out += c;
      }
    }
  } else {
    out.resize(out.size() - kContinue.size());
  }
}

void copy_text(const ir::Copy& copy, std::string& out) {
  out += "COPY";
  if (copy.link) out += " --link";
  if (!copy.from.empty()) (out += " --from=") += copy.from;
  if (!copy.chown.empty()) (out += " --chown=") += copy.chown;
  if (!copy.chmod.empty()) (out += " --chmod=") += copy.chmod;
  for (const std::string& source : copy.sources)
    (out += ' ') += source;
  (out += ' ') += copy.dest;
}

// `KEYWORD k=v`, one pair per line.
void pairs_text(const char* keyword, const ir::Vars& vars, bool expand, std::string& out) {
  out += keyword;
  for (std::size_t i = 0; i < vars.size(); ++i) {
    if (i == 0) {
      out += ' ';
    } else {
      out += kContinue;
    }
    ((out += vars[i].first) += '=') += text::dockerfile_value(vars[i].second, expand);
  }
}

void healthcheck_text(const ir::Healthcheck& h, std::string& out) {
  out += "HEALTHCHECK";
  if (!h.interval.empty()) (out += " --interval=") += h.interval;
  if (!h.timeout.empty()) (out += " --timeout=") += h.timeout;
  if (!h.start.empty()) (out += " --start-period=") += h.start;
  if (h.retries > 0) fmt::format_to(std::back_inserter(out), " --retries={}", h.retries);
  (out += " CMD ") += h.exec.empty() ? h.command : text::json_array(h.exec);
}

struct Printer {
  std::string& out;
  void operator()(const ir::Run& run) const { run_text(run, out); }
  void operator()(const ir::Copy& copy) const { copy_text(copy, out); }
  void operator()(const ir::Env& env) const { pairs_text("ENV", env.vars, true, out); }
  void operator()(const ir::Label& label) const { pairs_text("LABEL", label.labels, false, out); }
  void operator()(const ir::Arg& arg) const {
    (out += "ARG ") += arg.name;
    if (arg.value) (out += '=') += text::dockerfile_value(*arg.value, false);
  }
  void operator()(const ir::User& user) const { (out += "USER ") += user.user; }
  void operator()(const ir::Workdir& workdir) const { (out += "WORKDIR ") += workdir.path; }
  void operator()(const ir::Expose& expose) const {
    (out += "EXPOSE ") += text::join(expose.ports, " ");
  }
  void operator()(const ir::Healthcheck& h) const { healthcheck_text(h, out); }
  void operator()(const ir::Cmd& cmd) const { (out += "CMD ") += text::json_array(cmd.args); }
  void operator()(const ir::Entrypoint& entrypoint) const {
    (out += "ENTRYPOINT ") += text::json_array(entrypoint.args);
  }
  void operator()(const ir::Shell& shell) const {
    (out += "SHELL ") += text::json_array(shell.args);
  }
};

}  // namespace

std::string print_instruction(const ir::Instruction& instruction) {
  std::string out;
  std::visit(Printer{out}, instruction.op);
  return out;
}

void stages_text(const std::vector<ir::Stage>& stages, std::string& out) {
  for (const ir::Stage& stage : stages) {
    ((((out += "\n# ") += stage.name) += ": ") += stage.purpose) += '\n';
    ((((out += "FROM ") += stage.from) += " AS ") += stage.name) += '\n';
    for (const ir::Instruction& in : stage.instructions) {
      for (const std::string& comment : in.comments)
        ((out += "# ") += comment) += '\n';
      std::visit(Printer{out}, in.op);
      out += '\n';
    }
  }
}

std::string dockerfile_text(const ir::Build& build, const ir::Image& image) {
  std::string out;
  out.reserve(8192);
  if (!image.syntax.empty()) ((out += "# syntax=") += image.syntax) += '\n';
  const std::string path =
      build.output_dir == "." ? image.dockerfile : build.output_dir + "/" + image.dockerfile;
  out += render_template("dockerfile-header.txt", {{"spec", build.spec_name},
                                                   {"kind", image.runner ? "runner" : "image"},
                                                   {"name", image.name},
                                                   {"dockerfile", path}});
  stages_text(image.stages, out);
  out.shrink_to_fit();  // a thousand Dockerfiles are kept in memory until written
  return out;
}

}  // namespace rigc
