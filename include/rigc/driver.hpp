#pragma once
/// The commands: each runs the pipeline and maps the outcome to an exit code
/// (0 success / up to date, 1 differences found, 2 invalid spec, usage or I/O).

#include <string>
#include <vector>

#include "rigc/diagnostics.hpp"

namespace rigc {

struct DriverOptions {
  std::string spec = "Rigfile";
  std::string output_dir;  ///< "" means docker/ beside the spec
  std::vector<std::string> pack_path;
  ErrorFormat error_format = ErrorFormat::human;
  bool color = false;
  bool force = false;
  std::string format = "text";
  bool check_only = false;            ///< fmt --check
  std::string name;                   ///< new runner/pack NAME
  std::vector<std::string> packs;     ///< new runner --packs
  std::vector<std::string> labels;    ///< new runner --labels
  std::string limits;                 ///< new runner --limits cpus=2,memory=4G
  std::string pin_pack, pin_version;  ///< pin PACK VERSION
  std::string mirror;                 ///< pin --mirror: replaces the pack's @mirror@
  bool no_download = false;           ///< pin --no-download: trust the published list
};

int run_build(const DriverOptions& options);
int run_check(const DriverOptions& options);
int run_plan(const DriverOptions& options);
int run_packs(const DriverOptions& options);
int run_graph(const DriverOptions& options);
int run_fmt(const DriverOptions& options);
int run_new_runner(const DriverOptions& options);
int run_new_pack(const DriverOptions& options);
/// `rigc pin PACK VERSION [SPEC]`: the version's checksums from upstream (through
/// the pack's mirror), written into the spec's `defaults` as a `pin`.
int run_pin(const DriverOptions& options);
/// `rigc pin --check [SPEC]`: the pins and downloaded versions that have a newer
/// upstream release on their line (exit 1 when some do).
int run_pin_check(const DriverOptions& options);

}  // namespace rigc
