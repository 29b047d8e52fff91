#!/usr/bin/env python3
"""Assertions of the end-to-end suite over what the engines report.

  e2e_check.py plan-image PLAN IMAGE FIELD      print one field of an image of
                                                `rigc plan --format json` (user, ref,
                                                kind, build-args, mirrors, verify,
                                                owned, script, default-target)
  e2e_check.py config PLAN IMAGE CONFIG_JSON    the built image's configuration (the
                                                `Config` of `docker inspect`, or the
                                                `Docker.config` of `buildah inspect`)
                                                against the plan: numeric non-root user,
                                                working directory, health check, labels,
                                                environment, runner settings
  e2e_check.py steps LOG                        the steps of a BuildKit --progress=plain
                                                log, one per line: CACHED|RAN  [stage i/n] …
  e2e_check.py only-ran LOG REGEX...            every step of LOG was served from the cache
                                                except those matching one of REGEX, and each
                                                REGEX matched a step that ran
  e2e_check.py apt-downloads LOG                count the .deb downloads of every apt step
  e2e_check.py apt-from-cache LOG               every apt-get install step of LOG
                                                downloaded no package ("Need to get 0 B/")

Exit status 0 when the assertion holds, 1 (with one line per failure) when not.
Standard library only.
"""
import json
import re
import shlex
import sys

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def load_plan_image(path, name):
    with open(path, encoding="utf-8") as f:
        plan = json.load(f)
    for image in plan["images"]:
        if image["name"] == name:
            return image
    sys.exit(f"e2e_check: no image '{name}' in {path}")


def base_image(image):
    for stage in image["stages"]:
        if stage["name"] == "base":
            return stage["from"]
    return ""


def owned_paths(image):
    """Directories the plan says the user owns: its home, the `install -d -o UID`
    targets, and what `COPY --from=STAGE --chown=UID:GID` puts into the image."""
    uid = image["user"]["uid"]
    paths = []
    stages = {s["name"]: s for s in image["stages"]}
    name = image["default_target"]
    while name in stages:
        for layer in stages[name]["layers"]:
            text = re.sub(r"\\\n\s*", " ", layer["instruction"])
            m = re.search(rf"useradd --uid {uid} .*--home-dir (\S+)", text)
            if m:
                paths.append(m.group(1))
            for m in re.finditer(rf"install -d -o {uid} -g \d+ ((?:/[^ &]+ ?)+)", text):
                paths.extend(m.group(1).split())
            m = re.match(rf"COPY --from=\S+ --chown={uid}:\d+ \S+ (\S+)$", text)
            if m:
                paths.append(m.group(1))
        name = stages[name]["from"]
    return list(dict.fromkeys(paths))


def container_script(image):
    """A bash script run inside the image as its own user: the user, every pack's
    verify command, a writable working directory, and that each owned directory
    is the user's and writable."""
    uid, gid = image["user"]["uid"], image["user"]["gid"]
    lines = [
        "status=0",
        f'if [ "$(id -u):$(id -g)" = {shlex.quote(f"{uid}:{gid}")} ]; then echo "ok: runs as $(id -u):$(id -g)";',
        '  else echo "FAIL: runs as $(id -u):$(id -g)"; status=1; fi',
    ]
    for pack in image["packs"]:
        for command in pack["verify"]:
            label = shlex.quote(f"verify {pack['name']}: {command}")
            lines += [
                f'if out=$(bash -c {shlex.quote(command)} 2>&1); then echo ok: {label} "-> $(head -1 <<<"$out")";',
                f'  else echo FAIL: {label}; echo "$out" | tail -5; status=1; fi',
            ]
    # Dependency installers and `run` steps write into the working directory.
    lines += [
        f'if [ "$PWD" = {shlex.quote(image["workdir"])} ] && [ -w . ]; then echo "ok: works in $PWD, writable";',
        f'  else echo "FAIL: working directory $PWD, not {image["workdir"]} or not writable"; status=1; fi',
    ]
    for path in owned_paths(image):
        q = shlex.quote(path)
        lines += [
            f'owner=$(stat -c %u:%g {q} 2>&1) || owner="missing"',
            f'if [ "$owner" = {shlex.quote(f"{uid}:{gid}")} ] && [ -w {q} ]; then echo ok: owned {q};',
            f'  else echo "FAIL: {path} is $owner, not owned by {uid}:{gid} or not writable"; status=1; fi',
        ]
    lines.append("exit $status")
    return "\n".join(lines)


def plan_image(plan, name, field):
    image = load_plan_image(plan, name)
    if field == "user":
        print(f"{image['user']['uid']}:{image['user']['gid']}")
    elif field == "ref":
        print(image["image"])
    elif field == "kind":
        print(image["kind"])
    elif field == "build-args":
        for k, v in image.get("build_args", {}).items():
            print(f"{k}={v}")
    elif field == "mirrors":
        for k in image.get("build_args", {}):
            if k.endswith("_MIRROR"):
                print(k)
    elif field == "verify":
        for pack in image["packs"]:
            for command in pack["verify"]:
                sys.stdout.write(f"{pack['name']}\t{command}\0")
    elif field == "owned":
        for p in owned_paths(image):
            print(p)
    elif field == "script":
        print(container_script(image))
    elif field == "default-target":
        print(image["default_target"])
    else:
        sys.exit(f"e2e_check: unknown field '{field}'")
    return 0


def seconds(duration):
    total = 0
    for value, unit in re.findall(r"(\d+)([hms])", duration):
        total += int(value) * {"h": 3600, "m": 60, "s": 1}[unit]
    return total


def check_config(plan, name, config_path):
    image = load_plan_image(plan, name)
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    failures = []

    user = config.get("User") or ""
    want_user = f"{image['user']['uid']}:{image['user']['gid']}"
    if image["kind"] == "runner":
        # The runner contract's one exception: the entrypoint starts as root and
        # runs the runner, and every job, as the plan's user (setpriv).
        if user not in ("root", "0", "0:0"):
            failures.append(f"user '{user}': a runner image's entrypoint starts as root")
    elif not re.fullmatch(r"\d+(:\d+)?", user):
        failures.append(f"user '{user}' is not numeric")
    elif user.split(":")[0] == "0":
        failures.append("the image runs as root (uid 0)")
    elif user != want_user:
        failures.append(f"user '{user}', the plan says '{want_user}'")

    if config.get("WorkingDir") != image["workdir"]:
        failures.append(f"working directory '{config.get('WorkingDir')}', the plan says '{image['workdir']}'")

    want_health = image.get("healthcheck")
    health = config.get("Healthcheck")
    if want_health:
        if not health:
            failures.append("no health check")
        else:
            if health.get("Test") != ["CMD-SHELL", want_health["command"]]:
                failures.append(f"health check test {health.get('Test')}, the plan says {want_health['command']!r}")
            for key, field in (("Interval", "interval"), ("Timeout", "timeout"), ("StartPeriod", "start")):
                want = seconds(want_health[field]) * 10**9 if want_health[field] else 0
                if int(health.get(key) or 0) != want:
                    failures.append(f"health check {key} {health.get(key)}, the plan says {want_health[field]!r}")
            if int(health.get("Retries") or 0) != int(want_health["retries"]):
                failures.append(f"health check retries {health.get('Retries')}, the plan says {want_health['retries']}")
    elif health:
        failures.append(f"a health check the plan does not have: {health}")

    labels = config.get("Labels") or {}
    tag = image["tag"] or "latest"
    want_labels = {
        "org.opencontainers.image.title": name,
        "org.opencontainers.image.version": tag,
        "org.opencontainers.image.base.name": base_image(image),
    }
    for key, want in want_labels.items():
        if labels.get(key) != want:
            failures.append(f"label {key}={labels.get(key)!r}, expected {want!r}")
    packs_label = (labels.get("dev.rigc.packs") or "").split()
    for pack in image["packs"]:
        want = pack["name"] + (f"@{pack['version']}" if pack["version"] else "")
        if want not in packs_label:
            failures.append(f"label dev.rigc.packs {packs_label} lacks {want}")

    env = {}
    for entry in config.get("Env") or []:
        key, _, value = entry.partition("=")
        env[key] = value
    for key, value in image.get("env", {}).items():
        if env.get(key) != value:
            failures.append(f"environment {key}={env.get(key)!r}, the plan says {value!r}")
    path = env.get("PATH", "")
    if not path.endswith(DEFAULT_PATH):
        failures.append(f"PATH {path!r} does not end with the base image's {DEFAULT_PATH}")
    if "$" in path or "::" in path:
        failures.append(f"PATH {path!r} holds an unexpanded or empty entry")
    if image["kind"] == "runner":
        want_labels = ",".join(image["runner_labels"])
        if env.get("RUNNER_LABELS", "") != want_labels:
            failures.append(f"RUNNER_LABELS={env.get('RUNNER_LABELS')!r}, the plan says {want_labels!r}")
        want_ephemeral = "true" if image["ephemeral"] else "false"
        if env.get("RUNNER_EPHEMERAL") != want_ephemeral:
            failures.append(f"RUNNER_EPHEMERAL={env.get('RUNNER_EPHEMERAL')!r}, the plan says {want_ephemeral!r}")
        if config.get("Entrypoint") != ["/usr/local/bin/runner-entrypoint.sh"]:
            failures.append(f"entrypoint {config.get('Entrypoint')}, expected the runner entrypoint")

    ports = sorted((config.get("ExposedPorts") or {}).keys())
    want_ports = sorted(p if "/" in p else f"{p}/tcp" for p in image["expose"])
    if ports != want_ports:
        failures.append(f"exposed ports {ports}, the plan says {want_ports}")

    for failure in failures:
        print(f"{name}: {failure}")
    return 1 if failures else 0


STEP = re.compile(r"^#(\d+) (\[[^\]]+\] .*)$")
STATUS = re.compile(r"^#(\d+) (CACHED|DONE [0-9.]+s|ERROR.*)$")


def parse_steps(log_path):
    """[(id, name, status)] of the build steps ([stage i/n] lines) in first-seen order."""
    names, status, order = {}, {}, []
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = STEP.match(line)
            if m and m.group(1) not in names:
                if m.group(2).startswith("[internal]") or re.match(r"\[[^\]]+\] FROM ", m.group(2)):
                    continue
                names[m.group(1)] = re.sub(r"\s+", " ", m.group(2))
                order.append(m.group(1))
                continue
            m = STATUS.match(line)
            if m:
                status[m.group(1)] = "CACHED" if m.group(2) == "CACHED" else (
                    "ERROR" if m.group(2).startswith("ERROR") else "RAN")
    return [(i, names[i], status.get(i, "UNKNOWN")) for i in order]


def steps(log_path):
    for _, name, state in parse_steps(log_path):
        print(f"{state:6}  {name[:150]}")
    return 0


def only_ran(log_path, patterns):
    failures = []
    all_steps = parse_steps(log_path)
    matched = set()
    cached = 0
    for _, name, state in all_steps:
        hits = [p for p in patterns if re.search(p, name)]
        if state == "CACHED":
            cached += 1
            if hits:
                failures.append(f"served from the cache, expected to run: {name[:120]}")
        elif state == "RAN":
            if hits:
                matched.update(hits)
            else:
                failures.append(f"ran, expected from the cache: {name[:120]}")
        else:
            failures.append(f"{state}: {name[:120]}")
    for p in patterns:
        if p not in matched:
            failures.append(f"no step that ran matches {p!r}")
    if cached == 0:
        failures.append("no step was served from the cache")
    for failure in failures:
        print(f"{log_path}: {failure}")
    if not failures:
        print(f"{cached} of {len(all_steps)} steps served from the cache; ran: "
              + "; ".join(name[:80] for _, name, state in all_steps if state == "RAN"))
    return 1 if failures else 0


def apt_steps(log_path):
    """{step id: (name, [output lines])} of the RUN steps that run apt-get install."""
    names = {i: name for i, name, _ in parse_steps(log_path)}
    out = {}
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^#(\d+) [0-9.]+ (.*)$", line.rstrip("\n"))
            if m and m.group(1) in names and "apt-get install" in names[m.group(1)]:
                out.setdefault(m.group(1), (names[m.group(1)], []))[1].append(m.group(2))
    return out


DEB_GET = re.compile(r"^Get:\d+ \S+ \S+ (amd64|arm64|all) \S+ (amd64|arm64|all) ")  # a package, not an index


def apt_downloads(log_path):
    for _, (name, lines) in apt_steps(log_path).items():
        gets = sum(1 for line in lines if DEB_GET.match(line))
        need = next((line for line in lines if line.startswith("Need to get")), "")
        print(f"{gets:4} .deb downloads  {need:45}  {name[:70]}")
    return 0


def apt_from_cache(log_path):
    failures = []
    found = apt_steps(log_path)
    for _, (name, lines) in found.items():
        gets = [line for line in lines if DEB_GET.match(line)]
        need = [line for line in lines if line.startswith("Need to get")]
        if gets:
            failures.append(f"{len(gets)} packages downloaded, e.g. {gets[0]!r}: {name[:70]}")
        nothing = [line for line in lines if re.match(r"^0 upgraded, 0 newly installed", line)]
        if nothing and not need:
            print(f"nothing to install (already in the stage below): {name[:60]}")
        elif not need or not need[0].startswith("Need to get 0 B/"):
            failures.append(f"apt did not report 'Need to get 0 B/' ({need}): {name[:70]}")
        else:
            print(f"from the cache mount: {need[0]}  ({name[:60]})")
    if not found:
        failures.append("no apt-get install step ran")
    for failure in failures:
        print(f"{log_path}: {failure}")
    return 1 if failures else 0


def main(argv):
    if len(argv) >= 4 and argv[0] == "plan-image":
        return plan_image(argv[1], argv[2], argv[3])
    if len(argv) == 4 and argv[0] == "config":
        return check_config(argv[1], argv[2], argv[3])
    if len(argv) == 2 and argv[0] == "steps":
        return steps(argv[1])
    if len(argv) >= 3 and argv[0] == "only-ran":
        return only_ran(argv[1], argv[2:])
    if len(argv) == 2 and argv[0] == "apt-downloads":
        return apt_downloads(argv[1])
    if len(argv) == 2 and argv[0] == "apt-from-cache":
        return apt_from_cache(argv[1])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
