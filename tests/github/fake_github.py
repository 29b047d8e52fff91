#!/usr/bin/python3
"""A local stand-in for GitHub: the REST endpoints that manage self-hosted
runners, the endpoint config.sh registers through, and a small Actions service
(session, long poll for a job, job result) that the runner stand-in in
runner-standin/ talks to. For tests only: it listens on 127.0.0.1 and keeps
everything in memory.

  fake_github.py [--config FILE] [--port 0] [--port-file F] [--pid-file F]
                 [--app-id N --app-key PUBLIC.pem] [--installation ACCOUNT=ID]...
                 [--pat TOKEN]... [--repo OWNER/REPO]... [--org ORG]...
                 [--enterprise NAME=ORG[,ORG]]... [--runner-group OWNER=NAME]...
                 [--registration-token-ttl S] [--installation-token-ttl S]
                 [--poll-seconds S] [--lost-seconds S]

Every API path is answered both at the root (api.github.com style) and under
/api/v3 (GitHub Enterprise Server style: a runner URL http://127.0.0.1:PORT/ORG
has the API http://127.0.0.1:PORT/api/v3). The test controls it through
/_fake/ (see README.md). Standard library only; JWT signatures are checked with
the openssl command.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DOCS = "https://docs.github.com/rest"
RUNNERS_DOCS = "https://docs.github.com/rest/actions/self-hosted-runners"
APPS_DOCS = "https://docs.github.com/rest/apps/apps"
RATE_LIMIT_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
API_VERSION = "2022-11-28"
SCOPE = r"/(repos/[^/]+/[^/]+|orgs/[^/]+|enterprises/[^/]+)"
REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}


def now():
    return time.time()


def iso(t, millis=False):
    text = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if millis:
        return f"{text}.{int((t % 1) * 1000):03d}+00:00"
    return text + "Z"


def random_text(length, alphabet=string.ascii_letters + string.digits):
    return "".join(secrets.choice(alphabet) for _ in range(length))


def b64(data):
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ApiError(Exception):
    """An answer other than success, with GitHub's error body."""

    def __init__(self, status, message, documentation_url=DOCS, headers=None, body=None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.body = body if body is not None else {
            "message": message, "documentation_url": documentation_url, "status": str(status)}


def not_found(documentation_url=DOCS):
    return ApiError(404, "Not Found", documentation_url)


def name_taken(name):
    return ApiError(409, f"Already exists - A runner with the name {name} already exists.", RUNNERS_DOCS)


# --- App authentication -----------------------------------------------------------


def check_jwt(token, app, public_key):
    """Raises ApiError(401) as GitHub does unless token is an RS256 JWT signed by
    the app's key, with iss = the app id (or client id), iat and exp sane and exp at
    most 10 minutes away."""
    undecodable = ApiError(401, "A JSON web token could not be decoded")
    parts = token.split(".")
    if len(parts) != 3:
        raise undecodable
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:
        raise undecodable from None
    # openssl reads only a key's length of signature: a longer one must not pass.
    if (header.get("alg") != "RS256" or not isinstance(claims, dict)
            or len(signature) * 8 != app["key_bits"] or parts[2] != b64url(signature)):
        raise undecodable
    if str(claims.get("iss")) not in {str(app["id"]), str(app.get("client_id") or app["id"])}:
        raise undecodable
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "input"), "wb") as f:
            f.write(f"{parts[0]}.{parts[1]}".encode())
        with open(os.path.join(tmp, "sig"), "wb") as f:
            f.write(signature)
        verified = subprocess.run(
            ["openssl", "dgst", "-sha256", "-verify", public_key, "-signature",
             os.path.join(tmp, "sig"), os.path.join(tmp, "input")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode == 0
    if not verified:
        raise undecodable
    iat, exp, t = claims.get("iat"), claims.get("exp"), now()
    if not isinstance(iat, int) or iat > t + 60:
        raise ApiError(401, "'Issued at' claim ('iat') must be an Integer representing the time that the "
                            "assertion was issued")
    if not isinstance(exp, int) or exp <= t:
        raise ApiError(401, "'Expiration time' claim ('exp') must be a numeric value representing the future "
                            "time at which the assertion expires")
    if exp > t + 600:
        raise ApiError(401, "'Expiration time' claim ('exp') is too far in the future")


# --- State ------------------------------------------------------------------------


class Scope:
    """Where runners are registered: a repository, an organisation or an enterprise."""

    def __init__(self, kind, name):
        self.kind, self.name = kind, name  # name: 'owner/repo', 'org' or 'enterprise'

    @classmethod
    def from_api_path(cls, path):  # 'repos/o/r', 'orgs/o', 'enterprises/e'
        head, _, rest = path.partition("/")
        return cls({"repos": "repo", "orgs": "org", "enterprises": "enterprise"}[head], rest.lower())

    @classmethod
    def from_url(cls, url):  # a runner URL: https://host/ORG[/REPO] or .../enterprises/E
        parts = [p for p in urlsplit(url).path.split("/") if p]
        if len(parts) == 1:
            return cls("org", parts[0].lower())
        if len(parts) == 2 and parts[0].lower() == "enterprises":
            return cls("enterprise", parts[1].lower())
        if len(parts) == 2:
            return cls("repo", f"{parts[0]}/{parts[1]}".lower())
        return None

    @property
    def key(self):
        return (self.kind, self.name)

    @property
    def api_path(self):
        return {"repo": "repos", "org": "orgs", "enterprise": "enterprises"}[self.kind] + "/" + self.name

    @property
    def url_path(self):
        return ("enterprises/" if self.kind == "enterprise" else "") + self.name

    def __eq__(self, other):
        return isinstance(other, Scope) and self.key == other.key


class State:
    """Everything the fake knows, behind one lock (a condition, so that long polls
    wake when a job arrives)."""

    def __init__(self, config):
        self.cond = threading.Condition()
        self.app = config.get("app")  # {'id', 'client_id', 'public_key': path} or None
        self.installations = {k.lower(): int(v) for k, v in config.get("installations", {}).items()}
        self.pats = set(config.get("pats", []))
        self.repos = {r.lower() for r in config.get("repos", ["octo-org/octo-repo"])}
        self.enterprises = {e.lower(): [o.lower() for o in orgs]
                            for e, orgs in config.get("enterprises", {}).items()}
        self.orgs = ({r.split("/")[0] for r in self.repos} | {o.lower() for o in config.get("orgs", [])}
                     | {o for orgs in self.enterprises.values() for o in orgs}
                     | {a.split("/")[0] for a in self.installations})
        self.settings = {
            "registration_token_ttl": config.get("registration_token_ttl", 3600),
            "installation_token_ttl": config.get("installation_token_ttl", 3600),
            "poll_seconds": config.get("poll_seconds", 5),
            "lost_seconds": config.get("lost_seconds", 30),
        }
        # Runner groups per organisation and enterprise: Default (id 1) first.
        self.groups = {}
        for owner in list(self.orgs) + list(self.enterprises):
            self.groups[owner] = [{"id": 1, "name": "Default", "default": True}]
        for owner, name in config.get("runner_groups", []):
            groups = self.groups.setdefault(owner.lower(), [{"id": 1, "name": "Default", "default": True}])
            groups.append({"id": len(groups) + 1, "name": name, "default": False})
        self.installation_tokens = {}  # token -> {installation_id, expires}
        self.runner_tokens = {}  # registration/remove token -> {kind, scope, created, expires}
        self.access_tokens = {}  # runner OAuth token -> runner id
        self.job_tokens = {}  # job token -> job id
        self.runners = {}  # id -> runner dict
        self.jobs = {}  # id -> job dict
        self.faults = []
        self.requests = []
        self.next_ids = {"runner": 1, "label": 1, "job": 1, "fault": 1, "request": 1, "message": 1}

    def new_id(self, kind):
        value = self.next_ids[kind]
        self.next_ids[kind] += 1
        return value

    # Entities and credentials.

    def exists(self, scope):
        known = {"repo": self.repos, "org": self.orgs, "enterprise": self.enterprises}
        return scope.name in known[scope.kind]

    def installation_covers(self, installation_id, scope):
        for account, iid in self.installations.items():
            if iid == installation_id and (
                    account == scope.name or (scope.kind == "repo" and account == scope.name.split("/")[0])):
                return True
        return False

    def installation_for(self, scope):
        for account, iid in self.installations.items():
            if account == scope.name or (scope.kind == "repo" and account == scope.name.split("/")[0]):
                return account, iid
        return None

    def groups_for(self, scope):
        if scope.kind == "repo":
            return [{"id": 1, "name": "Default", "default": True}]
        return self.groups.get(scope.name, [{"id": 1, "name": "Default", "default": True}])

    def runner_token(self, token, kind, scope):
        entry = self.runner_tokens.get(token)
        return (entry is not None and entry["kind"] == kind and entry["scope"] == scope
                and entry["expires"] > now())

    def serves(self, runner, repository):
        owner = repository.split("/")[0]
        scope = runner["scope"]
        return (scope.key == ("repo", repository) or scope.key == ("org", owner)
                or (scope.kind == "enterprise" and owner in self.enterprises.get(scope.name, [])))

    # Runners.

    def add_runner(self, scope, name, labels, group, ephemeral, jit, key=None, version="",
                   disable_update=False):
        runner = {
            "id": self.new_id("runner"), "name": name, "os": "unknown", "scope": scope,
            "labels": [], "group": group, "ephemeral": ephemeral, "jit": jit, "busy": False,
            "client_id": str(uuid.uuid4()), "key": key, "version": version,
            "disable_update": disable_update, "session": None, "last_seen": 0.0,
            "jobs_taken": 0, "created": now(),
        }
        self.set_labels(runner, labels)
        self.runners[runner["id"]] = runner
        return runner

    def set_labels(self, runner, labels):
        """labels: (name, read_only) pairs; a name already there is not repeated
        (GitHub compares labels case-insensitively)."""
        runner["labels"] = []
        for name, read_only in labels:
            if name.lower() not in {label["name"].lower() for label in runner["labels"]}:
                runner["labels"].append({"id": self.new_id("label"), "name": name,
                                         "type": "read-only" if read_only else "custom"})

    def find_runner(self, scope, name):
        for runner in self.runners.values():
            if runner["scope"] == scope and runner["name"].lower() == name.lower():
                return runner
        return None

    def delete_runner(self, runner):
        # Its access tokens stay known, so that its listener hears "runner not found".
        self.runners.pop(runner["id"], None)
        self.cond.notify_all()

    def online(self, runner):
        return (runner["session"] is not None
                and now() - runner["last_seen"] <= self.settings["poll_seconds"] + 5)

    def runner_json(self, runner, full=False):
        data = {
            "id": runner["id"], "name": runner["name"], "os": runner["os"],
            "status": "online" if self.online(runner) else "offline", "busy": runner["busy"],
            "ephemeral": runner["ephemeral"], "runner_group_id": runner["group"]["id"],
            "labels": [dict(label) for label in runner["labels"]],
        }
        if full:
            data.update({"scope": runner["scope"].api_path, "runner_group_name": runner["group"]["name"],
                         "jit": runner["jit"], "version": runner["version"],
                         "disable_update": runner["disable_update"], "jobs_taken": runner["jobs_taken"],
                         "session": runner["session"]})
        return data

    # Jobs.

    def reap(self):
        """Ends the jobs of runners that stopped polling (killed mid-job), as
        GitHub fails a job whose runner lost communication."""
        for job in self.jobs.values():
            runner = self.runners.get(job["runner_id"])
            if job["status"] == "running" and (runner is None or (
                    not self.online(runner) and now() - runner["last_seen"] > self.settings["lost_seconds"])):
                self.lose_job(job)

    def lose_job(self, job, runner_after="idle"):
        """Fails a job whose runner went silent. The runner stays registered
        (offline), ephemeral or not: GitHub removes such runners only a day later."""
        self.finish_job(job, "Failed", None, f"The self-hosted runner: {job['runner_name']} lost "
                        "communication with the server.", runner_after)

    def finish_job(self, job, result, exit_code, output, runner_after="done"):
        """runner_after: 'done' (idle; an ephemeral runner is removed, as the
        service removes it after its job), 'idle', or 'unchanged'."""
        job.update(status="cancelled" if result == "Canceled" else "completed", result=result,
                   exit_code=exit_code, output=output, completed_at=now())
        for token in [t for t, jid in self.job_tokens.items() if jid == job["id"]]:
            del self.job_tokens[token]
        runner = self.runners.get(job["runner_id"])
        if runner is not None and runner_after != "unchanged":
            runner["busy"] = False
            runner["pending_cancel"] = None
            if runner["ephemeral"] and runner_after == "done":
                self.delete_runner(runner)
        self.cond.notify_all()

    def next_message(self, runner, status):
        """The message for a runner's long poll, or None: a cancellation of its
        job, or a queued job it can take."""
        if runner.get("pending_cancel"):
            job = self.jobs[runner.pop("pending_cancel")]
            return "JobCancellation", {"jobId": job["uuid"], "timeout": "00:05:00"}
        if status.lower() != "online" or runner["busy"] or (runner["ephemeral"] and runner["jobs_taken"]):
            return None
        names = {label["name"].lower() for label in runner["labels"]}
        for job in sorted(self.jobs.values(), key=lambda j: j["id"]):
            if (job["status"] == "queued" and {label.lower() for label in job["labels"]} <= names
                    and self.serves(runner, job["repository"])):
                job.update(status="running", runner_id=runner["id"], runner_name=runner["name"],
                           assigned_at=now())
                runner["busy"] = True
                runner["jobs_taken"] += 1
                return "RunnerJobRequest", {
                    "id": str(job["id"]), "runner_request_id": job["uuid"],
                    "run_service_url": "@base@/_services/run/", "should_acknowledge": False,
                    "billing_owner_id": ""}
        return None


# --- HTTP -------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State = None  # set by main()

    def version_string(self):
        return "GitHub.com"

    def log_message(self, fmt, *args):  # quiet: the request log is in /_fake/requests
        pass

    def do_GET(self):
        self.handle_request("GET")

    def do_POST(self):
        self.handle_request("POST")

    def do_DELETE(self):
        self.handle_request("DELETE")

    def do_PATCH(self):
        self.handle_request("PATCH")

    def do_PUT(self):
        self.handle_request("PUT")

    # Plumbing.

    @property
    def base(self):
        return "http://" + (self.headers.get("Host") or f"127.0.0.1:{self.server.server_port}")

    def send(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body, indent=2).encode() + b"\n"
        self.send_response(status, REASONS.get(status))
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        hex_digits = "0123456789ABCDEF"
        self.send_header("X-GitHub-Request-Id", f"{random_text(4, hex_digits)}:{random_text(6, hex_digits)}")
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        self.send_header("X-GitHub-Api-Version-Selected", API_VERSION)
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def credential(self):
        """(kind, scheme, token): what the Authorization header carries."""
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        scheme_lower = scheme.lower()
        st = self.state
        if not header:
            return "none", "", ""
        if scheme_lower == "remoteauth":
            entry = st.runner_tokens.get(token)
            return (entry["kind"] if entry else "remoteauth-unknown"), scheme, token
        if scheme_lower == "basic":  # config.sh --pat: basic github:PAT
            try:
                token = base64.b64decode(token).decode().partition(":")[2]
            except ValueError:
                return "invalid", scheme, ""
            return ("pat" if token in st.pats else "invalid"), scheme, token
        if scheme_lower not in ("bearer", "token"):
            return "invalid", scheme, token
        if token.count(".") == 2:
            return "jwt", scheme, token
        if token in st.installation_tokens:
            return "installation", scheme, token
        if token in st.pats:
            return "pat", scheme, token
        if token in st.access_tokens:
            return "runner", scheme, token
        if token in st.job_tokens:
            return "job", scheme, token
        return "invalid", scheme, token

    def handle_request(self, method):
        url = urlsplit(self.path)
        body = self.read_body()
        if url.path.startswith("/_fake/"):
            self.control(method, url, body)
            return
        path = url.path[len("/api/v3"):] if url.path.startswith("/api/v3/") else url.path
        st = self.state
        with st.cond:
            kind, scheme, _ = self.credential()
            entry = {
                "seq": st.new_id("request"), "time": now(), "method": method, "path": url.path,
                "query": url.query, "auth": kind, "scheme": scheme,
                "accept": self.headers.get("Accept", ""),
                "api_version": self.headers.get("X-GitHub-Api-Version", ""),
                "user_agent": self.headers.get("User-Agent", ""), "status": None, "fault": None,
            }
            st.requests.append(entry)
            fault = self.take_fault(method, url.path)
        if fault is not None:
            entry["fault"] = fault["id"]
            status, payload, headers = fault_response(fault)
        else:
            try:
                status, payload, headers = self.route(method, path, parse_qs(url.query), body)
            except ApiError as error:
                status, payload, headers = error.status, error.body, error.headers
        entry["status"] = status
        if status == 429 or (status == 403 and "rate limit" in json.dumps(payload)):
            headers.setdefault("X-RateLimit-Remaining", 0)
        headers = {"X-RateLimit-Limit": 5000, "X-RateLimit-Remaining": 4999, "X-RateLimit-Used": 1,
                   "X-RateLimit-Reset": int(now()) + 3600, "X-RateLimit-Resource": "core", **headers}
        self.send(status, payload, headers)

    def take_fault(self, method, path):
        for fault in self.state.faults:
            if fault["method"] in ("*", method) and re.search(fault["path"], path):
                fault["count"] -= 1
                fault["hits"] += 1
                if fault["count"] <= 0:
                    self.state.faults.remove(fault)
                return dict(fault)
        return None

    ROUTES = [
        ("POST", r"/app/installations/(\d+)/access_tokens", "app_access_token"),
        ("GET", r"/app/installations", "app_installations"),
        ("GET", r"/repos/([^/]+/[^/]+)/installation", "repo_installation"),
        ("GET", r"/orgs/([^/]+)/installation", "org_installation"),
        ("POST", r"/actions/runner-registration", "runner_registration"),
        ("POST", r"/actions/runners/register", "runner_register"),
        ("POST", SCOPE + r"/actions/runners/registration-token", "registration_token"),
        ("POST", SCOPE + r"/actions/runners/remove-token", "remove_token"),
        ("POST", SCOPE + r"/actions/runners/generate-jitconfig", "generate_jitconfig"),
        ("GET", SCOPE + r"/actions/runners", "list_runners"),
        ("GET", SCOPE + r"/actions/runners/(\d+)", "get_runner"),
        ("DELETE", SCOPE + r"/actions/runners/(\d+)", "delete_runner"),
        ("GET", SCOPE + r"/actions/runner-groups", "runner_groups"),
        ("POST", r"/_services/token/oauth2/token", "oauth_token"),
        ("POST", r"/_services/broker/session", "create_session"),
        ("DELETE", r"/_services/broker/session", "delete_session"),
        ("GET", r"/_services/broker/message", "get_message"),
        ("POST", r"/_services/broker/acknowledge", "acknowledge"),
        ("POST", r"/_services/run/acquirejob", "acquire_job"),
        ("POST", r"/_services/run/renewjob", "renew_job"),
        ("POST", r"/_services/run/completejob", "complete_job"),
    ]

    def route(self, method, path, query, body):
        for route_method, pattern, name in self.ROUTES:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                if name == "get_message":  # long poll: waits on the condition itself
                    return self.get_message(query)
                with self.state.cond:
                    self.state.reap()
                    return getattr(self, name)(*match.groups(), query=query, body=body)
        raise not_found()

    def json_body(self, body):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "Problems parsing JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Problems parsing JSON")
        return data

    # REST authorisation.

    def require_jwt(self):
        kind, _, token = self.credential()
        if kind == "none":
            raise ApiError(401, "A JSON web token could not be decoded")
        if kind != "jwt" or self.state.app is None:
            raise ApiError(401, "A JSON web token could not be decoded")
        check_jwt(token, self.state.app, self.state.app["public_key"])

    def authorize(self, scope, remote_kinds=()):
        """What GitHub answers a REST call on a runner scope: 401 without usable
        credentials, 403 for an App token outside its installation or on an
        enterprise (App tokens cannot manage enterprise runners), 404 for an
        unknown owner. RemoteAuth with a runner token of one of remote_kinds is
        the runner's own registration flow (config.sh)."""
        st = self.state
        kind, _, token = self.credential()
        if kind in remote_kinds:
            if st.runner_token(token, kind, scope):
                return kind
            raise not_found()
        if kind == "none":
            raise ApiError(401, "Requires authentication", RUNNERS_DOCS)
        if kind == "installation":
            entry = st.installation_tokens[token]
            if entry["expires"] <= now():
                raise ApiError(401, "Bad credentials")
            if not st.exists(scope):
                raise not_found(RUNNERS_DOCS)
            if scope.kind == "enterprise" or not st.installation_covers(entry["installation_id"], scope):
                raise ApiError(403, "Resource not accessible by integration", RUNNERS_DOCS)
            return kind
        if kind == "pat":
            if not st.exists(scope):
                raise not_found(RUNNERS_DOCS)
            return kind
        raise ApiError(401, "Bad credentials")

    # App endpoints.

    def app_access_token(self, installation_id, query, body):
        self.require_jwt()
        st = self.state
        if int(installation_id) not in st.installations.values():
            raise not_found(APPS_DOCS + "#create-an-installation-access-token-for-an-app")
        self.json_body(body)  # repositories / permissions: accepted, not narrowed
        token = "ghs_" + random_text(36)
        expires = now() + st.settings["installation_token_ttl"]
        st.installation_tokens[token] = {"installation_id": int(installation_id), "expires": expires,
                                         "created": now()}
        return 201, {"token": token, "expires_at": iso(expires), "permissions": {
            "administration": "write", "organization_self_hosted_runners": "write", "metadata": "read"},
            "repository_selection": "all"}, {}

    def installation_json(self, account, iid):
        owner = account.split("/")[0]
        return {"id": iid, "account": {"login": owner, "type": "Organization"},
                "app_id": self.state.app["id"], "app_slug": "rigc-test-app",
                "target_type": "Organization",
                "repository_selection": "selected" if "/" in account else "all",
                "access_tokens_url": f"{self.base}/app/installations/{iid}/access_tokens",
                "permissions": {"administration": "write", "organization_self_hosted_runners": "write",
                                "metadata": "read"},
                "events": [], "suspended_at": None}

    def app_installations(self, query, body):
        self.require_jwt()
        return 200, [self.installation_json(a, i) for a, i in sorted(self.state.installations.items())], {}

    def repo_installation(self, repo, query, body):
        self.require_jwt()
        found = self.state.installation_for(Scope("repo", repo.lower()))
        if found is None:
            raise not_found(APPS_DOCS + "#get-a-repository-installation-for-the-authenticated-app")
        return 200, self.installation_json(*found), {}

    def org_installation(self, org, query, body):
        self.require_jwt()
        found = self.state.installation_for(Scope("org", org.lower()))
        if found is None:
            raise not_found(APPS_DOCS + "#get-an-organization-installation-for-the-authenticated-app")
        return 200, self.installation_json(*found), {}

    # Runner tokens and JIT configuration.

    def mint(self, scope_path, kind):
        st = self.state
        scope = Scope.from_api_path(scope_path)
        self.authorize(scope)
        token = random_text(29, string.ascii_uppercase + string.digits)
        expires = now() + st.settings["registration_token_ttl"]
        st.runner_tokens[token] = {"kind": kind, "scope": scope, "created": now(), "expires": expires}
        return 201, {"token": token, "expires_at": iso(expires, millis=True)}, {}

    def registration_token(self, scope_path, query, body):
        return self.mint(scope_path, "registration")

    def remove_token(self, scope_path, query, body):
        return self.mint(scope_path, "remove")

    def generate_jitconfig(self, scope_path, query, body):
        st = self.state
        scope = Scope.from_api_path(scope_path)
        self.authorize(scope)
        data = self.json_body(body)
        for key in ("name", "runner_group_id", "labels"):
            if key not in data:
                raise ApiError(422, f"Invalid input: object is missing required key: {key}", RUNNERS_DOCS)
        name, labels, work = data["name"], data["labels"], data.get("work_folder", "_work")
        if (not isinstance(name, str) or not name or not isinstance(data["runner_group_id"], int)
                or not isinstance(labels, list) or not 1 <= len(labels) <= 100
                or not all(isinstance(label, str) and label for label in labels)
                or not isinstance(work, str)):
            raise ApiError(422, "Invalid request.", RUNNERS_DOCS)
        group = next((g for g in st.groups_for(scope) if g["id"] == data["runner_group_id"]), None)
        if group is None:
            raise not_found(RUNNERS_DOCS)
        if st.find_runner(scope, name):
            raise name_taken(name)
        secret, modulus = new_runner_key()
        runner = st.add_runner(scope, name, [(label, False) for label in labels], group, ephemeral=True,
                               jit=True, key=modulus, disable_update=True)
        files = runner_files(self.base, runner, work, secret)
        encoded = b64(json.dumps({name: b64(content) for name, content in files.items()}))
        return 201, {"runner": st.runner_json(runner), "encoded_jit_config": encoded}, {}

    # Runners.

    def list_runners(self, scope_path, query, body):
        st = self.state
        scope = Scope.from_api_path(scope_path)
        self.authorize(scope, remote_kinds=("registration", "remove"))
        runners = [r for r in sorted(st.runners.values(), key=lambda r: r["id"]) if r["scope"] == scope]
        if "name" in query:
            runners = [r for r in runners if r["name"].lower() == query["name"][0].lower()]
        per_page = max(1, min(100, int(query.get("per_page", ["30"])[0])))
        page = max(1, int(query.get("page", ["1"])[0]))
        shown = runners[(page - 1) * per_page:page * per_page]
        return 200, {"total_count": len(runners), "runners": [st.runner_json(r) for r in shown]}, {}

    def scoped_runner(self, scope, runner_id):
        runner = self.state.runners.get(int(runner_id))
        if runner is None or runner["scope"] != scope:
            raise not_found(RUNNERS_DOCS)
        return runner

    def get_runner(self, scope_path, runner_id, query, body):
        scope = Scope.from_api_path(scope_path)
        self.authorize(scope)
        return 200, self.state.runner_json(self.scoped_runner(scope, runner_id)), {}

    def delete_runner(self, scope_path, runner_id, query, body):
        scope = Scope.from_api_path(scope_path)
        self.authorize(scope, remote_kinds=("remove",))
        runner = self.scoped_runner(scope, runner_id)
        if runner["busy"]:
            raise ApiError(422, f"Bad request - Runner \"{runner['name']}\" is still running a job",
                           RUNNERS_DOCS)
        self.state.delete_runner(runner)
        return 204, None, {}

    def runner_groups(self, scope_path, query, body):
        scope = Scope.from_api_path(scope_path)
        used = self.authorize(scope, remote_kinds=("registration", "remove"))
        if scope.kind == "repo" and used not in ("registration", "remove"):
            raise not_found()  # no public runner-groups endpoint for a repository
        groups = [{"id": g["id"], "name": g["name"], "visibility": "all", "default": g["default"],
                   "runners_url": f"{self.base}/api/v3/{scope.api_path}/actions/runner-groups/{g['id']}"
                                  "/runners",
                   "inherited": False, "allows_public_repositories": False,
                   "restricted_to_workflows": False, "selected_workflows": [],
                   "workflow_restrictions_read_only": False}
                  for g in self.state.groups_for(scope)]
        return 200, {"total_count": len(groups), "runner_groups": groups}, {}

    # What config.sh calls (RemoteAuth with the registration or remove token).

    def remote_scope(self, data, kind):
        scope = Scope.from_url(str(data.get("url", "")))
        _, _, token = self.credential()
        if scope is None or not self.state.exists(scope) or not self.state.runner_token(token, kind, scope):
            raise not_found()
        return scope

    def runner_registration(self, query, body):
        data = self.json_body(body)
        event = data.get("runner_event")
        self.remote_scope(data, {"register": "registration", "remove": "remove"}.get(event, ""))
        return 200, {"url": f"{self.base}/_services/pipelines/", "token_schema": "OAuthAccessToken",
                     "token": secrets.token_urlsafe(32), "use_v2_flow": True}, {}

    def runner_register(self, query, body):
        st = self.state
        data = self.json_body(body)
        scope = self.remote_scope(data, "registration")
        name = str(data.get("name", ""))
        # The runner sends its default labels as type system (read-only on GitHub)
        # and --labels as type user.
        labels = [(str(label.get("name", "")), str(label.get("type", "")).lower() in ("system", "0"))
                  for label in data.get("labels", []) if isinstance(label, dict)]
        group = next((g for g in st.groups_for(scope) if g["id"] == data.get("group_id")), None)
        match = re.search(r"<Modulus>([^<]+)</Modulus>", str(data.get("public_key", "")))
        if not name or group is None or match is None:
            raise ApiError(422, "Invalid request.", RUNNERS_DOCS)
        existing = st.find_runner(scope, name)
        if existing and not data.get("replace"):
            raise name_taken(name)
        if existing:  # --replace: same id, new key; the old listener's session and job end
            for token in [t for t, rid in st.access_tokens.items() if rid == existing["id"]]:
                del st.access_tokens[token]
            for job in st.jobs.values():
                if job["status"] == "running" and job["runner_id"] == existing["id"]:
                    st.lose_job(job, runner_after="unchanged")
            existing.update(key=match.group(1), ephemeral=bool(data.get("ephemeral")), group=group,
                            version=str(data.get("version", "")), session=None, busy=False, jobs_taken=0,
                            disable_update=bool(data.get("updates_disabled")), client_id=str(uuid.uuid4()))
            st.set_labels(existing, labels)
            runner = existing
        else:
            runner = st.add_runner(scope, name, labels, group, ephemeral=bool(data.get("ephemeral")),
                                   jit=False, key=match.group(1), version=str(data.get("version", "")),
                                   disable_update=bool(data.get("updates_disabled")))
        return 200, {"id": runner["id"], "name": runner["name"], "authorization": {
            "authorization_url": f"{self.base}/_services/token/oauth2/token",
            "server_url": f"{self.base}/_services/broker/", "client_id": runner["client_id"]}}, {}

    # The Actions service the runner listener talks to.

    def runner_by_token(self):
        kind, _, token = self.credential()
        if kind != "runner":
            raise ApiError(401, "Unauthorized")
        runner = self.state.runners.get(self.state.access_tokens[token])
        if runner is None:  # deleted while it was listening
            raise ApiError(404, "Runner not found", body={
                "source": "actions-broker-listener", "errorKind": "RunnerNotFound", "statusCode": 404,
                "errorMessage": "The runner registration was deleted."})
        return runner

    def oauth_token(self, query, body):
        """The runner's client-credentials grant. Its assertion is a JWT whose
        signature part is the private half of the stand-in's key: its SHA-256
        must be the modulus registered (the images have no openssl to sign)."""
        st = self.state
        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        parts = form.get("client_assertion", "").split(".")
        try:
            client_id = json.loads(b64url_decode(parts[1])).get("sub") if len(parts) == 3 else None
        except ValueError:
            client_id = None
        runner = next((r for r in st.runners.values() if r["client_id"] == client_id), None)
        if runner is None:
            return 400, {"error": "invalid_client", "error_description": "Registration was not found."}, {}
        if hashlib.sha256(parts[2].encode()).hexdigest() != runner["key"]:
            return 401, {"error": "invalid_client",
                         "error_description": "The client assertion is not valid."}, {}
        token = secrets.token_urlsafe(32)
        st.access_tokens[token] = runner["id"]
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": 3600}, {}

    def create_session(self, query, body):
        st = self.state
        runner = self.runner_by_token()
        data = self.json_body(body)
        if st.online(runner):
            raise ApiError(409, "A session for this runner already exists.")
        agent = data.get("agent") if isinstance(data.get("agent"), dict) else {}
        runner["os"] = str(agent.get("osDescription") or "linux").split()[0].lower()
        runner["session"] = str(uuid.uuid4())
        runner["last_seen"] = now()
        return 200, {"sessionId": runner["session"], "ownerName": data.get("ownerName", ""),
                     "agent": {"id": runner["id"], "name": runner["name"]}}, {}

    def delete_session(self, query, body):
        runner = self.runner_by_token()
        runner["session"] = None
        self.state.cond.notify_all()
        return 200, None, {}

    def get_message(self, query):
        st = self.state
        status = query.get("status", ["Online"])[0]
        with st.cond:
            st.reap()
            runner = self.runner_by_token()
            if runner["session"] is None or query.get("sessionId", [""])[0] != runner["session"]:
                raise ApiError(404, "Session not found", body={
                    "source": "actions-broker-listener", "errorKind": "RunnerSessionInvalid",
                    "statusCode": 404, "errorMessage": "The runner session is not valid."})
            deadline = now() + st.settings["poll_seconds"]
            while True:
                runner["last_seen"] = now()
                message = st.next_message(runner, status)
                if message is not None or now() >= deadline or st.runners.get(runner["id"]) is not runner:
                    break
                st.cond.wait(max(0.05, deadline - now()))
            if st.runners.get(runner["id"]) is not runner:
                return self.runner_by_token()  # raises: deleted while polling
            runner["last_seen"] = now()
            if message is None:
                return 202, None, {}
            kind, payload = message
            text = json.dumps(payload).replace("@base@", self.base)
            return 200, {"messageId": st.new_id("message"), "messageType": kind, "body": text}, {}

    def acknowledge(self, query, body):
        self.runner_by_token()
        return 200, None, {}

    def acquire_job(self, query, body):
        st = self.state
        runner = self.runner_by_token()
        request_id = self.json_body(body).get("jobMessageId")
        job = next((j for j in st.jobs.values() if j["uuid"] == request_id), None)
        if job is None or job["runner_id"] != runner["id"] or job["status"] != "running":
            return 404, {"code": 404, "message": f"Job message not found: {request_id}"}, {}
        if job["acquired"]:
            return 409, {"code": 409, "message": f"Job message already acquired: {request_id}"}, {}
        job["acquired"] = True
        job["started_at"] = now()
        token = secrets.token_urlsafe(32)
        st.job_tokens[token] = job["id"]
        owner, repo = job["repository"].split("/")
        return 200, {
            "jobId": job["uuid"], "jobDisplayName": job["name"], "jobName": "job", "requestId": job["id"],
            "planId": job["plan"], "timeoutInMinutes": 360,
            "contextData": {"github": {
                "repository": job["repository"], "repository_owner": owner, "run_id": str(job["id"]),
                "run_number": str(job["id"]), "run_attempt": "1", "job": "job", "workflow": "fake",
                "event_name": "workflow_dispatch", "ref": "refs/heads/main", "sha": "0" * 40,
                "actor": "octocat", "server_url": self.base, "api_url": f"{self.base}/api/v3"}},
            "steps": [{"id": str(uuid.uuid4()), "name": "Run script", "script": job["script"],
                       "env": job["env"]}],
            "resources": {"endpoints": [{"name": "SystemVssConnection", "url": f"{self.base}/_services/run/",
                                         "authorization": {"scheme": "OAuth",
                                                           "parameters": {"AccessToken": token}}}]},
            "repositoryName": repo}, {}

    def job_for_call(self, data):
        st = self.state
        kind, _, token = self.credential()
        if kind == "job":
            job = st.jobs[st.job_tokens[token]]
        elif kind == "runner":
            runner = self.runner_by_token()
            job = next((j for j in st.jobs.values() if j["uuid"] == data.get("jobId")
                        and j["runner_id"] == runner["id"]), None)
        else:
            raise ApiError(401, "Unauthorized")
        if job is None or job["uuid"] != data.get("jobId") or job["status"] != "running":
            raise ApiError(404, "Job not found",
                           body={"code": 404, "message": f"Job not found: {data.get('jobId')}"})
        return job

    def renew_job(self, query, body):
        job = self.job_for_call(self.json_body(body))
        runner = self.state.runners.get(job["runner_id"])
        if runner is not None:
            runner["last_seen"] = now()
        return 200, {"lockedUntil": iso(now() + 600)}, {}

    def complete_job(self, query, body):
        data = self.json_body(body)
        job = self.job_for_call(data)
        result = {"succeeded": "Succeeded", "failed": "Failed", "canceled": "Canceled",
                  "cancelled": "Canceled"}.get(str(data.get("conclusion", "")).lower(), "Failed")
        exit_code = data.get("exitCode") if isinstance(data.get("exitCode"), int) else None
        self.state.finish_job(job, result, exit_code, str(data.get("log", "")))
        return 200, None, {}

    # Test control: /_fake/...

    def control(self, method, url, body):
        st = self.state
        path = url.path[len("/_fake"):]
        try:
            with st.cond:
                st.reap()
                status, payload = self.control_route(method, path, parse_qs(url.query), body)
        except ApiError as error:
            status, payload = error.status, error.body
        self.send(status, payload)

    def control_route(self, method, path, query, body):
        st = self.state
        if (method, path) == ("GET", "/state"):
            return 200, {"settings": st.settings,
                         "runners": [st.runner_json(r, full=True)
                                     for r in sorted(st.runners.values(), key=lambda r: r["id"])],
                         "jobs": [job_json(j) for j in st.jobs.values()],
                         "tokens": {"installation": [token_json(e) for e in st.installation_tokens.values()],
                                    "runner": [token_json(e) for e in st.runner_tokens.values()]},
                         "faults": st.faults}
        if (method, path) == ("GET", "/requests"):
            since = int(query.get("since", ["0"])[0])
            return 200, {"requests": [r for r in st.requests if r["seq"] > since]}
        if (method, path) == ("DELETE", "/requests"):
            st.requests.clear()
            return 204, None
        if (method, path) == ("POST", "/jobs"):
            return 201, job_json(self.new_job(self.json_body(body)))
        if (method, path) == ("GET", "/jobs"):
            return 200, {"jobs": [job_json(j) for j in st.jobs.values()]}
        match = re.fullmatch(r"/jobs/(\d+)(/cancel)?", path)
        if match and match.group(1) and int(match.group(1)) in st.jobs:
            job = st.jobs[int(match.group(1))]
            if method == "GET" and not match.group(2):
                return 200, job_json(job)
            if method == "POST" and match.group(2):
                if job["status"] == "queued":
                    job.update(status="cancelled", result="Canceled", completed_at=now())
                elif job["status"] == "running" and job["runner_id"] in st.runners:
                    st.runners[job["runner_id"]]["pending_cancel"] = job["id"]
                    st.cond.notify_all()
                return 202, job_json(job)
        if (method, path) == ("POST", "/faults"):
            data = self.json_body(body)
            if "path" not in data or "status" not in data:
                raise ApiError(422, "a fault needs 'path' (a regular expression) and 'status'")
            re.compile(data["path"])
            fault = {"id": st.new_id("fault"), "method": data.get("method", "*").upper(),
                     "path": data["path"], "status": int(data["status"]),
                     "count": int(data.get("count", 1)), "hits": 0,
                     "retry_after": data.get("retry_after"), "message": data.get("message")}
            st.faults.append(fault)
            return 201, fault
        if (method, path) == ("GET", "/faults"):
            return 200, {"faults": st.faults}
        if (method, path) == ("DELETE", "/faults"):
            st.faults.clear()
            return 204, None
        if (method, path) == ("POST", "/settings"):
            data = self.json_body(body)
            for key, value in data.items():
                if key not in st.settings or not isinstance(value, (int, float)):
                    raise ApiError(422, f"unknown or non-numeric setting '{key}'")
                st.settings[key] = value
            return 200, st.settings
        if (method, path) == ("POST", "/expire"):
            kinds = {"registration": ("registration",), "remove": ("remove",),
                     "runner": ("registration", "remove"), "installation": (),
                     "all": ("registration", "remove")}
            kind = self.json_body(body).get("kind", "all")
            if kind not in kinds:
                raise ApiError(422, "kind must be registration, remove, runner, installation or all")
            count = 0
            for entry in st.runner_tokens.values():
                if entry["kind"] in kinds[kind] and entry["expires"] > now():
                    entry["expires"], count = now(), count + 1
            if kind in ("installation", "all"):
                for entry in st.installation_tokens.values():
                    if entry["expires"] > now():
                        entry["expires"], count = now(), count + 1
            return 200, {"expired": count}
        raise not_found()

    def new_job(self, data):
        st = self.state
        labels = data.get("labels", [])
        repository = str(data.get("repository") or sorted(st.repos)[0]).lower()
        if (not isinstance(labels, list) or not all(isinstance(label, str) for label in labels)
                or not isinstance(data.get("script", ""), str) or not isinstance(data.get("env", {}), dict)
                or repository not in st.repos):
            raise ApiError(422, "a job is {labels: [string], script: string, env: {}, "
                                "repository: 'owner/repo'}")
        job_id = st.new_id("job")
        job = {"id": job_id, "uuid": str(uuid.uuid4()), "plan": str(uuid.uuid4()),
               "name": str(data.get("name") or f"job-{job_id}"), "labels": labels,
               "script": data.get("script", "true"),
               "env": {str(k): str(v) for k, v in data.get("env", {}).items()},
               "repository": repository, "status": "queued", "result": None, "runner_id": None,
               "runner_name": None, "exit_code": None, "output": "", "acquired": False,
               "created_at": now(), "assigned_at": None, "started_at": None, "completed_at": None}
        st.jobs[job_id] = job
        st.cond.notify_all()
        return job


def fault_response(fault):
    """GitHub's answer for an injected failure: the rate-limit forms for 403 and
    429 (Retry-After when given: a secondary limit), otherwise the usual body."""
    status, retry_after = fault["status"], fault.get("retry_after")
    headers = {}
    if status in (403, 429) and fault.get("message") is None:
        if retry_after is not None:
            message = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try "
                       "again. If you reach out to GitHub Support for help, please include the request ID.")
        else:
            message = "API rate limit exceeded for installation ID 1."
            headers["X-RateLimit-Remaining"] = 0
        docs = RATE_LIMIT_DOCS
    else:
        usual = {401: "Bad credentials", 403: "Forbidden", 404: "Not Found", 500: "Server Error",
                 502: "Server Error", 503: "Service Unavailable"}
        message = fault.get("message") or usual.get(status, REASONS.get(status, "Error"))
        docs = DOCS
    if retry_after is not None:
        headers["Retry-After"] = int(retry_after)
    return status, {"message": message, "documentation_url": docs, "status": str(status)}, headers


def new_runner_key():
    """The stand-in's credential key: a random secret and the SHA-256 of it that
    the service keeps (in place of an RSA key pair)."""
    secret = b64(secrets.token_bytes(32))
    return secret, hashlib.sha256(secret.encode()).hexdigest()


def runner_files(base, runner, work_folder, secret):
    """.runner, .credentials and .credentials_rsaparams as config.sh writes them
    (camelCase JSON), for a JIT configuration."""
    scope = runner["scope"]
    settings = {"agentId": runner["id"], "agentName": runner["name"], "poolId": runner["group"]["id"],
                "poolName": runner["group"]["name"], "disableUpdate": True, "ephemeral": True,
                "serverUrl": f"{base}/_services/pipelines/", "gitHubUrl": f"{base}/{scope.url_path}",
                "workFolder": work_folder, "useV2Flow": True, "serverUrlV2": f"{base}/_services/broker/"}
    credentials = {"scheme": "OAuth", "data": {"clientId": runner["client_id"],
                                               "authorizationUrl": f"{base}/_services/token/oauth2/token",
                                               "requireFipsCryptography": "False"}}
    rsaparams = {"d": secret, "dp": "", "dq": "", "exponent": "AQAB", "inverseQ": "",
                 "modulus": runner["key"], "p": "", "q": ""}
    return {".runner": json.dumps(settings, indent=2), ".credentials": json.dumps(credentials, indent=2),
            ".credentials_rsaparams": json.dumps(rsaparams, indent=2)}


def job_json(job):
    return {k: v for k, v in job.items() if k not in ("plan", "acquired")}


def token_json(entry):
    data = {k: (v.api_path if isinstance(v, Scope) else v) for k, v in entry.items()}
    data["expired"] = entry["expires"] <= now()
    return data


# --- Start ------------------------------------------------------------------------


def load_config(args):
    config = {}
    if args.config:
        with open(args.config, encoding="utf-8") as f:
            config = json.load(f)
    if args.app_id is not None:
        config["app"] = {"id": args.app_id, "public_key": args.app_key, "client_id": args.app_client_id or ""}
    if config.get("app"):
        key = config["app"].get("public_key") or ""
        text = ""
        if os.path.isfile(key):
            text = subprocess.run(["openssl", "pkey", "-pubin", "-in", key, "-noout", "-text"],
                                  capture_output=True, text=True, check=False).stdout
        bits = re.search(r"\((\d+) bit\)", text)
        if bits is None:
            sys.exit("fake_github: the app needs --app-key PUBLIC.pem, an RSA public key file")
        config["app"]["key_bits"] = int(bits.group(1))
    config.setdefault("installations", {}).update(dict(split_pair(i) for i in args.installation))
    config.setdefault("pats", []).extend(args.pat)
    if args.repo:
        config["repos"] = config.get("repos", []) + args.repo
    config.setdefault("orgs", []).extend(args.org)
    for item in args.enterprise:
        name, orgs = split_pair(item)
        config.setdefault("enterprises", {})[name] = [o for o in orgs.split(",") if o]
    config.setdefault("runner_groups", []).extend(split_pair(g) for g in args.runner_group)
    for key in ("registration_token_ttl", "installation_token_ttl", "poll_seconds", "lost_seconds"):
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)
    return config


def split_pair(text):
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        sys.exit(f"fake_github: expected NAME=VALUE, got '{text}'")
    return name, value


def write_atomically(path, text):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="a JSON file with any of the settings below")
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    parser.add_argument("--port-file", help="write the port here once listening")
    parser.add_argument("--pid-file", help="write this process's id here")
    parser.add_argument("--app-id", type=int)
    parser.add_argument("--app-client-id")
    parser.add_argument("--app-key", help="the App's public key (PEM) that JWTs must verify against")
    parser.add_argument("--installation", action="append", default=[], metavar="ACCOUNT=ID",
                        help="an App installation on an organisation or an OWNER/REPO")
    parser.add_argument("--pat", action="append", default=[], help="a personal access token")
    parser.add_argument("--repo", action="append", default=[], metavar="OWNER/REPO")
    parser.add_argument("--org", action="append", default=[])
    parser.add_argument("--enterprise", action="append", default=[], metavar="NAME=ORG[,ORG]")
    parser.add_argument("--runner-group", action="append", default=[], metavar="OWNER=NAME")
    parser.add_argument("--registration-token-ttl", type=float, help="seconds (3600)")
    parser.add_argument("--installation-token-ttl", type=float, help="seconds (3600)")
    parser.add_argument("--poll-seconds", type=float,
                        help="long-poll length (5); a runner silent for 5 s more is offline")
    parser.add_argument("--lost-seconds", type=float,
                        help="a busy runner silent this long, and offline, fails its job (30)")
    args = parser.parse_args()

    Handler.state = State(load_config(args))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    if args.pid_file:
        write_atomically(args.pid_file, f"{os.getpid()}\n")
    if args.port_file:
        write_atomically(args.port_file, f"{port}\n")
    print(f"fake_github: listening on http://127.0.0.1:{port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
