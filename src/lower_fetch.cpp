// Fetching packs: a `fetch` stage with the download tools, and one stage per pack
// that downloads its archive, checks the SHA-256 and unpacks it. The final image
// copies only the unpacked directory, so download tools never reach it, and the
// pack stages build in parallel.
#include <fmt/format.h>

#include <algorithm>

#include "lower_image.hpp"
#include "rigc/templates.hpp"
#include "rigc/text.hpp"

namespace rigc::lowering {
namespace {

bool is_zip(const std::string& url) {
  return url.size() >= 4 && url.compare(url.size() - 4, 4, ".zip") == 0;
}

// `text` with the fetch placeholders as shell variables of the download step.
std::string in_shell(std::string text, const std::string& stem) {
  const auto replace = [&](const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  };
  replace("@mirror@", "${" + stem + "_MIRROR}");
  replace("@version-base@", "${" + stem + "_VERSION%%+*}");
  replace("@version-build@", "${" + stem + "_VERSION#*+}");
  replace("@version@", "${" + stem + "_VERSION}");
  replace("@arch@", "${arch}");
  return text;
}

// Unpacks the download (the whole archive or its `only` members; a `file` is
// installed as an executable), then runs the pack's fetch-run command.
std::string extract_command(const spec::Fetch& fetch, const std::string& pack,
                            const std::string& stem) {
  const std::string archive = "/tmp/" + pack + ".archive";
  const std::string dir = text::shell_quote(fetch.extract);
  std::string members;
  for (const std::string& member : fetch.only)
    members += " " + text::shell_quote(member);
  std::string command;
  if (!fetch.file.empty()) {
    command = fmt::format("install -m 755 {} {}", archive,
                          text::shell_quote(fetch.extract + "/" + fetch.file));
  } else if (is_zip(fetch.url.value)) {
    command = fmt::format("unzip -q {}{} -d {}", archive, members, dir);
  } else {
    command = fmt::format("tar -xf {} -C {}{}{}", archive, dir,
                          fetch.strip > 0 ? fmt::format(" --strip-components={}", fetch.strip) : "",
                          members);
  }
  if (fetch.run) command += "\n&& " + in_shell(fetch.run->value, stem);
  return command;
}

// The URL a version downloads: its `fetch … for` line, or the pack's URL.
const std::string& url_of(const spec::Fetch& fetch, const std::string& version) {
  for (const spec::VersionUrl& per_version : fetch.version_urls) {
    for (const auto& v : per_version.versions) {
      if (v.value == version) return per_version.url.value;
    }
  }
  return fetch.url.value;
}

bool uses_arch(const spec::Fetch& fetch) {
  const auto has = [](const std::string& text) { return text.find("@arch@") != std::string::npos; };
  return has(fetch.url.value) || (fetch.run && has(fetch.run->value)) ||
         std::any_of(fetch.version_urls.begin(), fetch.version_urls.end(),
                     [&](const spec::VersionUrl& u) { return has(u.url.value); });
}

// Every version with checksums, so --build-arg can pick another listed one. The
// upstream spelling of the architecture only where the URL or the fetch-run
// command uses it (an archive for every architecture, such as npm's, needs none);
// the URL itself only when versions download from different URLs.
std::string checksum_cases(const spec::Fetch& fetch, const std::string& stem) {
  const bool arch = uses_arch(fetch);
  const bool per_version = !fetch.version_urls.empty();
  std::string cases;
  for (const spec::Checksum& sum : fetch.checksums) {
    std::string upstream = sum.arch;
    for (const spec::Pair& mapping : fetch.arch) {
      if (mapping.key == sum.arch) upstream = mapping.value;
    }
    if (!cases.empty()) cases += '\n';
    cases += fmt::format(
        "  {}/{}) {}{}sha256={} ;;", sum.version, sum.arch, arch ? "arch=" + upstream + " " : "",
        per_version ? "url=\"" + in_shell(url_of(fetch, sum.version), stem) + "\" " : "",
        sum.sha256);
  }
  return cases;
}

ir::Stage pack_stage(const ResolvedPack& rp) {
  const spec::PackDecl& pack = *rp.pack;
  const spec::Fetch& fetch = *pack.fetch;
  const std::string name = pack.name.value;
  const std::string stem = text::arg_stem(name);
  ir::Stage st = new_stage("pack-" + name, "fetch",
                           fmt::format("pack {} {}, downloaded and checked; only {} is copied out",
                                       name, rp.version, fetch.copied()));
  st.instructions.push_back(instruction(ir::Arg{stem + "_VERSION", rp.version}, ir::Layer::stage,
                                        "the pack's version; override with --build-arg"));
  if (!fetch.mirror.empty()) {
    st.instructions.push_back(instruction(ir::Arg{stem + "_MIRROR", fetch.mirror}, ir::Layer::stage,
                                          "where archives are downloaded from; override for a "
                                          "mirror"));
  }
  st.instructions.push_back(instruction(ir::Arg{"TARGETARCH", std::nullopt}, ir::Layer::stage,
                                        "the architecture being built"));
  ir::Run run;
  run.kind = ir::StepKind::download;
  ir::append_command(
      run, render_template(
               "fetch.sh",
               {{"stem", stem},
                {"pack", name},
                {"cases", checksum_cases(fetch, stem)},
                {"url", fetch.version_urls.empty() ? in_shell(fetch.url.value, stem) : "${url}"},
                {"dir", text::shell_quote(fetch.extract)},
                {"extract", extract_command(fetch, name, stem)}}));
  st.instructions.push_back(instruction(
      std::move(run), ir::Layer::toolchains, "changes when the pack's version or checksums change",
      {"Download, verify the SHA-256 (a mismatch fails the build), unpack."}));
  return st;
}

bool any_fetch(const ImageContext& c) {
  return std::any_of(c.image.packs.begin(), c.image.packs.end(),
                     [](const ResolvedPack& rp) { return rp.fetched; });
}

// The download tools the base stage lacks: another apt-get run would only update
// the index again before every download (the base pack has them all).
std::vector<std::string> missing_tools(const ImageContext& c) {
  const std::vector<std::string> in_base = base_packages(c);
  std::vector<std::string> missing;
  for (const char* tool : {"ca-certificates", "curl", "unzip", "xz-utils"}) {
    if (std::find(in_base.begin(), in_base.end(), tool) == in_base.end()) missing.push_back(tool);
  }
  return missing;
}

}  // namespace

bool pack_stage_adds_only(const ImageContext& c, const std::string& stage) {
  if (!missing_tools(c).empty()) return false;
  for (const ResolvedPack& rp : c.image.packs) {
    if (rp.fetched && "pack-" + rp.pack->name.value == stage)
      return !rp.pack->fetch->run && rp.pack->fetch->copied() == rp.pack->fetch->extract;
  }
  return false;
}

std::vector<ir::Stage> fetch_stages(const ImageContext& c) {
  if (!any_fetch(c)) return {};
  std::vector<ir::Stage> stages;
  const std::vector<std::string> missing = missing_tools(c);
  stages.push_back(new_stage("fetch", "base",
                             missing.empty() ? "the pack stages' start (the base stage has the "
                                               "download tools); never in the final image"
                                             : "download tools for the pack stages; never in the "
                                               "final image"));
  if (!missing.empty())
    stages.back().instructions.push_back(apt_layer(c, missing, ir::Layer::os_packages,
                                                   "Download tools.",
                                                   "changes when the base stage changes", false));
  for (const ResolvedPack& rp : c.image.packs) {
    if (rp.fetched) stages.push_back(pack_stage(rp));
  }
  return stages;
}

ir::Vars fetch_build_args(const ImageContext& c) {
  ir::Vars args;
  for (const ResolvedPack& rp : c.image.packs) {
    if (!rp.fetched) continue;
    const std::string stem = text::arg_stem(rp.pack->name.value);
    args.emplace_back(stem + "_VERSION", rp.version);
    if (!rp.pack->fetch->mirror.empty())
      args.emplace_back(stem + "_MIRROR", rp.pack->fetch->mirror);
  }
  return args;
}

}  // namespace rigc::lowering
