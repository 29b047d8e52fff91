#!/usr/bin/env bash
# The pre-commit hooks (.pre-commit-hooks.yaml), run by pre-commit itself:
#   precommit_test.sh RIGC SOURCE_DIR
#
# `pre-commit validate-manifest` accepts the manifest (and rejects broken copies:
# a missing entry, an unknown language); then `pre-commit try-repo`, in a scratch
# git repository with rigc on PATH, runs rigc-check (passes when docker/ is up to
# date, fails when the spec changed, is skipped for other files) and rigc-fmt
# (rewrites a messy spec, then passes).
set -euo pipefail
rigc="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
src="$(cd "$2" && pwd)"
command -v pre-commit >/dev/null || { echo "missing: pre-commit (./test.sh installs it)" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/rigc-precommit.XXXXXX")"
trap 'rm -rf "$work"' EXIT
PATH="$(dirname "$rigc"):$PATH"
export PATH PRE_COMMIT_HOME="$work/cache" NO_COLOR=1
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@invalid GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@invalid
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
expect() {  # expect CODE DESCRIPTION -- COMMAND...
  local code="$1" what="$2" got=0
  shift 3
  "$@" >"$work/out" 2>&1 || got=$?
  if [ "$got" -eq "$code" ]; then ok "$what"; else fail "$what: exit $got, expected $code"; sed 's/^/  /' "$work/out"; fi
}

manifest="$src/.pre-commit-hooks.yaml"
expect 0 "pre-commit validates the manifest" -- pre-commit validate-manifest "$manifest"
grep -v '^  entry: rigc check$' "$manifest" >"$work/no-entry.yaml"
expect 1 "a hook without entry is rejected" -- pre-commit validate-manifest "$work/no-entry.yaml"
sed 's/^  language: system$/  language: sytem/' "$manifest" >"$work/bad-language.yaml"
expect 1 "an unknown language is rejected" -- pre-commit validate-manifest "$work/bad-language.yaml"

# A repository of the hooks, as users reference it.
hooks="$work/hooks"
mkdir "$hooks"
cp "$manifest" "$hooks/"
git -C "$hooks" init -q
git -C "$hooks" add .pre-commit-hooks.yaml
git -C "$hooks" commit -qm hooks

project="$work/project"
mkdir "$project"
cd "$project"
git init -q
printf 'runner ci {\n  packs git\n}\n' >Rigfile
echo "a project" >README.md
rigc build >/dev/null
git add -A
git commit -qm project
try() { pre-commit try-repo "$hooks" "$@"; }

expect 0 "rigc-check passes when docker/ is up to date" -- try rigc-check --all-files
printf '\nrunner more {\n  packs git\n}\n' >>Rigfile
expect 1 "rigc-check fails when the spec changed" -- try rigc-check --all-files
if grep -q "docker/more.Dockerfile" "$work/out"; then ok "rigc-check shows rigc check's report"; else fail "rigc-check's output"; sed 's/^/  /' "$work/out"; fi
expect 0 "rigc-check is skipped for other files" -- try rigc-check --files README.md
if grep -q "Skipped" "$work/out"; then ok "rigc-check skipped README.md"; else fail "rigc-check ran for README.md"; fi
rigc build >/dev/null
expect 0 "rigc-check passes after rigc build" -- try rigc-check --all-files

printf 'runner   odd {\n    packs git\n}\n' >odd.rig
cp odd.rig odd.before
git add odd.rig  # staged, as a commit would have it
expect 1 "rigc-fmt rewrites a messy spec (and fails, as formatters do)" -- try rigc-fmt --files odd.rig Rigfile
if grep -q "files were modified by this hook" "$work/out"; then ok "pre-commit sees the rewrite"; else fail "pre-commit did not see the rewrite"; fi
if ! cmp -s odd.rig odd.before && rigc fmt --check odd.rig >/dev/null; then ok "odd.rig is formatted"; else fail "rigc-fmt did not format odd.rig"; fi
expect 0 "rigc-fmt passes on formatted specs" -- try rigc-fmt --files odd.rig Rigfile

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
