#!/usr/bin/env python3
"""The composite action (action.yml) run for real, as a runner runs its step.

  action_test.py RIGC

The step's `env:` is evaluated from test inputs (every `${{ inputs.X }}`, with the
action's defaults), its `run:` goes to `bash --noprofile --norc -eo pipefail` as
GitHub runs a `shell: bash` step, with GITHUB_ACTION_PATH a copy of the action at
.../_actions/acme/rigc/v1 and GITHUB_SERVER_URL a local HTTP server (started here,
stopped by its PID) that serves a fake release of acme/rigc: RIGC as
v0.1.0/rigc-0.1.0-linux-x86_64. Checked: a spec up to date passes; an out-of-date
one fails with annotations; a wrong checksum, a tampered binary, an unknown
version and malformed inputs fail before rigc runs; `args` and `download-url`
are used. (GitHub's parser judges action.yml itself: check_workflows.js.)
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAILURES = []


def check(condition, message, detail=""):
    if not condition:
        FAILURES.append(message + (f"\n{detail}" if detail else ""))


def load_action():
    with open(os.path.join(ROOT, "action.yml")) as f:
        action = yaml.safe_load(f)
    steps = action["runs"]["steps"]
    check(action["runs"]["using"] == "composite", "action.yml is not a composite action")
    check(len(steps) == 1 and steps[0].get("shell") == "bash", "action.yml should have one bash step")
    check(set(action["inputs"]) >= {"version", "checksum", "spec", "args"},
          "action.yml lacks the inputs version, checksum, spec and args")
    return action


def evaluate(value, inputs):
    """`${{ inputs.X }}` as the runner evaluates it; no other expression is expected."""
    def one(match):
        expression = match.group(1).strip()
        m = re.fullmatch(r"inputs\.([A-Za-z0-9_-]+)", expression)
        if not m:
            raise SystemExit(f"action_test.py: unexpected expression ${{{{ {expression} }}}}")
        return inputs[m.group(1)]
    return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))


def run_step(action, given, work, action_path, server, temp):
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update(given)
    step = action["runs"]["steps"][0]
    env = {key: evaluate(value, inputs) for key, value in step.get("env", {}).items()}
    script = os.path.join(temp, "step.sh")
    with open(script, "w") as f:
        f.write(evaluate(step["run"], inputs))
    github_path = os.path.join(temp, "github_path")
    open(github_path, "w").close()
    full_env = dict(os.environ, GITHUB_ACTION_PATH=action_path, GITHUB_SERVER_URL=server,
                    RUNNER_TEMP=os.path.join(temp, "runner-temp"), GITHUB_PATH=github_path,
                    NO_COLOR="1", **env)
    os.makedirs(full_env["RUNNER_TEMP"], exist_ok=True)
    r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=work,
                       env=full_env, capture_output=True, text=True, timeout=120)
    with open(github_path) as f:
        r.github_path = f.read()
    r.runner_temp = full_env["RUNNER_TEMP"]
    return r


def start_server(www, logs):
    log = open(os.path.join(logs, "http.log"), "w")
    process = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1",
                                "0", "--directory", www], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        with open(os.path.join(logs, "http.log")) as f:
            m = re.search(r"port (\d+)", f.read())
        if m:
            return process, f"http://127.0.0.1:{m.group(1)}"
        time.sleep(0.05)
    process.kill()
    raise SystemExit("action_test.py: the HTTP server did not start")


def main():
    rigc = os.path.abspath(sys.argv[1])
    action = load_action()
    with open(rigc, "rb") as f:
        binary = f.read()
    digest = hashlib.sha256(binary).hexdigest()
    with tempfile.TemporaryDirectory() as tmp:
        # The action as a runner checks it out, and the fake release of acme/rigc.
        action_path = os.path.join(tmp, "work", "_actions", "acme", "rigc", "v1")
        os.makedirs(os.path.join(action_path, "tools"))
        shutil.copy(os.path.join(ROOT, "action.yml"), action_path)
        shutil.copy(os.path.join(ROOT, "tools", "action-check.sh"), os.path.join(action_path, "tools"))
        www = os.path.join(tmp, "www")
        release = os.path.join(www, "acme", "rigc", "releases", "download", "v0.1.0")
        os.makedirs(release)
        with open(os.path.join(release, "rigc-0.1.0-linux-x86_64"), "wb") as f:
            f.write(binary)
        tampered = os.path.join(www, "tampered", "v0.1.0")
        os.makedirs(tampered)
        with open(os.path.join(tampered, "rigc-0.1.0-linux-x86_64"), "wb") as f:
            f.write(binary[:-1] + bytes([binary[-1] ^ 1]))
        # A repository whose generated files are up to date.
        work = os.path.join(tmp, "repo")
        os.makedirs(work)
        with open(os.path.join(work, "Rigfile"), "w") as f:
            f.write("runner ci {\n  packs git\n}\n")
        subprocess.run([rigc, "build"], cwd=work, check=True, capture_output=True)
        server, url = start_server(www, tmp)
        try:
            temp = lambda name: os.makedirs(os.path.join(tmp, name)) or os.path.join(tmp, name)
            good = {"version": "0.1.0", "checksum": digest}

            r = run_step(action, good, work, action_path, url, temp("up-to-date"))
            check(r.returncode == 0, f"an up-to-date spec: exit {r.returncode}", r.stdout + r.stderr)
            check(f"{url}/acme/rigc/releases/download/v0.1.0/rigc-0.1.0-linux-x86_64" in r.stdout,
                  "the release URL is not the action repository's", r.stdout)
            check("rigc 0.1.0" in r.stdout and "up to date" in r.stdout,
                  "the step did not run rigc check", r.stdout)
            downloaded = os.path.join(r.runner_temp, "rigc-0.1.0", "rigc")
            check(r.github_path.strip() == os.path.dirname(downloaded), "rigc's directory not added to GITHUB_PATH")
            check(os.path.exists(downloaded) and open(downloaded, "rb").read() == binary,
                  "the binary run is not the release's")

            with open(os.path.join(work, "Rigfile"), "a") as f:
                f.write("\nrunner more {\n  packs git\n}\n")
            r = run_step(action, good, work, action_path, url, temp("out-of-date"))
            check(r.returncode == 1, f"an out-of-date spec: exit {r.returncode}, expected 1", r.stdout + r.stderr)
            check("::error file=Rigfile,line=5,col=8::docker/more.Dockerfile is missing" in r.stdout,
                  "no annotation on the spec line of the new runner", r.stdout)

            r = run_step(action, dict(good, args="-o elsewhere"), work, action_path, url, temp("args"))
            check(r.returncode == 1 and "elsewhere: " in r.stdout, "input args is not passed to rigc check",
                  r.stdout + r.stderr)
            r = run_step(action, dict(good, spec="missing.rig"), work, action_path, url, temp("spec"))
            check(r.returncode == 2 and "cannot read spec 'missing.rig'" in r.stdout + r.stderr,
                  "input spec is not the spec checked", r.stdout + r.stderr)

            for name, given, base, expected in [
                ("wrong checksum", dict(good, checksum="0" * 64), "", "does not have the SHA-256"),
                ("tampered binary", good, f"{url}/tampered", "does not have the SHA-256"),
                ("unknown version", dict(good, version="9.9.9"), "", "cannot download"),
                ("malformed checksum", dict(good, checksum="abc"), "", "must be the 64 hex digits"),
                ("malformed version", dict(good, version="1.0; rm -rf /"), "", "must be a release like"),
            ]:
                given = dict(given, **({"download-url": base} if base else {}))
                r = run_step(action, given, work, action_path, url, temp(name.replace(" ", "-")))
                check(r.returncode == 2 and "::error title=rigc check::" in r.stdout and expected in r.stdout,
                      f"{name}: exit {r.returncode}, expected 2 with '{expected}'", r.stdout + r.stderr)
                check("rigc 0.1.0" not in r.stdout, f"{name}: rigc ran anyway", r.stdout)
                check(not os.path.exists(os.path.join(r.runner_temp, "rigc-0.1.0", "rigc")),
                      f"{name}: an unverified binary was left to run")

            r = run_step(action, dict(good, **{"download-url": f"{url}/acme/rigc/releases/download"}),
                         work, action_path, "http://127.0.0.1:9", temp("download-url"))
            check(r.returncode == 1, "input download-url is not where rigc is downloaded from",
                  r.stdout + r.stderr)
        finally:
            server.terminate()
            server.wait()
    for failure in FAILURES:
        print("FAIL:", failure)
    print(f"action: {len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
