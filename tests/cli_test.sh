#!/usr/bin/env bash
# The command line contract of §2: exit codes, build/check round trips, stale
# files, refusing to overwrite, nothing written on failure, --help and --version.
set -u
rigc="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export NO_COLOR=1
passed=0
failed=0

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# expect CODE DESCRIPTION -- COMMAND...
expect() {
  local code="$1" what="$2"
  shift 3
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [ "$got" -eq "$code" ]; then ok; else fail "$what: exit $got, expected $code"; sed 's/^/  /' "$work/out" "$work/err"; fi
}
contains() {  # contains FILE TEXT DESCRIPTION
  if grep -qF -- "$2" "$1"; then ok; else fail "$3: '$2' not in output"; sed 's/^/  /' "$1"; fi
}

cd "$work" || exit 2
cp "$root/examples/runners/Rigfile" Rigfile

expect 0 "--version" -- "$rigc" --version
contains "$work/out" "rigc " "--version prints the version"
expect 0 "--help" -- "$rigc" --help
contains "$work/out" "build" "--help lists commands"
for command in build check plan packs; do
  expect 0 "$command --help" -- "$rigc" "$command" --help
done
expect 0 "build --help lists outputs" -- "$rigc" build --help
contains "$work/out" ".Dockerfile.dockerignore" "build --help names every output"
expect 2 "unknown command" -- "$rigc" frobnicate
expect 2 "unknown option" -- "$rigc" build --no-such-flag

expect 1 "check before build" -- "$rigc" check
contains "$work/out" "missing: docker/cpp.Dockerfile" "check reports missing files"
expect 0 "build" -- "$rigc" build
expect 0 "check after build" -- "$rigc" check
contains "$work/out" "up to date" "check says up to date"
expect 0 "second build changes nothing" -- "$rigc" build
contains "$work/out" "0 written" "second build writes nothing"

# A hand edit: check exits 1 with a unified diff and calls it a hand edit; build
# refuses to throw it away (exit 2, the file named, nothing written) until --force.
sed -i 's/^FROM base AS final$/FROM base AS final-edited/' docker/cpp.Dockerfile
expect 1 "check after hand edit" -- "$rigc" check
contains "$work/out" "-FROM base AS final-edited" "the diff shows the edit"
contains "$work/out" "+FROM base AS final" "the diff shows the generated line"
contains "$work/out" "edited by hand: docker/cpp.Dockerfile" "check names the edited file"
if grep -q "^changed: docker/cpp.Dockerfile" "$work/out"; then fail "an edited file is reported as out of date"; else ok; fi
contains "$work/out" "1 edited by hand" "check counts the edited files"
expect 1 "check --error-format github" -- "$rigc" check --error-format github
contains "$work/out" "::error file=Rigfile,line=12,col=8::docker/cpp.Dockerfile was edited by hand" "annotations point at the image's spec line"
printf '\nrunner extra extends base {\n  packs cpp\n}\n' >> Rigfile
before="$(find docker -type f -exec sha256sum {} + | sort | sha256sum)"
expect 2 "build refuses to overwrite a hand edit" -- "$rigc" build
contains "$work/err" "refusing to overwrite 'docker/cpp.Dockerfile': it was edited by hand since rigc wrote it" "the refusal names the file"
contains "$work/err" "move it into the spec" "the refusal says how to keep the edit"
contains "$work/err" "rigc build --force" "the refusal says how to discard the edit"
after="$(find docker -type f -exec sha256sum {} + | sort | sha256sum)"
if [ "$before" = "$after" ] && [ ! -e docker/extra.Dockerfile ]; then ok; else fail "a build refused for a hand edit wrote files"; fi
expect 0 "build --force discards the edit" -- "$rigc" build --force
if grep -qx "FROM base AS final" docker/cpp.Dockerfile; then ok; else fail "--force did not restore the file"; fi
expect 0 "check after restore" -- "$rigc" check
# A spec change is only out of date: check says changed, build writes it.
sed -i 's/^runner extra extends base {$/runner extra extends base {\n  env EXTRA=1/' Rigfile
expect 1 "check after a spec change" -- "$rigc" check
contains "$work/out" "changed: docker/extra.Dockerfile" "check names the out-of-date file"
if grep -q "edited by hand" "$work/out"; then fail "an out-of-date file is reported as edited"; else ok; fi
expect 0 "build after a spec change" -- "$rigc" build
python3 - <<'PY'
import re
text = open("Rigfile").read()
open("Rigfile", "w").write(re.sub(r"\nrunner extra extends base \{.*?\n\}\n", "", text, flags=re.S))
PY
expect 0 "build without the extra runner" -- "$rigc" build
expect 0 "check after restore" -- "$rigc" check

# Removing an image makes its files stale: check reports them, build removes them.
python3 - <<'PY'
import re
text = open("Rigfile").read()
text = re.sub(r"runner web extends base \{.*?\n\}\n", "", text, flags=re.S)
open("Rigfile", "w").write(text)
PY
expect 1 "check after removing an image" -- "$rigc" check
contains "$work/out" "stale: docker/web.Dockerfile" "stale Dockerfile reported"
contains "$work/out" "stale: docker/web.Dockerfile.dockerignore" "stale ignore file reported"
expect 0 "build removes stale files" -- "$rigc" build
contains "$work/out" "removed stale docker/web.Dockerfile" "build says what it removed"
if [ ! -e docker/web.Dockerfile ]; then ok; else fail "stale file still there"; fi
expect 0 "check after removal" -- "$rigc" check

# A hand-written file in the way is never overwritten without --force.
printf 'FROM scratch\n' > docker/mine.Dockerfile
cat >> Rigfile <<'RIG'

image mine {
  packs git
}
RIG
before="$(sha256sum docker/*.Dockerfile | sha256sum)"
expect 2 "build refuses to overwrite a hand-written file" -- "$rigc" build
contains "$work/err" "refusing to overwrite" "the refusal is explained"
after="$(sha256sum docker/*.Dockerfile | sha256sum)"
if [ "$before" = "$after" ]; then ok; else fail "a refused build changed files"; fi
if [ ! -e docker/mine.Dockerfile.dockerignore ]; then ok; else fail "a refused build wrote some files"; fi
expect 0 "build --force overwrites" -- "$rigc" build --force
contains docker/mine.Dockerfile "Generated by rigc" "forced build wrote the file"

# A broken spec: exit 2, located error, nothing on disk changes.
before="$(find docker -type f -exec sha256sum {} + | sort | sha256sum)"
printf 'image broken {\n  packs pyhton\n}\n' >> Rigfile
expect 2 "broken spec" -- "$rigc" build
contains "$work/err" "Rigfile:" "error names the file"
contains "$work/err" "did you mean 'python'?" "error suggests a fix"
after="$(find docker -type f -exec sha256sum {} + | sort | sha256sum)"
if [ "$before" = "$after" ]; then ok; else fail "a failed build changed the output directory"; fi
expect 2 "check of a broken spec" -- "$rigc" check

# Another spec name and output directory.
mkdir sub && cp "$root/examples/api/Rigfile" sub/app.rig
cp -r "$root/examples/api/app" "$root/examples/api/requirements.txt" sub/
expect 0 "build a *.rig file into -o" -- "$rigc" build sub/app.rig -o sub/out
if [ -f sub/out/api.Dockerfile ]; then ok; else fail "-o not honoured"; fi
contains sub/out/api.Dockerfile "Generated by rigc from app.rig" "header names the spec"
expect 0 "check with -o" -- "$rigc" check sub/app.rig -o sub/out
expect 2 "missing spec" -- "$rigc" build no-such.rig
contains "$work/err" "cannot read spec 'no-such.rig'" "missing spec explained"

# The build context on disk: a deps file or copy source missing from the spec's
# directory is an error, unless the files are generated first.
mkdir ctx && printf 'image a {\n  packs python\n  deps requirements.txt\n  copy src /app\n}\n' > ctx/Rigfile
expect 2 "a deps file missing from the context" -- "$rigc" build ctx/Rigfile
contains "$work/err" "ctx/Rigfile:3:3: error: deps file 'requirements.txt' of image 'a' is not in the build context 'ctx'" "the missing deps file is located"
contains "$work/err" "copy source 'src' of image 'a' is not in the build context 'ctx'" "the missing copy source too"
if [ ! -e ctx/docker ]; then ok; else fail "a build with missing context files wrote files"; fi
for command in check plan graph; do
  expect 2 "$command checks the context too" -- "$rigc" "$command" ctx/Rigfile
done
expect 0 "--no-context-check generates before the files exist" -- "$rigc" build ctx/Rigfile --no-context-check
expect 0 "check --no-context-check" -- "$rigc" check --no-context-check ctx/Rigfile
touch ctx/requirements.txt && mkdir ctx/src
expect 0 "once the files exist, the check passes" -- "$rigc" check ctx/Rigfile

# plan and packs, as text and JSON.
expect 0 "plan" -- "$rigc" plan sub/app.rig
contains "$work/out" "changes when requirements.txt changes" "plan explains positions"
expect 0 "plan json" -- "$rigc" plan sub/app.rig --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["images"][0]["name"]=="api"' "$work/out"; then ok; else fail "plan json"; fi
expect 0 "packs" -- "$rigc" packs
contains "$work/out" "gh-runner" "packs lists the runner pack"
expect 0 "packs json" -- "$rigc" packs --format json
if python3 -c 'import json,sys; names=[p["name"] for p in json.load(open(sys.argv[1]))]; assert {"base","git","cpp","ccache","python","node","yarn","pnpm","go","rust","java","docker-cli","gh-runner"} <= set(names), names' "$work/out"; then ok; else fail "packs json lacks a stock pack"; fi

# --pack-path adds packs.
mkdir packs && printf 'pack hello {\n  description "hello"\n  apt hello\n}\n' > packs/hello.rig
printf 'image h {\n  packs hello\n}\n' > h.rig
expect 2 "unknown pack without --pack-path" -- "$rigc" build h.rig -o hout
expect 0 "--pack-path" -- "$rigc" build h.rig -o hout --pack-path packs
contains hout/h.Dockerfile "hello" "the pack from --pack-path is used"

# fmt: every spec in the repository is canonical, and formatting is idempotent.
for spec in "$root"/examples/*/Rigfile "$root"/packs/*.rig "$root"/tests/golden/*/Rigfile; do
  expect 0 "fmt --check $spec" -- "$rigc" fmt --check "$spec"
done
cat > messy.rig <<'RIG'
# header


image   api   extends   base {      # trailing
    packs python   # one
  env A="x y"    B=1 # two


    # about cmd
  cmd   ["python",   "app.py"]
  target dev {
  apt git
  }

}
image base {
  packs git
}
RIG
expect 1 "fmt --check of a messy spec" -- "$rigc" fmt --check messy.rig
contains "$work/out" "+image api extends base { # trailing" "fmt --check shows the formatted line"
cp messy.rig messy.before
expect 0 "fmt rewrites" -- "$rigc" fmt messy.rig
cat > messy.want <<'RIG'
# header

image api extends base { # trailing
  packs python           # one
  env A="x y" B=1        # two

  # about cmd
  cmd ["python", "app.py"]
  target dev {
    apt git
  }
}

image base {
  packs git
}
RIG
if cmp -s messy.rig messy.want; then ok; else fail "fmt output"; diff messy.want messy.rig; fi
cp messy.rig messy.once
expect 0 "fmt is idempotent" -- "$rigc" fmt messy.rig
if cmp -s messy.rig messy.once; then ok; else fail "fmt changed formatted text"; fi
printf 'image a {\n  packs "unterminated\n}\n' > broken.rig
cp broken.rig broken.before
expect 2 "fmt of a broken spec" -- "$rigc" fmt broken.rig
if cmp -s broken.rig broken.before; then ok; else fail "fmt changed a broken spec"; fi

# new: scaffolds into a Rigfile (created when missing), keeps every existing byte.
mkdir newdir && cd newdir || exit 2
expect 0 "new runner creates a Rigfile" -- "$rigc" new runner ci --packs git,python --labels big --limits cpus=2,memory=4G
contains "$work/out" "next: rigc build" "new prints the next command"
contains Rigfile "limits cpus 2 memory 4G" "new runner writes limits"
printf '# keep me   exactly\nimage app {\n  packs git\n}' > Rigfile
cp Rigfile before
expect 0 "new runner appends" -- "$rigc" new runner web --packs node
if [ "$(head -c "$(wc -c < before)" Rigfile)" = "$(cat before)" ]; then ok; else fail "new changed existing bytes"; fi
expect 2 "new refuses an existing name" -- "$rigc" new runner app
cat >want <<'ERR'
Rigfile:2:7: error: image 'app' is already declared here; choose another name for the new runner
  image app {
        ^~~
ERR
if cmp -s want "$work/err"; then ok; else fail "the refusal points at the existing declaration"; diff want "$work/err"; fi
cp Rigfile before
expect 2 "new refuses an unknown pack" -- "$rigc" new runner x --packs git,pyhton
# Lines of the spec as it would be: the 4 lines there, a blank line, the runner.
cat >want <<'ERR'
Rigfile:11:13: error: unknown pack 'pyhton'; did you mean 'python'?
    packs git pyhton
              ^~~~~~
Rigfile:10:1: note: the line numbers are those of Rigfile with the runner 'x' that `rigc new` would add at lines 10-12; nothing was written
  runner x {
  ^~~~~~
ERR
if cmp -s want "$work/err"; then ok; else fail "new reports the lines of the spec it edits"; diff want "$work/err"; fi
if cmp -s Rigfile before; then ok; else fail "a refused new changed the spec"; fi
expect 0 "new runner --extends" -- "$rigc" new runner web2 --extends web --packs go
contains Rigfile "runner web2 extends web {" "new runner writes extends"
contains "$work/out" "updated Rigfile:10: added runner 'web2'" "new prints the line of the declaration"
expect 2 "new runner --extends of an image" -- "$rigc" new runner bad --extends app
contains "$work/err" "runner 'bad' cannot extend image 'app'" "--extends is checked"
expect 2 "new alone lists its subcommands" -- "$rigc" new
contains "$work/err" "rigc new: a command is required, one of:" "new names the choice"
contains "$work/err" "runner  add a runner to the spec" "new lists runner"
contains "$work/err" "pack    add a commented pack skeleton" "new lists pack"
expect 2 "rigc alone lists the commands" -- "$rigc"
contains "$work/err" "completion  print a shell completion script" "rigc lists its commands"
expect 0 "new pack" -- "$rigc" new pack mytool
expect 0 "the pack skeleton compiles" -- "$rigc" build
expect 0 "the scaffolded spec is formatted" -- "$rigc" fmt --check
cd "$work" || exit 2

# graph: DOT and Mermaid of the packs and the stages.
expect 0 "graph dot" -- "$rigc" graph sub/app.rig
contains "$work/out" "digraph rigc {" "graph prints DOT"
contains "$work/out" "pack_python -> pack_base;" "DOT has the requires edge"
contains "$work/out" "image_api_build -> image_api_app [style=dashed, label=\"COPY\"];" "DOT has the COPY edge"
expect 0 "graph mermaid" -- "$rigc" graph sub/app.rig --format mermaid
contains "$work/out" "flowchart LR" "graph prints Mermaid"
contains "$work/out" "image_api_app --> image_api_final" "Mermaid has the FROM edge"

# completions, generated from the command line definition: run in each shell,
# with pack names from `rigc complete packs` and image names from the spec.
mkdir comp && cd comp || exit 2
printf 'runner base {\n  packs git\n}\nrunner big extends base {\n}\npack inhouse {\n  apt hello\n}\n' > fleet.rig
export PATH="$(dirname "$rigc"):$PATH"
expect 0 "complete packs" -- "$rigc" complete packs fleet.rig
contains "$work/out" "inhouse" "complete packs lists the spec's packs"
contains "$work/out" "python" "complete packs lists the stock packs"
expect 0 "complete images" -- "$rigc" complete images fleet.rig
if [ "$(cat "$work/out")" = "$(printf 'base\nbig')" ]; then ok; else fail "complete images lists the spec's images"; cat "$work/out"; fi
expect 0 "complete tolerates a broken spec" -- "$rigc" complete images ../broken.rig
expect 0 "bash completion" -- "$rigc" completion bash
cp "$work/out" completion.bash
if bash -n completion.bash; then ok; else fail "bash completion does not parse"; fi
complete_words() {  # complete_words WORD... -> COMPREPLY, one per line
  bash -c 'source ./completion.bash; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rigc; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
if complete_words rigc "" | grep -qx build; then ok; else fail "bash completes commands"; fi
if complete_words rigc build --f | grep -qx -- --force; then ok; else fail "bash completes build options"; fi
if complete_words rigc graph --format "" | grep -qx mermaid; then ok; else fail "bash completes --format values"; fi
if complete_words rigc new "" | grep -qx runner; then ok; else fail "bash completes new subcommands"; fi
if complete_words rigc new runner x --p | grep -qx -- --packs; then ok; else fail "bash completes new runner options"; fi
if complete_words rigc fmt --pack | grep -qx -- --pack-path; then ok; else fail "bash completes global options after a command"; fi
if [ "$(complete_words rigc new runner x fleet.rig --packs git,in)" = "git,inhouse" ]; then ok; else fail "bash completes pack names in a list"; fi
if [ "$(complete_words rigc new runner x fleet.rig --extends b | sort | tr '\n' ' ')" = "base big " ]; then ok; else fail "bash completes image names"; fi
if complete_words rigc completion "" | grep -qx fish; then ok; else fail "bash completes the shells"; fi
if complete_words rigc build fl | grep -qx fleet.rig; then ok; else fail "bash completes spec files"; fi
if complete_words rigc pin no | grep -qx node; then ok; else fail "bash completes pin's PACK"; fi
expect 0 "zsh completion" -- "$rigc" completion zsh
cp "$work/out" _rigc
contains _rigc "#compdef rigc" "zsh completion header"
contains _rigc "'1::pack:_rigc_pack' \\" "zsh completes pin's PACK"
if command -v zsh >/dev/null 2>&1; then
  if zsh -n _rigc; then ok; else fail "zsh completion does not parse"; fi
  # zsh's completion functions replaced by ones that print what they are given.
  cat >zsh_run.zsh <<'ZSH'
_arguments() { print -r -- "ARGUMENTS $*" }
_describe() { print -r -- "DESCRIBE ${(j: :)${(P)2}}" }
_values() { print -r -- "VALUES $*" }
compadd() { print -r -- "COMPADD $*" }
source ./_rigc >/dev/null
words=(rigc ''); CURRENT=2; _rigc
words=(rigc --color new runner x --p); CURRENT=6; _rigc
_rigc_line=(rigc new runner x fleet.rig); _rigc_packs; _rigc_images
ZSH
  zsh zsh_run.zsh >zsh.out 2>&1
  contains zsh.out "DESCRIBE build:compile the spec and write the outputs" "zsh describes the commands"
  contains zsh.out "--packs[packs, comma-separated: git,python]:PACK,…:_rigc_packs" "zsh completes new runner's options"
  contains zsh.out "1:name:  2::spec:_files" "zsh completes the positionals, the spec optional"
  contains zsh.out "VALUES -s , pack base" "zsh offers pack names as a comma list"
  contains zsh.out "inhouse" "zsh offers the spec's packs"
  contains zsh.out "COMPADD -- base big" "zsh offers image names"
fi
expect 0 "fish completion" -- "$rigc" completion fish
cp "$work/out" rigc.fish
if command -v fish >/dev/null 2>&1; then
  if fish -n rigc.fish; then ok; else fail "fish completion does not parse"; fi
  fish_complete() { fish -c "source rigc.fish; complete -C'$1'" | cut -f1; }
  if fish_complete "rigc " | grep -qx build; then ok; else fail "fish completes commands"; fi
  if fish_complete "rigc build --f" | grep -qx -- --force; then ok; else fail "fish completes options"; fi
  if fish_complete "rigc graph --format " | grep -qx mermaid; then ok; else fail "fish completes --format values"; fi
  if [ "$(fish_complete "rigc new runner x fleet.rig --packs git,in")" = "git,inhouse" ]; then ok; else fail "fish completes pack names in a list"; fi
  if [ "$(fish_complete "rigc new runner x fleet.rig --extends " | tr '\n' ' ')" = "base big " ]; then ok; else fail "fish completes image names"; fi
  if fish_complete "rigc build fl" | grep -qx fleet.rig; then ok; else fail "fish completes spec files"; fi
  if fish_complete "rigc pin no" | grep -qx node; then ok; else fail "fish completes pin's PACK"; fi
else
  fail "fish is not installed (./test.sh installs it)"
fi
cd "$work" || exit 2

# The manual page, from the same definition: groff reads it without a warning
# (a broken copy proves the check fires), man renders it, and it names every
# command and option.
expect 0 "man" -- "$rigc" man
cp "$work/out" rigc.1
if groff -man -ww -z -Tutf8 rigc.1 2>groff.err && [ ! -s groff.err ]; then ok; else fail "groff warns about rigc.1"; cat groff.err; fi
sed 's/^\.TP$/.TX/' rigc.1 >broken.1
if groff -man -ww -z -Tutf8 broken.1 2>groff.err && [ ! -s groff.err ]; then fail "groff does not warn about a broken page"; else ok; fi
MANWIDTH=100 man -l rigc.1 >man.txt 2>man.err
if [ ! -s man.err ]; then ok; else fail "man warns"; cat man.err; fi
for word in "rigc build" "rigc new runner" "--no-context-check" "--pack-path DIR" "NO_COLOR" "EXIT STATUS" "edited by hand"; do
  contains man.txt "$word" "the manual page has $word"
done

# Global options before or after the command; --pack-path everywhere; NO_COLOR.
printf 'image a {\n  packs pyhton\n}\n' >bad.rig
expect 2 "--error-format after the command" -- "$rigc" build bad.rig --error-format github
contains "$work/err" "::error file=bad.rig,line=2,col=9::unknown pack" "--error-format github after the command"
expect 2 "--error-format before the command" -- "$rigc" --error-format github build bad.rig
contains "$work/err" "::error file=bad.rig,line=2,col=9::unknown pack" "--error-format github before the command"
expect 2 "--color after the command" -- "$rigc" build bad.rig --color
if grep -q "$(printf '\033')\[" "$work/err"; then ok; else fail "build --color colours"; fi
expect 2 "--color before the command" -- "$rigc" --color build bad.rig
if grep -q "$(printf '\033')\[" "$work/err"; then ok; else fail "rigc --color build colours"; fi
NO_COLOR= script -qec "$rigc build bad.rig" /dev/null >tty.out 2>&1
if grep -q "$(printf '\033')\[" tty.out; then ok; else fail "an empty NO_COLOR leaves colour on a terminal"; fi
NO_COLOR=1 script -qec "$rigc build bad.rig" /dev/null >tty.out 2>&1
if grep -q "$(printf '\033')\[" tty.out; then fail "NO_COLOR=1 still colours"; else ok; fi
expect 2 "NO_COLOR=1 with --color" -- env NO_COLOR=1 "$rigc" build bad.rig --color
if grep -q "$(printf '\033')\[" "$work/err"; then ok; else fail "--color overrides NO_COLOR"; fi
for command in build check plan graph fmt packs pin "new pack" "new runner"; do
  # shellcheck disable=SC2086
  "$rigc" $command --help >help.out 2>&1
  if grep -q -- "--pack-path" help.out && grep -q -- "--color" help.out && grep -q -- "--error-format" help.out; then ok; else fail "$command takes the global options"; fi
done
expect 0 "fmt --pack-path" -- "$rigc" fmt --pack-path packs --check h.rig
expect 0 "--pack-path before the command" -- "$rigc" --pack-path packs build h.rig -o hout2
expect 0 "--pack-path repeated, the spec after it" -- "$rigc" build --pack-path packs --pack-path packs h.rig -o hout3

# packs SPEC lists the spec's own packs too.
expect 0 "packs SPEC" -- "$rigc" packs comp/fleet.rig
# (the name column is as wide as the longest name)
if grep -qE '^inhouse +\(from comp/fleet\.rig\)$' "$work/out"; then ok; else fail "packs SPEC lists the spec's packs"; fi
printf 'pack git {\n  description "our git"\n  apt git\n}\nimage a {\n  packs git\n}\n' >own.rig
expect 0 "packs SPEC: the spec's pack replaces the stock one" -- "$rigc" packs own.rig
if grep -qE '^git +our git \(from own\.rig\)$' "$work/out"; then ok; else fail "the spec's git is listed"; fi
if grep -q "^git .*Git with Git LFS" "$work/out"; then fail "the replaced stock pack is listed too"; else ok; fi
expect 0 "packs SPEC json" -- "$rigc" packs comp/fleet.rig --format json
if python3 -c 'import json,sys; d={p["name"]: p["origin"] for p in json.load(open(sys.argv[1]))}; assert d["inhouse"]=="spec" and d["git"]=="stock", d' "$work/out"; then ok; else fail "packs json gives each pack's origin"; fi
expect 0 "packs without SPEC" -- "$rigc" packs
if grep -q inhouse "$work/out"; then fail "packs without SPEC lists a spec's packs"; else ok; fi

# The Mermaid graph in docs/outputs.md is what `rigc graph` prints for the runners example.
"$rigc" graph "$root/examples/runners/Rigfile" --format mermaid > graph.mmd
python3 - "$root/docs/outputs.md" graph.mmd <<'PY' && ok || fail "docs/outputs.md's Mermaid graph is out of date"
import sys
doc, graph = open(sys.argv[1]).read(), open(sys.argv[2]).read()
start = doc.index("```mermaid\n") + len("```mermaid\n")
sys.exit(0 if doc[start:doc.index("```", start)] == graph else 1)
PY

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
