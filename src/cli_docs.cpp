// The completions and the manual page, from the CLI11 definition. Each option's
// value name says how its values are completed (DIR, SPEC, PACK, PACK,… for a
// comma list, IMAGE, or the choices its IsMember check lists), so a new option
// needs nothing here.
#include "src/cli_docs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace rigc::cli {
namespace {

// "TEXT:{human,github}" -> {"human", "github"}: the choices of an IsMember check.
std::vector<std::string> choices_of(const std::string& type_name) {
  std::vector<std::string> out;
  const auto open = type_name.find('{');
  const auto close = type_name.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return out;
  std::string item;
  for (char c : type_name.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      out.push_back(item);
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  if (!item.empty()) out.push_back(item);
  return out;
}

Argument argument(const CLI::Option& option) {
  Argument a;
  a.positional = !option.nonpositional();
  for (const std::string& s : option.get_snames())
    a.names.push_back("-" + s);
  for (const std::string& l : option.get_lnames())
    a.names.push_back("--" + l);
  if (a.positional) a.names.push_back(option.get_name());
  const std::string type = option.get_type_name();
  a.choices = choices_of(type);
  if (option.get_expected_max() != 0) a.value = type.substr(0, type.find(':'));
  if (a.value.empty() && option.get_expected_max() != 0) a.value = "VALUE";
  a.description = option.get_description();
  a.required = option.get_required();
  return a;
}

void collect(const CLI::App& app, const std::string& path, std::vector<Command>& out) {
  Command command{path, app.get_description(), {}, {}, {}, app.get_footer()};
  for (const CLI::Option* option : app.get_options()) {
    (option->nonpositional() ? command.options : command.positionals).push_back(argument(*option));
  }
  std::vector<const CLI::App*> children;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;  // hidden
    children.push_back(sub);
    command.children.push_back(sub->get_name());
  }
  out.push_back(command);
  for (const CLI::App* sub : children)
    collect(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : separator) + items[i];
  return out;
}

bool takes_spec(const Command& c) {
  return std::any_of(c.positionals.begin(), c.positionals.end(),
                     [](const Argument& a) { return a.value == "SPEC"; });
}

// --- bash ----------------------------------------------------------------------

// How bash completes the value of `a` (after `return` nothing else is tried).
std::string bash_value(const Argument& a) {
  const char* reply = "mapfile -t COMPREPLY < <(";
  if (!a.choices.empty())
    return fmt::format("{}compgen -W \"{}\" -- \"$cur\"); return ;;", reply, join(a.choices, " "));
  if (a.value == "DIR") return fmt::format("{}compgen -d -- \"$cur\"); return ;;", reply);
  if (a.value == "IMAGE" || a.value == "PACK") {
    return fmt::format("{}compgen -W \"$(_rigc_names {})\" -- \"$cur\"); return ;;", reply,
                       a.value == "IMAGE" ? "images" : "packs");
  }
  if (a.value == "PACK,…") {
    return fmt::format(
        "prefix=\"\"; if [[ \"$cur\" == *,* ]]; then prefix=\"${{cur%,*}},\"; fi\n"
        "      {}compgen -P \"$prefix\" -W \"$(_rigc_names packs)\" -- \"${{cur##*,}}\"); "
        "return ;;",
        reply);
  }
  return "return ;;";  // a free value: nothing to offer
}

// The script's fixed text with the generated case arms spliced in, top to bottom as
// the script it prints (hence its length).
std::string bash(const std::vector<Command>& commands) {
  std::string paths, values, words, positional;
  std::map<std::string, std::vector<std::string>> by_action;  // action -> "path|option"
  for (const Command& c : commands) {
    if (!c.path.empty()) paths += " \"" + c.path + "\"";
    std::vector<std::string> all = c.children;
    for (const Argument& a : c.options) {
      all.insert(all.end(), a.names.begin(), a.names.end());
      if (a.value.empty()) continue;
      for (const std::string& name : a.names)
        by_action[bash_value(a)].push_back("\"" + c.path + "|" + name + "\"");
    }
    words += "    \"" + c.path + "\") words=\"" + join(all, " ") + "\" ;;\n";
    for (const Argument& a : c.positionals) {
      if (!a.choices.empty())
        positional += "    \"" + c.path + "\") words=\"" + join(a.choices, " ") + "\" ;;\n";
      else if (a.value == "PACK" || a.value == "IMAGE")
        positional += "    \"" + c.path + "\") words=\"$(_rigc_names " +
                      (a.value == "PACK" ? "packs" : "images") + ")\" ;;\n";
    }
  }
  for (const auto& [action, cases] : by_action)
    values += "    " + join(cases, " | ") + ")\n      " + action + "\n";
  std::vector<std::string> spec_paths;
  for (const Command& c : commands) {
    if (takes_spec(c)) spec_paths.push_back("\"" + c.path + "\"");
  }
  return "# bash completion for rigc, generated by `rigc completion bash` from its command line.\n"
         "# Install: rigc completion bash > /usr/share/bash-completion/completions/rigc\n"
         "\n"
         "# The names `rigc complete KIND` finds in the spec named on the line, or ./Rigfile.\n"
         "_rigc_names() {\n"
         "  local spec=Rigfile w\n"
         "  for w in \"${COMP_WORDS[@]:1}\"; do\n"
         "    case \"$w\" in *.rig | Rigfile | */Rigfile) if [ -f \"$w\" ]; then spec=\"$w\"; fi "
         ";; esac\n"
         "  done\n"
         "  \"${COMP_WORDS[0]}\" complete \"$1\" \"$spec\" 2>/dev/null\n"
         "}\n"
         "\n"
         "_rigc() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
         "  local path=\"\" candidate words=\"\" i known prefix\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    candidate=\"${path:+$path }${COMP_WORDS[i]}\"\n"
         "    for known in" +
         paths +
         "; do\n"
         "      if [ \"$candidate\" = \"$known\" ]; then path=\"$candidate\"; fi\n"
         "    done\n"
         "  done\n"
         "  case \"$path|$prev\" in\n" +
         values +
         "  esac\n"
         "  if [[ \"$cur\" != -* ]]; then\n"
         "    case \"$path\" in\n" +
         positional +
         "    esac\n"
         "    if [ -n \"$words\" ]; then\n"
         "      mapfile -t COMPREPLY < <(compgen -W \"$words\" -- \"$cur\"); return\n"
         "    fi\n"
         "  fi\n"
         "  case \"$path\" in\n" +
         words +
         "  esac\n"
         "  mapfile -t COMPREPLY < <(compgen -W \"$words\" -- \"$cur\")\n"
         "  if [ \"${#COMPREPLY[@]}\" -eq 0 ] && [[ \"$cur\" != -* ]]; then\n"
         "    case \"$path\" in\n"
         "      " +
         (spec_paths.empty() ? std::string("\"\"") : join(spec_paths, " | ")) +
         ")\n"
         "        mapfile -t COMPREPLY < <(compgen -f -X '!@(*.rig|Rigfile)' -o plusdirs -- "
         "\"$cur\") ;;\n"
         "    esac\n"
         "  fi\n"
         "}\n"
         "shopt -s extglob\n"
         "complete -o filenames -F _rigc rigc\n";
}

// --- zsh -----------------------------------------------------------------------

std::string zsh_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else if (c == '[' || c == ']' || c == ':') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

// A description inside `[…]` of an _arguments spec: only brackets and quotes matter.
std::string zsh_description(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else if (c == '[' || c == ']') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string zsh_action(const Argument& a) {
  if (!a.choices.empty()) return "(" + join(a.choices, " ") + ")";
  if (a.value == "DIR") return "_files -/";
  if (a.value == "SPEC") return "_files -g \"*.rig(-.) Rigfile(-.)\"";
  if (a.value == "PACK,…") return "_rigc_packs";
  if (a.value == "PACK") return "_rigc_pack";
  if (a.value == "IMAGE") return "_rigc_images";
  return " ";
}

std::string zsh_arguments(const Command& c) {
  std::string out = "      _arguments -s";
  for (const Argument& a : c.options) {
    const std::string exclusive = a.names.size() > 1 ? "(" + join(a.names, " ") + ")" : "";
    const std::string value =
        a.value.empty() ? "" : ":" + zsh_escape(a.value) + ":" + zsh_action(a);
    for (const std::string& name : a.names) {
      out += " \\\n        '" + exclusive + name + "[" + zsh_description(a.description) + "]" +
             value + "'";
    }
  }
  for (std::size_t i = 0; i < c.positionals.size(); ++i) {
    const Argument& a = c.positionals[i];
    out += fmt::format(" \\\n        '{}:{}{}:{}'", i + 1, a.required ? "" : ":",
                       zsh_escape(a.names.front()), zsh_action(a));
  }
  return out + "\n";
}

std::string zsh(const std::vector<Command>& commands) {
  std::map<std::string, const Command*> by_path;
  for (const Command& c : commands)
    by_path[c.path] = &c;
  std::string out =
      "#compdef rigc\n"
      "# zsh completion for rigc, generated by `rigc completion zsh` from its command line.\n"
      "# Install: rigc completion zsh > /usr/share/zsh/vendor-completions/_rigc\n"
      "\n"
      "# The names `rigc complete KIND` finds in the spec named on the line, or ./Rigfile.\n"
      "_rigc_names() {\n"
      "  local spec=Rigfile w\n"
      "  for w in \"${(@)_rigc_line[2,-1]}\"; do\n"
      "    case \"$w\" in *.rig | Rigfile | */Rigfile) [[ -f \"$w\" ]] && spec=\"$w\" ;; esac\n"
      "  done\n"
      "  \"${_rigc_line[1]}\" complete \"$1\" \"$spec\" 2>/dev/null\n"
      "}\n"
      "_rigc_packs() { _values -s , pack ${(f)\"$(_rigc_names packs)\"} }\n"
      "_rigc_images() { compadd -- ${(f)\"$(_rigc_names images)\"} }\n"
      "_rigc_pack() { compadd -- ${(f)\"$(_rigc_names packs)\"} }\n"
      "\n"
      "_rigc() {\n"
      "  local path=\"\" word i depth=0\n"
      "  local -a _rigc_line=(\"${(@)words}\")\n"
      "  for ((i = 2; i < CURRENT; i++)); do\n"
      "    word=\"${words[i]}\"\n"
      "    case \"${path:+$path }$word\" in\n";
  for (const Command& c : commands) {
    if (!c.path.empty())
      out += "      \"" + c.path + "\") path=\"${path:+$path }$word\"; depth=$((i - 1)) ;;\n";
  }
  out +=
      "    esac\n"
      "  done\n"
      "  # What follows the command's name is read as that command's arguments.\n"
      "  words=(\"${(@)words[depth + 1, -1]}\")\n"
      "  (( CURRENT -= depth ))\n"
      "  case \"$path\" in\n";
  for (const Command& c : commands) {
    out += "    \"" + c.path + "\")\n";
    if (!c.children.empty()) {
      out += "      if (( CURRENT == 2 )) && [[ \"${words[CURRENT]}\" != -* ]]; then\n";
      out += "        local -a subcommands=(\n";
      for (const std::string& child : c.children) {
        const Command& sub = *by_path.at(c.path.empty() ? child : c.path + " " + child);
        out += "          '" + zsh_escape(child) + ":" + zsh_escape(sub.description) + "'\n";
      }
      out += "        )\n        _describe 'command' subcommands\n        return\n      fi\n";
    }
    out += zsh_arguments(c) + "      ;;\n";
  }
  out += "  esac\n}\n\n_rigc \"$@\"\n";
  return out;
}

// --- fish ----------------------------------------------------------------------

std::string fish_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string fish_value(const Argument& a) {
  if (!a.choices.empty()) return " -x -a " + fish_quote(join(a.choices, " "));
  if (a.value == "DIR") return " -x -a '(__fish_complete_directories)'";
  if (a.value == "SPEC") return " -r -F";
  if (a.value == "PACK,…") return " -x -a '(__rigc_pack_list)'";
  if (a.value == "IMAGE") return " -x -a '(__rigc_names images)'";
  if (a.value == "PACK") return " -x -a '(__rigc_names packs)'";
  return " -x";
}

// The helper functions' fixed text, then one `complete` line per command, option
// and subcommand (hence its length).
std::string fish(const std::vector<Command>& commands) {
  std::string paths;
  for (const Command& c : commands) {
    if (!c.path.empty()) paths += " " + fish_quote(c.path);
  }
  std::string out =
      "# fish completion for rigc, generated by `rigc completion fish` from its command line.\n"
      "# Install: rigc completion fish > ~/.config/fish/completions/rigc.fish\n"
      "\n"
      "# The command being completed: '' for rigc itself, 'build', 'new runner'.\n"
      "function __rigc_path\n"
      "    set -l path ''\n"
      "    for word in (commandline -opc)[2..-1]\n"
      "        set -l candidate (string trim -- \"$path $word\")\n"
      "        if contains -- $candidate" +
      paths +
      "\n"
      "            set path $candidate\n"
      "        end\n"
      "    end\n"
      "    echo $path\n"
      "end\n"
      "\n"
      "function __rigc_at\n"
      "    test (__rigc_path) = \"$argv[1]\"\n"
      "end\n"
      "\n"
      "# The names `rigc complete KIND` finds in the spec named on the line, or ./Rigfile.\n"
      "function __rigc_names\n"
      "    set -l line (commandline -opc)\n"
      "    set -l spec Rigfile\n"
      "    for word in $line[2..-1]\n"
      "        if string match -q -r '(^|/)Rigfile$|\\.rig$' -- $word; and test -f $word\n"
      "            set spec $word\n"
      "        end\n"
      "    end\n"
      "    $line[1] complete $argv[1] $spec 2>/dev/null\n"
      "end\n"
      "\n"
      "# Pack names after what the current word already lists: git,py -> git,python.\n"
      "function __rigc_pack_list\n"
      "    set -l prefix (string match -r '^.*,' -- (commandline -ct))\n"
      "    for name in (__rigc_names packs)\n"
      "        echo $prefix$name\n"
      "    end\n"
      "end\n"
      "\n"
      "complete -c rigc -f\n";
  std::map<std::string, const Command*> by_path;
  for (const Command& c : commands)
    by_path[c.path] = &c;
  for (const Command& c : commands) {
    const std::string at = " -n " + fish_quote("__rigc_at " + fish_quote(c.path));
    for (const std::string& child : c.children) {
      const Command& sub = *by_path.at(c.path.empty() ? child : c.path + " " + child);
      out += "complete -c rigc" + at + " -a " + fish_quote(child) + " -d " +
             fish_quote(sub.description) + "\n";
    }
    for (const Argument& a : c.options) {
      out += "complete -c rigc" + at;
      for (const std::string& name : a.names)
        out += (name.rfind("--", 0) == 0 ? " -l " + name.substr(2) : " -s " + name.substr(1));
      out += fish_value(a) + " -d " + fish_quote(a.description) + "\n";
    }
    for (const Argument& a : c.positionals) {
      if (a.value == "SPEC") {
        out += "complete -c rigc" + at + " -F\n";
      } else if (!a.choices.empty() || a.value == "PACK" || a.value == "IMAGE") {
        out += "complete -c rigc" + at + fish_value(a) + "\n";
      }
    }
  }
  return out;
}

// --- the manual page -----------------------------------------------------------

// Text as roff reads it: backslashes and hyphens escaped, no line starting with a
// control character.
std::string roff(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  std::string safe;
  bool line_start = true;
  for (char c : out) {
    if (line_start && (c == '.' || c == '\'')) safe += "\\&";
    safe += c;
    line_start = c == '\n';
  }
  // "…" is UTF-8 that groff would warn about in some devices: the roff escape.
  std::string result;
  for (std::size_t i = 0; i < safe.size(); ++i) {
    if (safe.compare(i, 3, "\xE2\x80\xA6") == 0) {
      result += "\\&...\\&";
      i += 2;
    } else {
      result += safe[i];
    }
  }
  return result;
}

std::string man_argument(const Argument& a) {
  std::string names;
  if (a.positional) {
    names = "\\fI" + roff(a.value) + "\\fR";
  } else {
    for (const std::string& name : a.names)
      names += (names.empty() ? "" : ", ") + std::string("\\fB") + roff(name) + "\\fR";
    if (!a.value.empty()) names += " \\fI" + roff(a.value) + "\\fR";
  }
  std::string text = ".TP\n" + names + "\n" + roff(a.description);
  const bool listed =
      !a.choices.empty() && a.description.find(a.choices.front()) != std::string::npos;
  if (!a.choices.empty() && !listed) text += ": " + roff(join(a.choices, ", "));
  return text + "\n";
}

std::string synopsis(const Command& c, const std::set<std::string>& global) {
  std::string out = ".B rigc" + (c.path.empty() ? std::string() : " " + c.path) + "\n";
  for (const Argument& a : c.options) {
    if (global.count(a.names.back()) != 0 || a.names.back() == "--help") continue;
    out += "[\\fB" + roff(a.names.back()) + "\\fR" +
           (a.value.empty() ? "" : " \\fI" + roff(a.value) + "\\fR") + "]\n";
  }
  for (const Argument& a : c.positionals)
    out += (a.required ? "\\fI" : "[\\fI") + roff(a.value) + (a.required ? "\\fR\n" : "\\fR]\n");
  return out;
}

// The prose of the manual page that the definition does not hold, a paragraph each.
const std::vector<std::string>& description_paragraphs() {
  static const std::vector<std::string> paragraphs = {
      "rigc compiles a spec in the Rig language (a Rigfile, or any *.rig file) that\n"
      "describes container images, above all self-hosted GitHub Actions runners, into\n"
      "the files a repository needs to build and run them: a Dockerfile and a\n"
      ".dockerignore per image, a Compose file, a Bake file, a GitHub Actions workflow,\n"
      "the runners' runs-on labels, a runner entrypoint and a manifest.\n",
      "SPEC defaults to Rigfile in the current directory; the outputs go to docker/\n"
      "beside the spec. Nothing is written when the spec has an error: every error is\n"
      "reported with its file, line and column, in one run.\n",
      "A generated file edited by hand since rigc wrote it is never overwritten without\n"
      "--force: move the edit into the spec instead.\n"};
  return paragraphs;
}

std::string roff_sections() {
  return ".SH EXIT STATUS\n"
         ".TP\n.B 0\nsuccess, or the outputs are up to date\n"
         ".TP\n.B 1\n\\fBcheck\\fR (or \\fBfmt \\-\\-check\\fR) found differences\n"
         ".TP\n.B 2\nan invalid spec, bad usage, or an I/O error\n"
         ".SH ENVIRONMENT\n"
         ".TP\n.B NO_COLOR\n"
         "When set to a non-empty value, diagnostics are not coloured; \\fB\\-\\-color\\fR "
         "still colours them.\n"
         ".SH FILES\n"
         ".TP\n.I Rigfile\nthe spec, unless one is named\n"
         ".TP\n.I docker/\nthe outputs, beside the spec\n"
         ".TP\n.I docker/.rigc\\-manifest\n"
         "the files rigc wrote, each with its SHA\\-256: \\fBbuild\\fR replaces and removes "
         "only those, and refuses to overwrite one edited by hand\n"
         ".SH SEE ALSO\n"
         ".BR docker (1),\n"
         ".BR docker\\-compose (1)\n";
}

}  // namespace

std::vector<Command> describe(const CLI::App& app) {
  std::vector<Command> out;
  collect(app, "", out);
  return out;
}

std::string completion(const std::vector<Command>& commands, const std::string& shell) {
  if (shell == "zsh") return zsh(commands);
  if (shell == "fish") return fish(commands);
  return bash(commands);
}

std::string missing_subcommand(const std::vector<Command>& commands, const std::string& path) {
  const std::string name = path.empty() ? "rigc" : "rigc " + path;
  std::string out = fmt::format("{}: a command is required, one of:\n", name);
  std::vector<const Command*> children;
  std::size_t width = 0;
  for (const Command& c : commands) {
    const auto space = c.path.rfind(' ');
    const std::string parent = space == std::string::npos ? "" : c.path.substr(0, space);
    if (c.path.empty() || parent != path) continue;
    children.push_back(&c);
    width = std::max(width, c.path.size() - (path.empty() ? 0 : path.size() + 1));
  }
  for (const Command* c : children) {
    const std::string child = path.empty() ? c->path : c->path.substr(path.size() + 1);
    out += fmt::format("  {:<{}}  {}\n", child, width, c->description);
  }
  return out + fmt::format("Run `{} COMMAND --help` for the options of one.\n", name);
}

std::string man_page(const std::vector<Command>& commands, const std::string& version) {
  std::set<std::string> global;  // the options of rigc itself, which every command takes
  for (const Argument& a : commands.front().options)
    global.insert(a.names.back());
  std::string out = ".TH RIGC 1 \"\" \"rigc " + roff(version) + "\" \"User Commands\"\n";
  out += ".SH NAME\nrigc \\- " +
         roff(commands.front().description.substr(commands.front().description.find(": ") + 2)) +
         "\n.SH SYNOPSIS\n.ad l\n.nh\n";
  for (const Command& c : commands) {
    if (!c.path.empty() && c.children.empty()) out += synopsis(c, global) + ".br\n";
  }
  out += ".ad\n.hy\n.SH DESCRIPTION\n";
  for (std::size_t i = 0; i < description_paragraphs().size(); ++i)
    out += (i == 0 ? "" : ".PP\n") + roff(description_paragraphs()[i]);
  out += ".SH COMMANDS\n";
  for (const Command& c : commands) {
    if (c.path.empty() || !c.children.empty()) continue;
    out += ".SS \"rigc " + roff(c.path) + "\"\n" + roff(c.description) + ".\n";
    for (const Argument& a : c.positionals)
      out += man_argument(a);
    for (const Argument& a : c.options) {
      if (global.count(a.names.back()) == 0) out += man_argument(a);
    }
    if (!c.footer.empty()) out += ".PP\n.nf\n" + roff(c.footer) + ".fi\n";
  }
  out += ".SH GLOBAL OPTIONS\nEvery command takes these, before or after its name.\n";
  for (const Argument& a : commands.front().options)
    out += man_argument(a);
  return out + roff_sections();
}

}  // namespace rigc::cli
