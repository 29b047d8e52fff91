#include "rigc/context_check.hpp"

#include <fmt/format.h>
#include <glob.h>
#include <sys/stat.h>

#include <map>

#include "rigc/ignore_match.hpp"

namespace rigc {
namespace {

enum class OnDisk { absent, file, directory };

OnDisk look(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return OnDisk::absent;
  return S_ISDIR(st.st_mode) ? OnDisk::directory : OnDisk::file;
}

bool has_wildcard(const std::string& path) {
  return path.find_first_of("*?[") != std::string::npos;
}

// The paths under `dir` that `pattern` matches (as COPY's sources match, one
// directory level per '/'), relative to `dir`.
std::vector<std::string> matches(const std::string& dir, const std::string& pattern) {
  std::vector<std::string> out;
  const std::string prefix = dir + "/";
  glob_t found{};
  if (::glob((prefix + pattern).c_str(), GLOB_NOSORT, nullptr, &found) == 0) {
    for (std::size_t i = 0; i < found.gl_pathc; ++i)
      out.emplace_back(std::string(found.gl_pathv[i]).substr(prefix.size()));
  }
  ::globfree(&found);
  return out;
}

// The fix every message ends with.
constexpr const char* kEscape = "or pass --no-context-check to generate before it exists";

void check_input(const ir::Image& image, const ir::ContextInput& input, const std::string& dir,
                 const IgnoreMatcher& matcher, Diagnostics& diagnostics) {
  const bool deps = input.kind == ir::ContextInput::Kind::deps;
  const std::string what = deps ? "deps file" : "copy source";
  if (!deps && has_wildcard(input.path)) {
    for (const std::string& path : matches(dir, input.path)) {
      if (!matcher.excluded(path)) return;
    }
    diagnostics.error(input.location,
                      fmt::format("copy source '{}' of image '{}' matches nothing in the build "
                                  "context '{}' (the spec's directory) that its ignore lines "
                                  "send; correct the pattern, {}",
                                  input.path, image.name, dir, kEscape));
    return;
  }
  const OnDisk found = look(dir + "/" + input.path);
  if (found == OnDisk::absent) {
    diagnostics.error(input.location,
                      fmt::format("{} '{}' of image '{}' is not in the build context '{}' (the "
                                  "spec's directory); create it or correct the path, {}",
                                  what, input.path, image.name, dir, kEscape));
  } else if (deps && found == OnDisk::directory) {
    diagnostics.error(input.location,
                      fmt::format("deps file '{}' of image '{}' is a directory; name the "
                                  "dependency manifest itself (e.g. requirements.txt)",
                                  input.path, image.name));
  }
}

}  // namespace

void check_context_on_disk(const ir::Build& build, const std::string& context_dir,
                           Diagnostics& diagnostics) {
  // Images share their ignore lines: one matcher per list (as validate does).
  std::map<const std::vector<std::string>*, IgnoreMatcher> matchers;
  for (const ir::Image& image : build.images) {
    if (image.context_inputs.empty()) continue;
    auto known = matchers.find(image.ignore.get());
    if (known == matchers.end())
      known = matchers.emplace(image.ignore.get(), IgnoreMatcher(*image.ignore)).first;
    for (const ir::ContextInput& input : image.context_inputs) {
      // An input the ignore lines leave out is already validate()'s error.
      if (clean_path(input.path) != "." && known->second.excluded(input.path)) continue;
      check_input(image, input, context_dir, known->second, diagnostics);
    }
  }
}

}  // namespace rigc
