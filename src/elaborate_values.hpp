#pragma once
// Value checks shared by the statement readers and the walker. A `check_*`
// function reports its own error through the cursor and returns false on bad
// input; an `is_*` or `parse_*` function only answers.

#include <cstdint>
#include <optional>
#include <string>

#include "src/elaborate_args.hpp"

namespace rigc::elab {

// A name of a pack, image, runner, target or cache: lowercase letters, digits and
// '-', starting with a letter.
bool is_name(const std::string& s);
bool check_name(Args& args, const At<std::string>& name, const char* what);

bool no_line_break(Args& args, const At<std::string>& value, const char* what);

// An absolute path in the characters that stay one word everywhere rigc writes it;
// `allow_home`: or `~` / `~/…`, the image user's home.
bool check_absolute(Args& args, const At<std::string>& path, const char* what, bool allow_home);

// A path inside the build context, as COPY reads it.
bool check_relative_source(Args& args, const At<std::string>& path, const char* what);

// A shell command that becomes one line of a RUN or HEALTHCHECK; `joined`: it
// shares its RUN with the steps after it.
bool check_command(Args& args, const At<std::string>& command, const char* what, bool joined);

// A user, group or count number from 0 to 2147483647.
std::optional<std::uint32_t> parse_id(const std::string& text);

bool is_version(const std::string& version);

}  // namespace rigc::elab
