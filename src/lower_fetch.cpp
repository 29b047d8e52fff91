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

bool is_zip(const spec::Fetch& fetch) {
  const std::string& url = fetch.url.value;
  return url.size() >= 4 && url.compare(url.size() - 4, 4, ".zip") == 0;
}

std::string extract_command(const spec::Fetch& fetch, const std::string& pack) {
  const std::string archive = "/tmp/" + pack + ".archive";
  const std::string dir = text::shell_quote(fetch.extract);
  if (is_zip(fetch)) return fmt::format("unzip -q {} -d {}", archive, dir);
  return fmt::format("tar -xf {} -C {}{}", archive, dir,
                     fetch.strip > 0 ? fmt::format(" --strip-components={}", fetch.strip) : "");
}

// Every version with checksums, so --build-arg can pick another listed one. The
// upstream spelling of the architecture only where the URL uses it (an archive
// for every architecture, such as npm's, needs none).
std::string checksum_cases(const spec::Fetch& fetch) {
  const bool uses_arch = fetch.url.value.find("@arch@") != std::string::npos;
  std::string cases;
  for (const spec::Checksum& sum : fetch.checksums) {
    std::string upstream = sum.arch;
    for (const spec::Pair& mapping : fetch.arch) {
      if (mapping.key == sum.arch) upstream = mapping.value;
    }
    if (!cases.empty()) cases += '\n';
    cases += fmt::format("  {}/{}) {}sha256={} ;;", sum.version, sum.arch,
                         uses_arch ? "arch=" + upstream + " " : "", sum.sha256);
  }
  return cases;
}

// The URL with its placeholders as shell variables of the download step.
std::string url_in_shell(const spec::Fetch& fetch, const std::string& stem) {
  std::string url = fetch.url.value;
  const auto replace = [&](const std::string& from, const std::string& to) {
    for (std::size_t at = url.find(from); at != std::string::npos;
         at = url.find(from, at + to.size())) {
      url.replace(at, from.size(), to);
    }
  };
  replace("@mirror@", "${" + stem + "_MIRROR}");
  replace("@version@", "${" + stem + "_VERSION}");
  replace("@arch@", "${arch}");
  return url;
}

ir::Stage pack_stage(const ResolvedPack& rp) {
  const spec::PackDecl& pack = *rp.pack;
  const spec::Fetch& fetch = *pack.fetch;
  const std::string name = pack.name.value;
  const std::string stem = text::arg_stem(name);
  ir::Stage st = new_stage("pack-" + name, "fetch",
                           fmt::format("pack {} {}, downloaded and checked; only {} is copied out",
                                       name, rp.version, fetch.extract));
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
  ir::append_command(run, render_template("fetch.sh", {{"stem", stem},
                                                       {"pack", name},
                                                       {"cases", checksum_cases(fetch)},
                                                       {"url", url_in_shell(fetch, stem)},
                                                       {"dir", text::shell_quote(fetch.extract)},
                                                       {"extract", extract_command(fetch, name)}}));
  st.instructions.push_back(instruction(
      std::move(run), ir::Layer::toolchains, "changes when the pack's version or checksums change",
      {"Download, verify the SHA-256 (a mismatch fails the build), unpack."}));
  return st;
}

bool any_fetch(const ImageContext& c) {
  return std::any_of(c.image.packs.begin(), c.image.packs.end(),
                     [](const ResolvedPack& rp) { return rp.fetched; });
}

}  // namespace

std::vector<ir::Stage> fetch_stages(const ImageContext& c) {
  if (!any_fetch(c)) return {};
  std::vector<ir::Stage> stages;
  stages.push_back(
      new_stage("fetch", "base", "download tools for the pack stages; never in the final image"));
  stages.back().instructions.push_back(
      apt_layer(c, {"ca-certificates", "curl", "unzip", "xz-utils"}, ir::Layer::os_packages,
                "Download tools.", "changes when the base stage changes", false));
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
