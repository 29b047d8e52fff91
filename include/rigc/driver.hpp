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
};

int run_build(const DriverOptions& options);
int run_check(const DriverOptions& options);
int run_plan(const DriverOptions& options);
int run_packs(const DriverOptions& options);

}  // namespace rigc
