#!/usr/bin/python3
"""Tests of the fake GitHub (fake_github.py) and the runner stand-in
(runner-standin/), together: the credential flows a runner entrypoint uses (App
JWT -> installation token -> registration token or JIT configuration, a
personal access token), config.sh, run.sh and config.sh remove as the runner
user, jobs, stop signals, labels, injected failures, and checks that the suite
can fail (a bad JWT is refused, a job no runner matches stays queued).

  test_fake.py [NAME...]     run all tests, or those whose names contain NAME

Everything lives in one temporary directory; the fake is started here and
stopped by its PID. As root, the stand-in runs as nobody (65534) through
setpriv. Ends with the line 'N passed, N failed'.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "runner-standin")
APP_ID = 4242
ORG, REPO = "octo-org", "octo-org/octo-repo"
PAT = "ghp_" + "t" * 36
RUNNER_UID = 65534
AS_ROOT = os.geteuid() == 0
TESTS = []


def test(function):
    TESTS.append(function)
    return function


class Env:
    """The temporary directory, the App's key pair and the running fake."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="github-fake.")
        os.chmod(self.tmp, 0o755)  # the runner user walks through it
        self.key = os.path.join(self.tmp, "app.pem")
        self.pub = os.path.join(self.tmp, "app.pub")
        self.other_key = os.path.join(self.tmp, "other.pem")
        for key in (self.key, self.other_key):
            run(["openssl", "genrsa", "-out", key, "2048"])
        run(["openssl", "rsa", "-in", self.key, "-pubout", "-out", self.pub])
        port_file, pid_file = os.path.join(self.tmp, "port"), os.path.join(self.tmp, "pid")
        self.log = open(os.path.join(self.tmp, "fake.log"), "w")
        self.process = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "fake_github.py"), "--port-file", port_file,
             "--pid-file", pid_file, "--app-id", str(APP_ID), "--app-key", self.pub,
             "--installation", f"{ORG}=100", "--installation", "other-org/tools=200", "--repo", REPO,
             "--repo", "other-org/tools", "--pat", PAT, "--enterprise", f"octo-ent={ORG}",
             "--runner-group", f"{ORG}=gpu-pool", "--poll-seconds", "1", "--lost-seconds", "5"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while not os.path.exists(port_file) and time.time() < deadline:
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read())
        with open(pid_file) as f:
            self.pid = int(f.read())
        self.base = f"http://127.0.0.1:{self.port}"
        self.runners = []  # run.sh processes, each in a session of its own

    def close(self):
        for process in self.runners:
            kill_session(process)
        os.kill(self.pid, signal.SIGTERM)
        self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def start_time(pid):
    """The process's start time (field 22 of /proc/PID/stat), None once it has ended."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def kill_session(process):
    """SIGKILL to everything a run.sh started: all of it is in the session it
    leads, whatever process groups it made (the listener's, a job's). A leader
    already reaped has a PID the kernel may have given another process (other
    suites run at the same time): if one with that PID started at another time,
    the session is someone else's."""
    if process.returncode is not None:
        now = start_time(process.pid)
        if now is not None and now != getattr(process, "start_time", now):
            return
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                session = int(f.read().rsplit(")", 1)[1].split()[3])  # state ppid pgrp session
            if session == process.pid:
                os.kill(int(entry), signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass  # not a process, or gone
    process.wait()


def run(command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, **kwargs)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def wait_for(predicate, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


# --- HTTP and credentials -------------------------------------------------------------


def api(env, method, path, token=None, scheme="Bearer", body=None):
    """(status, parsed body, headers) of a request to the fake."""
    request = urllib.request.Request(env.base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("Accept", "application/vnd.github+json")
    request.add_header("X-GitHub-Api-Version", "2022-11-28")
    if token:
        request.add_header("Authorization", f"{scheme} {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, data, headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, data, headers = error.code, error.read(), error.headers
    return status, json.loads(data) if data.strip() else None, headers


def ok(env, method, path, token=None, body=None, status=None):
    got, data, _ = api(env, method, path, token, body=body)
    expect(got == status if status else 200 <= got < 300, f"{method} {path}: {got} {data}")
    return data


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_jwt(env, key=None, iss=APP_ID, iat_offset=-60, exp_offset=540):
    now = int(time.time())
    signing_input = (b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()) + "."
                     + b64url(json.dumps({"iat": now + iat_offset, "exp": now + exp_offset, "iss": iss}).encode()))
    signature = run(["openssl", "dgst", "-sha256", "-sign", key or env.key], input=signing_input.encode()).stdout
    return f"{signing_input}.{b64url(signature)}"


def installation_token(env, repo=REPO):
    jwt = make_jwt(env)
    installation = ok(env, "GET", f"/api/v3/repos/{repo}/installation", jwt)
    return ok(env, "POST", f"/app/installations/{installation['id']}/access_tokens", jwt, status=201)["token"]


def registration_token(env, scope=f"repos/{REPO}", token=PAT, kind="registration"):
    return ok(env, "POST", f"/{scope}/actions/runners/{kind}-token", token, status=201)["token"]


def state(env):
    return ok(env, "GET", "/_fake/state")


def requests_since(env, seq):
    return ok(env, "GET", f"/_fake/requests?since={seq}")["requests"]


def last_seq(env):
    entries = ok(env, "GET", "/_fake/requests")["requests"]
    return entries[-1]["seq"] if entries else 0


def add_job(env, labels, script, job_env=None):
    body = {"labels": labels, "script": script, "env": job_env or {}}
    return ok(env, "POST", "/_fake/jobs", body=body, status=201)


def job(env, job_id):
    return ok(env, "GET", f"/_fake/jobs/{job_id}")


# --- The stand-in, as the runner user ---------------------------------------------


def runner_dir(env, name):
    path = os.path.join(env.tmp, "runners", name)
    shutil.copytree(STANDIN, path, symlinks=True)
    if AS_ROOT:
        for top, dirs, files in os.walk(os.path.dirname(path)):
            for entry in [top] + [os.path.join(top, d) for d in dirs] + [os.path.join(top, f) for f in files]:
                os.lchown(entry, RUNNER_UID, RUNNER_UID)
    return path


def runner_env(directory, extra=None):
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": directory, "LANG": "C.UTF-8"}
    environment.update(extra or {})
    return environment


def as_runner(command, root=False):
    if AS_ROOT and not root:
        return ["setpriv", f"--reuid={RUNNER_UID}", f"--regid={RUNNER_UID}", "--clear-groups", "--"] + command
    return command


def config(env, directory, *arguments, extra_env=None, root=False):
    return subprocess.run(as_runner(["./config.sh", *arguments], root), cwd=directory, capture_output=True,
                          text=True, env=runner_env(directory, extra_env), timeout=60, stdin=subprocess.DEVNULL)


def configure(env, directory, url, token, name, *more):
    done = config(env, directory, "--unattended", "--url", url, "--token", token, "--name", name, *more)
    expect(done.returncode == 0, f"config.sh failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


class Runner:
    """run.sh in the background, in a process group of its own, its output in a file."""

    def __init__(self, env, directory, *arguments, extra_env=None):
        self.output_path = os.path.join(directory, "run.out")
        with open(self.output_path, "w") as out:
            self.process = subprocess.Popen(as_runner(["./run.sh", *arguments]), cwd=directory, stdout=out,
                                            stderr=subprocess.STDOUT, env=runner_env(directory, extra_env),
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        self.process.start_time = start_time(self.process.pid)
        env.runners.append(self.process)

    @property
    def output(self):
        with open(self.output_path) as f:
            return f.read()

    def wait_listening(self):
        wait_for(lambda: "Listening for Jobs" in self.output or self.process.poll() is not None,
                 "Listening for Jobs")
        expect("Listening for Jobs" in self.output, f"run.sh ended early:\n{self.output}")

    def wait(self, timeout=30):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"run.sh still running after {timeout} s:\n{self.output}") from None


def pids_named(name, directory):
    """The processes called name (as pgrep -x sees them) working in directory.

    The stand-in is a bash script: a subshell it forks for a moment (a command
    substitution, a pipeline) carries the same name, so only processes whose
    parent is not one of them count."""
    found = {}
    for pid in subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout.split():
        try:
            if os.readlink(f"/proc/{pid}/cwd") == directory:
                with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
                    found[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            pass  # ended meanwhile
    return [pid for pid, parent in found.items() if parent not in found]


def runners_named(env, scope, name, token=PAT):
    return ok(env, "GET", f"/{scope}/actions/runners?name={name}", token)["runners"]


# --- Tests: credentials ------------------------------------------------------------


@test
def app_jwt_rules(env):
    """A JWT is accepted only when signed by the App's key, issued by its id and
    expiring within 10 minutes; App tokens cannot manage enterprise runners."""
    good = make_jwt(env)
    ok(env, "GET", f"/orgs/{ORG}/installation", good)
    tampered = good[:-10] + ("A" if good[-10] != "A" else "B") + good[-9:]
    cases = {
        "tampered signature": tampered,
        "another key": make_jwt(env, key=env.other_key),
        "another app id": make_jwt(env, iss=APP_ID + 1),
        "garbage appended": good + "AAAA",
    }
    for what, jwt in cases.items():
        status, body, _ = api(env, "POST", "/app/installations/100/access_tokens", jwt)
        expect((status, body["message"]) == (401, "A JSON web token could not be decoded"), f"{what}: {status} {body}")
    status, body, _ = api(env, "POST", "/app/installations/100/access_tokens", make_jwt(env, exp_offset=660))
    expect(status == 401 and "too far in the future" in body["message"], f"exp 11 min: {status} {body}")
    status, body, _ = api(env, "POST", "/app/installations/100/access_tokens", make_jwt(env, exp_offset=-5))
    expect(status == 401 and "future time" in body["message"], f"expired JWT: {status} {body}")
    status, _, _ = api(env, "POST", "/app/installations/999/access_tokens", good)
    expect(status == 404, f"unknown installation: {status}")
    status, _, _ = api(env, "GET", "/repos/nobody/nothing/installation", good)
    expect(status == 404, f"installation of an unknown repository: {status}")

    token = installation_token(env)
    expect(token.startswith("ghs_"), token)
    status, body, _ = api(env, "POST", "/enterprises/octo-ent/actions/runners/registration-token", token)
    expect((status, body["message"]) == (403, "Resource not accessible by integration"),
           f"App on enterprise: {status} {body}")
    status, body, _ = api(env, "POST", "/repos/other-org/tools/actions/runners/registration-token", token)
    expect(status == 403, f"App token outside its installation: {status} {body}")
    registration_token(env, "enterprises/octo-ent")  # a PAT may
    status, body, _ = api(env, "POST", f"/repos/{REPO}/actions/runners/registration-token", "ghp_wrong")
    expect((status, body["message"]) == (401, "Bad credentials"), f"unknown PAT: {status} {body}")
    status, body, _ = api(env, "POST", f"/repos/{REPO}/actions/runners/registration-token")
    expect(status == 401 and body["message"] == "Requires authentication", f"no credentials: {status} {body}")
    expect(set(body) == {"message", "documentation_url", "status"}, f"error body fields: {body}")


@test
def installation_token_expires(env):
    ok(env, "POST", "/_fake/settings", body={"installation_token_ttl": 1})
    try:
        token = installation_token(env)
        registration_token(env, token=token)
        time.sleep(1.2)
        status, body, _ = api(env, "POST", f"/repos/{REPO}/actions/runners/registration-token", token)
        expect((status, body["message"]) == (401, "Bad credentials"), f"expired installation token: {status} {body}")
    finally:
        ok(env, "POST", "/_fake/settings", body={"installation_token_ttl": 3600})


@test
def faults_reach_a_curl_client(env):
    """Injected failures look like GitHub's, are seen by curl, and apply to the
    next N matching requests only."""
    path = f"/repos/{REPO}/actions/runners/registration-token"
    curl = ["curl", "-sS", "-i", "-X", "POST", "-H", f"Authorization: Bearer {PAT}", env.base + "/api/v3" + path]
    ok(env, "POST", "/_fake/faults", body={"method": "POST", "path": "registration-token$", "status": 429,
                                           "retry_after": 3, "count": 1}, status=201)
    answer = run(curl, text=True).stdout
    expect(answer.startswith("HTTP/1.1 429") and "Retry-After: 3" in answer and "secondary rate limit" in answer,
           f"429:\n{answer}")
    expect(run(curl, text=True).stdout.startswith("HTTP/1.1 201"), "the fault applied twice")
    ok(env, "POST", "/_fake/faults", body={"path": "registration-token$", "status": 503, "count": 2}, status=201)
    for _ in range(2):
        expect(run(curl, text=True).stdout.startswith("HTTP/1.1 503"), "503 not seen")
    ok(env, "POST", "/_fake/faults", body={"path": "registration-token$", "status": 401}, status=201)
    answer = run(curl, text=True).stdout
    expect(answer.startswith("HTTP/1.1 401") and "Bad credentials" in answer, f"401:\n{answer}")
    ok(env, "POST", "/_fake/faults", body={"path": "registration-token$", "status": 403}, status=201)
    answer = run(curl, text=True).stdout
    expect("API rate limit exceeded" in answer and "X-RateLimit-Remaining: 0" in answer, f"403:\n{answer}")
    faulted = [r for r in ok(env, "GET", "/_fake/requests")["requests"] if r["fault"]]
    expect([r["status"] for r in faulted][-5:] == [429, 503, 503, 401, 403], f"request log: {faulted}")


# --- Tests: registration and jobs ---------------------------------------------------


@test
def app_flow_ephemeral_runner(env):
    """App JWT -> installation token -> registration token -> config.sh as the
    runner user -> run.sh takes one job, exits 0, and the runner is gone."""
    start = last_seq(env)
    token = installation_token(env)
    reg = registration_token(env, token=token)
    directory = runner_dir(env, "app-ephemeral")
    url = f"{env.base}/{REPO}"
    done = configure(env, directory, url, reg, "app-ephemeral", "--labels", "app-pool", "--ephemeral",
                     "--disableupdate", "--work", "_work")
    expect("√ Connected to GitHub" in done.stdout and "√ Runner successfully added" in done.stdout, done.stdout)
    for name in (".runner", ".credentials", ".credentials_rsaparams"):
        expect(os.path.isfile(os.path.join(directory, name)), f"{name} not written")
    expect(os.stat(os.path.join(directory, ".credentials_rsaparams")).st_mode & 0o077 == 0,
           ".credentials_rsaparams readable by others")
    [listed] = runners_named(env, f"repos/{REPO}", "app-ephemeral", token)
    expect(listed["status"] == "offline" and [label["name"] for label in listed["labels"]]
           == ["self-hosted", "Linux", "X64", "app-pool"], f"listed: {listed}")

    runner = Runner(env, directory)
    runner.wait_listening()
    expect(pids_named("Runner.Listener", directory), "no process named Runner.Listener")
    wait_for(lambda: runners_named(env, f"repos/{REPO}", "app-ephemeral", token)[0]["status"] == "online", "online")
    added = add_job(env, ["self-hosted", "app-pool"],
                    'id -u; pwd; echo "temp=$RUNNER_TEMP tools=$RUNNER_TOOL_CACHE repo=$GITHUB_REPOSITORY"; '
                    'echo "from-job=$FROM_JOB"', job_env={"FROM_JOB": "yes"})
    expect(runner.wait() == 0, f"run.sh exit code:\n{runner.output}")
    finished = job(env, added["id"])
    expect(finished["status"] == "completed" and finished["result"] == "Succeeded" and finished["exit_code"] == 0,
           f"job: {finished}")
    workspace = os.path.join(directory, "_work", "octo-repo", "octo-repo")
    lines = finished["output"].splitlines()
    expect(lines[0] == str(RUNNER_UID if AS_ROOT else os.geteuid()) and lines[1] == workspace, f"output: {lines}")
    expect(f"temp={directory}/_work/_temp tools={directory}/_work/_tool repo={REPO}" in lines[2], f"output: {lines}")
    expect("from-job=yes" in lines, f"job env: {lines}")
    for line in ("Running job: job-", f"Job {added['name']} completed with result: Succeeded", "√ Removed .runner",
                 "Runner listener exit with 0 return code", "Exiting runner..."):
        expect(line in runner.output, f"missing '{line}':\n{runner.output}")
    expect(runners_named(env, f"repos/{REPO}", "app-ephemeral", token) == [], "ephemeral runner still registered")
    expect(not os.path.exists(os.path.join(directory, ".runner")), ".runner left behind")
    kinds = [(r["path"], r["auth"], r["status"]) for r in requests_since(env, start)]
    expect((f"/repos/{REPO}/actions/runners/registration-token", "installation", 201) in kinds, kinds)
    expect(("/api/v3/actions/runner-registration", "registration", 200) in kinds, f"GHES API path: {kinds}")


@test
def pat_flow_org_runner_two_jobs_then_stop_idle(env):
    """A PAT-registered organisation runner takes two jobs, stops on SIGTERM
    (RUNNER_MANUALLY_TRAP_SIG=1) while idle, and config.sh remove deregisters it."""
    directory = runner_dir(env, "org-runner")
    configure(env, directory, f"{env.base}/{ORG}", registration_token(env, f"orgs/{ORG}"), "org-runner",
              "--labels", "org-pool")
    with open(os.path.join(directory, ".env"), "a") as f:
        f.write("FROM_DOT_ENV=loaded\n")
    tools = os.path.join(env.tmp, "toolcache")
    os.makedirs(tools)
    if AS_ROOT:
        os.chown(tools, RUNNER_UID, RUNNER_UID)
    runner = Runner(env, directory, extra_env={"RUNNER_MANUALLY_TRAP_SIG": "1", "FROM_LISTENER": "inherited",
                                               "RUNNER_TOOL_CACHE": tools})
    runner.wait_listening()
    first = add_job(env, ["org-pool"], "echo one; echo $FROM_LISTENER $FROM_DOT_ENV; echo $RUNNER_TOOL_CACHE")
    wait_for(lambda: job(env, first["id"])["status"] == "completed", "first job")
    second = add_job(env, ["ORG-POOL", "self-hosted"], "echo two; exit 7")
    wait_for(lambda: job(env, second["id"])["status"] == "completed", "second job")
    expect(job(env, first["id"])["output"] == f"one\ninherited loaded\n{tools}\n", f"first: {job(env, first['id'])}")
    got = job(env, second["id"])
    expect((got["result"], got["exit_code"], got["runner_name"]) == ("Failed", 7, "org-runner"), f"second: {got}")
    expect(runner.process.poll() is None, "a non-ephemeral runner stopped after its jobs")

    os.kill(runner.process.pid, signal.SIGTERM)
    code = runner.wait()
    expect(code == 143, f"run.sh exit code after SIGTERM: {code}\n{runner.output}")
    expect("Exiting..." in runner.output and "Exiting runner..." in runner.output, runner.output)
    wait_for(lambda: not pids_named("Runner.Listener", directory), "the listener to end")
    [listed] = runners_named(env, f"orgs/{ORG}", "org-runner")
    expect(listed["status"] == "offline", f"after stop: {listed}")

    again = config(env, directory, "--unattended", "--url", f"{env.base}/{ORG}", "--token",
                   registration_token(env, f"orgs/{ORG}"), "--name", "org-runner")
    expect(again.returncode == 1 and "Cannot configure the runner because it is already configured" in again.stderr,
           f"already configured: {again.returncode}\n{again.stderr}")
    removed = config(env, directory, "remove", "--token", registration_token(env, f"orgs/{ORG}", kind="remove"))
    expect(removed.returncode == 0 and "√ Runner removed successfully" in removed.stdout,
           removed.stdout + removed.stderr)
    expect(runners_named(env, f"orgs/{ORG}", "org-runner") == [], "runner still registered after remove")
    for name in (".runner", ".credentials", ".credentials_rsaparams"):
        expect(not os.path.exists(os.path.join(directory, name)), f"{name} left after remove")


@test
def stop_while_busy_cancels_the_job(env):
    directory = runner_dir(env, "busy-runner")
    configure(env, directory, f"{env.base}/{REPO}", registration_token(env), "busy-runner", "--labels", "busy",
              "--ephemeral")
    runner = Runner(env, directory, extra_env={"RUNNER_MANUALLY_TRAP_SIG": "1"})
    runner.wait_listening()
    added = add_job(env, ["busy"], "echo started; sleep 60; echo never")
    log = os.path.join(directory, "_diag", "pages", f"{added['uuid']}_1.log")  # the worker's job log
    wait_for(lambda: os.path.exists(log) and "started" in open(log).read(), "the job to start")
    expect(pids_named("Runner.Worker", directory), "no process named Runner.Worker during a job")
    [listed] = runners_named(env, f"repos/{REPO}", "busy-runner")
    expect(listed["busy"], f"busy: {listed}")
    status, body, _ = api(env, "DELETE", f"/repos/{REPO}/actions/runners/{listed['id']}", PAT)
    expect(status == 422 and "still running a job" in body["message"], f"deleting a busy runner: {status} {body}")
    os.kill(runner.process.pid, signal.SIGTERM)
    code = runner.wait(timeout=30)
    expect(code == 143, f"exit code {code}:\n{runner.output}")
    got = job(env, added["id"])
    expect((got["status"], got["result"]) == ("cancelled", "Canceled") and "never" not in got["output"],
           f"job: {got}\n{runner.output}")
    expect(f"Job {added['name']} completed with result: Canceled" in runner.output, runner.output)
    expect(not pids_named("Runner.Worker", directory) and not pids_named("Runner.Listener", directory),
           "processes left after stop")
    # Stopped mid-job, an ephemeral runner keeps its registration and files (the
    # entrypoint removes them).
    expect(os.path.exists(os.path.join(directory, ".runner")), ".runner removed although the job was cancelled")


@test
def killed_mid_job_then_registered_again(env):
    """SIGKILL to a busy runner (an OOM kill, a killed container): GitHub fails
    its job once the runner has been silent a while (--lost-seconds 5 here) and
    shows it offline; registering the name again with --replace keeps its id and
    takes jobs."""
    directory = runner_dir(env, "killed")
    configure(env, directory, f"{env.base}/{REPO}", registration_token(env), "killed", "--labels", "killed",
              "--ephemeral")
    runner = Runner(env, directory)
    runner.wait_listening()
    added = add_job(env, ["killed"], "echo started; sleep 60")
    wait_for(lambda: job(env, added["id"])["status"] == "running", "the job to start")
    [before] = runners_named(env, f"repos/{REPO}", "killed")
    kill_session(runner.process)
    expect(before["busy"], f"busy before the kill: {before}")
    wait_for(lambda: job(env, added["id"])["status"] == "completed", "the lost job to end", timeout=30)
    got = job(env, added["id"])
    expect(got["result"] == "Failed" and "lost communication" in got["output"], f"lost job: {got}")
    [after] = runners_named(env, f"repos/{REPO}", "killed")
    expect(after["status"] == "offline" and not after["busy"], f"after the kill: {after}")
    again = config(env, directory, "--unattended", "--url", f"{env.base}/{REPO}", "--token", registration_token(env),
                   "--name", "killed")
    expect(again.returncode == 1 and "already configured" in again.stderr, "the killed runner's .runner is gone")
    fresh = runner_dir(env, "killed-again")
    configure(env, fresh, f"{env.base}/{REPO}", registration_token(env), "killed", "--labels", "killed",
              "--ephemeral", "--replace")
    [replaced] = runners_named(env, f"repos/{REPO}", "killed")
    expect(replaced["id"] == before["id"], f"replaced: {replaced}")
    runner = Runner(env, fresh)
    runner.wait_listening()
    second = add_job(env, ["killed"], "echo back")
    expect(runner.wait() == 0 and job(env, second["id"])["result"] == "Succeeded", runner.output)


@test
def jit_flow(env):
    """generate-jitconfig (App token, organisation): run.sh takes the config from
    ACTIONS_RUNNER_INPUT_JITCONFIG or --jitconfig, runs one job that cannot see
    it, exits 0, and the runner is gone."""
    token = installation_token(env)
    path = f"/orgs/{ORG}/actions/runners/generate-jitconfig"
    status, body, _ = api(env, "POST", path, token, body={"name": "jit-x", "labels": ["jit"]})
    expect(status == 422 and "runner_group_id" in body["message"], f"no group: {status} {body}")
    for how in ("env", "argument"):
        name = f"jit-{how}"
        created = ok(env, "POST", path, token, body={"name": name, "runner_group_id": 1, "labels": [f"jit-{how}"],
                                                     "work_folder": "_work"}, status=201)
        expect(created["runner"]["name"] == name and created["runner"]["status"] == "offline", created)
        status, body, _ = api(env, "POST", path, token, body={"name": name, "runner_group_id": 1, "labels": ["x"]})
        expect(status == 409 and "Already exists" in body["message"], f"same name: {status} {body}")
        files = json.loads(base64.b64decode(created["encoded_jit_config"]))
        expect(sorted(files) == [".credentials", ".credentials_rsaparams", ".runner"], f"JIT files: {sorted(files)}")
        expect(json.loads(base64.b64decode(files[".runner"]))["agentName"] == name, "JIT .runner")
        directory = runner_dir(env, name)
        if how == "env":
            runner = Runner(env, directory,
                            extra_env={"ACTIONS_RUNNER_INPUT_JITCONFIG": created["encoded_jit_config"]})
        else:
            runner = Runner(env, directory, "--jitconfig", created["encoded_jit_config"])
        runner.wait_listening()
        added = add_job(env, [f"jit-{how}"], "env")
        expect(runner.wait() == 0, runner.output)
        got = job(env, added["id"])
        expect(got["result"] == "Succeeded", f"job: {got}")
        expect("ACTIONS_RUNNER_INPUT" not in got["output"] and created["encoded_jit_config"] not in got["output"],
               "the job sees the JIT configuration")
        expect(runners_named(env, f"orgs/{ORG}", name, token) == [], "JIT runner still registered")


@test
def expired_or_unknown_registration_token_is_refused(env):
    ok(env, "POST", "/_fake/settings", body={"registration_token_ttl": 1})
    try:
        stale = registration_token(env)
    finally:
        ok(env, "POST", "/_fake/settings", body={"registration_token_ttl": 3600})
    time.sleep(1.2)
    for token in (stale, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAA"):
        directory = runner_dir(env, f"refused-{token[:4]}")
        done = config(env, directory, "--unattended", "--url", f"{env.base}/{REPO}", "--token", token,
                      "--name", "refused")
        expected = (f"Http response code: NotFound from 'POST {env.base}/api/v3/actions/runner-registration'",
                    '"message": "Not Found"', "Response status code does not indicate success: 404 (Not Found).")
        expect(done.returncode == 1 and all(text in done.stderr for text in expected),
               f"refused token: {done.returncode}\n{done.stderr}")
        expect(not os.path.exists(os.path.join(directory, ".runner")), ".runner written with a bad token")
    # /_fake/expire ends tokens already handed out.
    token = registration_token(env)
    expect(ok(env, "POST", "/_fake/expire", body={"kind": "registration"})["expired"] >= 1, "nothing expired")
    done = config(env, runner_dir(env, "expired-now"), "--unattended", "--url", f"{env.base}/{REPO}",
                  "--token", token, "--name", "expired-now")
    expect(done.returncode == 1, "a token expired through /_fake/expire still registers")


@test
def config_retries_a_failing_service(env):
    """A 503 on the registration endpoint is retried as config.sh retries; the
    request log shows it."""
    start = last_seq(env)
    ok(env, "POST", "/_fake/faults", body={"method": "POST", "path": "runner-registration$", "status": 503},
       status=201)
    directory = runner_dir(env, "retried")
    done = configure(env, directory, f"{env.base}/{REPO}", registration_token(env), "retried")
    expect("Http response code: ServiceUnavailable" in done.stderr, done.stderr)
    statuses = [r["status"] for r in requests_since(env, start) if r["path"].endswith("runner-registration")]
    expect(statuses == [503, 200], f"statuses: {statuses}")


@test
def names_are_unique_unless_replaced(env):
    first = runner_dir(env, "dup-a")
    configure(env, first, f"{env.base}/{REPO}", registration_token(env), "dup")
    [before] = runners_named(env, f"repos/{REPO}", "dup")
    second = runner_dir(env, "dup-b")
    done = config(env, second, "--unattended", "--url", f"{env.base}/{REPO}", "--token", registration_token(env),
                  "--name", "DUP")
    expect(done.returncode == 1 and "A runner exists with the same name DUP." in done.stderr, done.stdout + done.stderr)
    done = configure(env, second, f"{env.base}/{REPO}", registration_token(env), "dup", "--replace", "--labels", "new")
    expect("√ Successfully replaced the runner" in done.stdout, done.stdout)
    [after] = runners_named(env, f"repos/{REPO}", "dup")
    expect(after["id"] == before["id"] and "new" in [label["name"] for label in after["labels"]], f"{before} {after}")
    # The same name in another scope is another runner.
    configure(env, runner_dir(env, "dup-org"), f"{env.base}/{ORG}", registration_token(env, f"orgs/{ORG}"), "dup")


@test
def labels_select_runners(env):
    """A job goes to an idle runner whose labels include all of the job's
    (case-insensitively); --no-default-labels leaves only the given ones; a
    job with a label no runner has stays queued."""
    plain = runner_dir(env, "labels-gpu")
    configure(env, plain, f"{env.base}/{REPO}", registration_token(env), "labels-gpu", "--labels", "gpu,Cuda12")
    bare = runner_dir(env, "labels-bare")
    configure(env, bare, f"{env.base}/{REPO}", registration_token(env), "labels-bare", "--labels", "bare",
              "--no-default-labels", "--runnergroup", "Default")
    [listed] = runners_named(env, f"repos/{REPO}", "labels-bare")
    expect([label["name"] for label in listed["labels"]] == ["bare"], f"--no-default-labels: {listed}")
    done = config(env, runner_dir(env, "labels-none"), "--unattended", "--url", f"{env.base}/{REPO}",
                  "--token", registration_token(env), "--name", "none", "--no-default-labels")
    expect(done.returncode == 1 and "without specifying --labels is not supported" in done.stderr, done.stderr)
    done = config(env, runner_dir(env, "labels-group"), "--unattended", "--url", f"{env.base}/{ORG}",
                  "--token", registration_token(env, f"orgs/{ORG}"), "--name", "grouped", "--runnergroup", "nope")
    expect(done.returncode == 1 and 'Could not find any self-hosted runner group named "nope".' in done.stderr,
           done.stderr)

    runners = [Runner(env, plain), Runner(env, bare)]
    for runner in runners:
        runner.wait_listening()
    unmatched = add_job(env, ["self-hosted", "nope"], "true")
    gpu = add_job(env, ["self-hosted", "GPU", "cuda12"], "echo gpu")
    not_bare = add_job(env, ["self-hosted", "bare"], "true")
    bare_job = add_job(env, ["BARE"], "echo bare")
    wait_for(lambda: all(job(env, j["id"])["status"] == "completed" for j in (gpu, bare_job)), "the matching jobs")
    expect(job(env, gpu["id"])["runner_name"] == "labels-gpu", job(env, gpu["id"]))
    expect(job(env, bare_job["id"])["runner_name"] == "labels-bare", job(env, bare_job["id"]))
    time.sleep(2)  # two more polls of both runners
    for stuck in (unmatched, not_bare):
        expect(job(env, stuck["id"])["status"] == "queued",
               f"taken although no runner matches: {job(env, stuck['id'])}")
        ok(env, "POST", f"/_fake/jobs/{stuck['id']}/cancel", status=202)
    for runner in runners:
        os.kill(runner.process.pid, signal.SIGTERM)  # without RUNNER_MANUALLY_TRAP_SIG: run.sh alone ends
        runner.wait()
    # ... and its listener goes on, as the real one does; SIGTERM ends it cleanly.
    for directory in (plain, bare):
        [listener] = pids_named("Runner.Listener", directory)
        os.kill(listener, signal.SIGTERM)
        wait_for(lambda: not pids_named("Runner.Listener", directory), "the orphaned listener to end")


@test
def root_is_refused_without_allow_runasroot(env):
    if not AS_ROOT:
        return
    directory = runner_dir(env, "root")
    done = config(env, directory, "--unattended", root=True)
    expect(done.returncode == 1 and done.stdout.strip() == "Must not run with sudo", done.stdout)
    ran = subprocess.run(["./run.sh"], cwd=directory, capture_output=True, text=True, env=runner_env(directory),
                         timeout=30)
    expect(ran.returncode == 0 and "Must not run interactively with sudo" in ran.stdout, ran.stdout)
    done = config(env, directory, "--unattended", "--url", f"{env.base}/{REPO}", "--token", registration_token(env),
                  "--name", "as-root", extra_env={"RUNNER_ALLOW_RUNASROOT": "1"}, root=True)
    expect(done.returncode == 0, done.stderr)


@test
def command_line_like_the_runner(env):
    directory = runner_dir(env, "cli")
    version = subprocess.run(as_runner(["./bin/Runner.Listener", "--version"]), cwd=directory, capture_output=True,
                             text=True, env=runner_env(directory))
    expect(version.returncode == 0 and version.stdout.strip() == "2.338.0", version.stdout)
    done = config(env, directory, "--unattended", "--url", f"{env.base}/{REPO}", "--bogus", "x")
    expect(done.returncode == 1 and "Unrecognized command-line input arguments for command configure: 'bogus'"
           in done.stderr, done.stderr)
    done = config(env, directory, "--unattended", "--token", "x")
    expect(done.returncode == 1 and "Invalid configuration provided for url." in done.stderr, done.stderr)
    ran = subprocess.run(as_runner(["./run.sh"]), cwd=directory, capture_output=True, text=True,
                         env=runner_env(directory), timeout=30)
    expect(ran.returncode == 0 and "Not configured. Run config.(sh/cmd) to configure the runner." in ran.stderr
           and "Runner listener exit with terminated error" in ran.stdout, ran.stdout + ran.stderr)
    # Arguments from ACTIONS_RUNNER_INPUT_*, flags included.
    done = config(env, directory, extra_env={
        "ACTIONS_RUNNER_INPUT_URL": f"{env.base}/{REPO}", "ACTIONS_RUNNER_INPUT_TOKEN": registration_token(env),
        "ACTIONS_RUNNER_INPUT_NAME": "from-env", "ACTIONS_RUNNER_INPUT_EPHEMERAL": "true",
        "ACTIONS_RUNNER_INPUT_UNATTENDED": "true"})
    expect(done.returncode == 0, done.stderr)
    [listed] = runners_named(env, f"repos/{REPO}", "from-env")
    expect(listed["ephemeral"], f"ACTIONS_RUNNER_INPUT_EPHEMERAL: {listed}")
    # --pat fetches the tokens itself (registration and remove).
    pat_dir = runner_dir(env, "with-pat")
    configure(env, pat_dir, f"{env.base}/{REPO}", "unused", "with-pat", "--pat", PAT)
    removed = config(env, pat_dir, "remove", "--pat", PAT)
    expect(removed.returncode == 0 and runners_named(env, f"repos/{REPO}", "with-pat") == [], removed.stderr)


@test
def shellcheck_clean(env):
    scripts = [os.path.join(STANDIN, name) for name in
               ("config.sh", "run.sh", "run-helper.sh.template", "env.sh", "safe_sleep.sh")]
    scripts += [os.path.join(STANDIN, "bin", name) for name in
                ("Runner.Listener", "Runner.Worker", "installdependencies.sh")]
    if shutil.which("shellcheck") is None:
        raise AssertionError("shellcheck is not installed (apt-get install shellcheck)")
    done = subprocess.run(["shellcheck", "-x", *scripts], capture_output=True, text=True, cwd=STANDIN)
    expect(done.returncode == 0, done.stdout)


def main():
    selected = [t for t in TESTS if len(sys.argv) < 2 or any(n in t.__name__ for n in sys.argv[1:])]
    env = Env()
    passed = failed = 0
    try:
        for function in selected:
            started = time.time()
            try:
                function(env)
                passed += 1
                print(f"ok    {function.__name__} ({time.time() - started:.1f} s)", flush=True)
            except Exception:  # noqa: BLE001 - every failure is reported and counted
                failed += 1
                print(f"FAIL  {function.__name__}\n{traceback.format_exc()}", flush=True)
    finally:
        env.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
