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
expect 0 "build a *.rig file into -o" -- "$rigc" build sub/app.rig -o sub/out
if [ -f sub/out/api.Dockerfile ]; then ok; else fail "-o not honoured"; fi
contains sub/out/api.Dockerfile "Generated by rigc from app.rig" "header names the spec"
expect 0 "check with -o" -- "$rigc" check sub/app.rig -o sub/out
expect 2 "missing spec" -- "$rigc" build no-such.rig
contains "$work/err" "cannot read spec 'no-such.rig'" "missing spec explained"

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
contains "$work/err" "'app' is already declared" "the refusal names the declaration"
cp Rigfile before
expect 2 "new refuses an unknown pack" -- "$rigc" new runner x --packs pyhton
contains "$work/err" "did you mean 'python'?" "new suggests the pack"
if cmp -s Rigfile before; then ok; else fail "a refused new changed the spec"; fi
expect 0 "new pack" -- "$rigc" new pack mytool
expect 0 "the pack skeleton compiles" -- "$rigc" build
expect 0 "the scaffolded spec is formatted" -- "$rigc" fmt --check
cd "$work" || exit 2

# graph: DOT and Mermaid of the packs and the stages.
expect 0 "graph dot" -- "$rigc" graph sub/app.rig
contains "$work/out" "digraph rigc {" "graph prints DOT"
contains "$work/out" "pack_python -> pack_base;" "DOT has the requires edge"
contains "$work/out" "image_api_build -> image_api_final [style=dashed, label=\"COPY\"];" "DOT has the COPY edge"
expect 0 "graph mermaid" -- "$rigc" graph sub/app.rig --format mermaid
contains "$work/out" "flowchart LR" "graph prints Mermaid"
contains "$work/out" "image_api_runtime --> image_api_final" "Mermaid has the FROM edge"

# completions, generated from the command line definition.
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
expect 0 "zsh completion" -- "$rigc" completion zsh
contains "$work/out" "#compdef rigc" "zsh completion header"
if command -v zsh >/dev/null 2>&1; then
  cp "$work/out" _rigc
  if zsh -n _rigc; then ok; else fail "zsh completion does not parse"; fi
fi

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
