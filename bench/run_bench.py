#!/usr/bin/env python3
"""Benchmarks rigc and prints the README's Performance section as Markdown.

  bench/run_bench.py [--rigc build/rigc] [--bench build/bench/rigc_bench]
                     [--out FILE] [--json FILE] [--smoke]

1. Stage benchmarks (rigc_bench, Google Benchmark) over generated specs of
   1, 10, 100, 1,000 and 10,000 images (bench/gen_spec.py): time per image and
   peak heap of parse, elaborate, resolve, lower, validate, emit, check and
   write, and the exponent of a log-log fit of time against the number of
   images (1.0 is linear; n log n shows as about 1.1 over 100..10,000).
2. Whole processes: `rigc build` of examples/runners/Rigfile (fresh and up to
   date), and `rigc build`, `check` and `plan` of each generated spec: median
   and best wall time, and peak RSS, from wait4(2), in a temporary directory.
3. The Dev Containers CLI (bench/package.json, pinned) resolving the same pack
   graphs as local features (`devcontainer features resolve-dependencies`),
   side by side with `rigc plan`: every stock pack, and generated graphs. Both
   install orders are checked against the graph.

--smoke runs the smallest sizes with a few iterations, to keep this script
working (CTest label `bench`). Timings are reported, never asserted; the exit
status is 1 only when something is wrong: a benchmark missing, rigc failing,
`check` not up to date after `build`, an install order that breaks the graph.
"""

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import gen_spec  # noqa: E402

STAGES = ["parse", "elaborate", "resolve", "lower", "validate", "emit", "check", "write"]
TARGET_EXPONENT = 1.15  # n log n over 100..10,000 fits an exponent of about 1.1


class Failure(Exception):
    pass


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- Whole processes --------------------------------------------------------

REALTIME = False  # --realtime: measured processes run with SCHED_FIFO
WORK = tempfile.gettempdir()  # the run's temporary directory


def run_once(argv, stdout_path=os.devnull):
    """Runs argv; returns (wall seconds, CPU seconds (user + system), exit code)."""
    out = os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    err = os.open(stdout_path + ".err" if stdout_path != os.devnull else os.devnull,
                  os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    extra = {"scheduler": (os.SCHED_FIFO, os.sched_param(1))} if REALTIME else {}
    try:
        actions = [(os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, err, 2)]
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions, **extra)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    finally:
        os.close(out)
        os.close(err)
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def peak_rss_mb(argv):
    """Peak RSS of one run, from GNU time: its child is forked from a small
    process, so the figure is the command's own (a child spawned from Python
    would count Python's pages too)."""
    report = os.path.join(WORK, "rss.txt")
    code = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report] + argv,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          check=False).returncode
    with open(report, encoding="utf-8") as f:
        return code, int(f.read().split()[-1]) / 1024


def measure(argv, runs, budget, before=None, expect=0, stdout_path=os.devnull):
    """Times `runs` runs of argv (fewer when they exceed `budget` seconds),
    after one untimed warm-up run unless that alone took half the budget.
    `before` runs untimed before each run. Every run must exit `expect`."""
    walls, cpus = [], []
    spent = 0.0
    warm = True
    while len(walls) < runs:
        if before:
            before()
        wall, cpu, code = run_once(argv, stdout_path)
        if code != expect:
            detail = ""
            if stdout_path != os.devnull:
                with open(stdout_path + ".err", encoding="utf-8", errors="replace") as f:
                    detail = f.read()[-2000:]
            raise Failure(f"{' '.join(argv)} exited {code}, expected {expect}\n{detail}")
        spent += wall
        if warm:
            warm = False
            if wall < budget / 2:
                continue
        walls.append(wall)
        cpus.append(cpu)
        if spent > budget:
            break
    if before:
        before()
    code, rss = peak_rss_mb(argv)
    if code != expect:
        raise Failure(f"{' '.join(argv)} exited {code} under /usr/bin/time, expected {expect}")
    return {"median_ms": statistics.median(walls) * 1e3, "min_ms": min(walls) * 1e3,
            "cpu_ms": statistics.median(cpus) * 1e3, "runs": len(walls), "rss_mb": rss}


def whole_process(rigc, work, sizes, runs, budget):
    results = {}
    # The first example of the README, copied so that its outputs stay untouched.
    example = os.path.join(work, "example")
    os.makedirs(example)
    shutil.copy(os.path.join(ROOT, "examples", "runners", "Rigfile"), example)
    spec = os.path.join(example, "Rigfile")
    out = os.path.join(example, "docker")
    fresh = lambda: shutil.rmtree(out, ignore_errors=True)  # noqa: E731
    results["example build fresh"] = measure([rigc, "build", spec], runs, budget, before=fresh)
    results["example build"] = measure([rigc, "build", spec], runs, budget)
    results["example check"] = measure([rigc, "check", spec], runs, budget)
    for n in sizes:
        folder = os.path.join(work, f"ws-{n}")
        os.makedirs(folder)
        spec = os.path.join(folder, "Rigfile")
        shutil.copy(os.path.join(work, "specs", f"images-{n}.rig"), spec)
        out = os.path.join(folder, "docker")
        log(f"whole process: {n} images")
        results[f"build fresh {n}"] = measure(
            [rigc, "build", spec], runs, budget,
            before=lambda out=out: shutil.rmtree(out, ignore_errors=True))
        results[f"build {n}"] = measure([rigc, "build", spec], runs, budget)
        results[f"check {n}"] = measure([rigc, "check", spec], runs, budget)
        results[f"plan {n}"] = measure([rigc, "plan", spec], runs, budget)
    return results


def scale_set_processes(rigc, work, sizes, runs, budget):
    """`rigc build` (fresh and up to date) and `rigc check` of specs of N runner
    scale sets (gen_spec.py scale-sets): one values file per pool besides its
    Dockerfile; the growth exponent of each over the sizes."""
    results = {}
    for n in sizes:
        folder = os.path.join(work, f"scale-sets-{n}")
        os.makedirs(folder)
        spec = os.path.join(folder, "Rigfile")
        with open(spec, "w", encoding="utf-8") as f:
            f.write(gen_spec.scale_sets_spec(n))
        out = os.path.join(folder, "docker")
        log(f"whole process: {n} scale sets")
        results[f"build fresh {n}"] = measure(
            [rigc, "build", spec], runs, budget,
            before=lambda out=out: shutil.rmtree(out, ignore_errors=True))
        values = len(os.listdir(os.path.join(out, "arc")))
        if values != n:
            raise Failure(f"{n} scale sets wrote {values} values files")
        results[f"build {n}"] = measure([rigc, "build", spec], runs, budget)
        results[f"check {n}"] = measure([rigc, "check", spec], runs, budget)
    return results


def scale_set_report(results, sizes):
    lines = ["| scale sets | " + " | ".join(f"{n:,}" for n in sizes) + " | exponent (CPU) |",
             "|---|" + "---:|" * len(sizes) + "---:|"]
    for what in ("build fresh", "build", "check"):
        cells = [f"{results[f'{what} {n}']['median_ms']:.1f} ms" for n in sizes]
        fitted = [n for n in sizes if n >= 100] or sizes
        exp = fit_exponent([(n, max(results[f"{what} {n}"]["cpu_ms"], 1e-3)) for n in fitted])
        lines.append(f"| `rigc {what}` | " + " | ".join(cells) + f" | {exponent_cell(exp)} |")
    return "\n".join(lines)


# --- Stage benchmarks -------------------------------------------------------

def stage_benchmarks(bench, specs, sizes, pack_sizes, min_time):
    argv = [bench, "--specs", specs, "--sizes", ",".join(map(str, sizes)),
            "--pack-sizes", ",".join(map(str, pack_sizes)),
            "--benchmark_format=json", f"--benchmark_min_time={min_time}"]
    # With --realtime, a raised CFS priority rather than SCHED_FIFO: the stage
    # benchmarks run for minutes, and other work keeps some of the machine.
    raise_priority = (lambda: os.nice(-10)) if REALTIME else None
    done = subprocess.run(argv, stdout=subprocess.PIPE, check=False, preexec_fn=raise_priority)
    if done.returncode != 0:
        raise Failure(f"rigc_bench exited {done.returncode}")
    data = json.loads(done.stdout)
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
    results = {}
    for b in data["benchmarks"]:
        unit = scale[b["time_unit"]]
        results[b["name"]] = {"wall_us": b["real_time"] * unit, "cpu_us": b["cpu_time"] * unit,
                              "iterations": b["iterations"], "images": b.get("images", 0),
                              "heap_mb": b.get("heap_peak_MB", 0.0)}
    expected = [f"{s}/{n}" for s in STAGES + ["compile"] for n in sizes]
    expected += [f"packs.{s}/{p}" for s in ["resolve", "compile"] for p in pack_sizes]
    missing = [name for name in expected if name not in results]
    if missing:
        raise Failure("rigc_bench did not report " + ", ".join(missing))
    bad = [name for name, r in results.items() if not r["wall_us"] > 0 or r["iterations"] < 1]
    if bad:
        raise Failure("rigc_bench reported no time for " + ", ".join(bad))
    return results, data.get("context", {})


INSTRUCTION_STAGES = ["parse", "elaborate", "resolve", "lower", "validate", "emit", "check",
                      "compile"]


def instruction_counts(bench, specs, sizes, pack_sizes, work):
    """Instructions per iteration of each stage, counted by Valgrind's callgrind
    inside rigc_bench's timed loop: deterministic, so the growth exponents do
    not depend on what else the machine is doing."""
    if shutil.which("valgrind") is None:
        raise Failure("valgrind is not installed (apt-get install valgrind), or pass "
                      "--no-instructions")
    counts = {}
    for i, n in enumerate(sizes):
        log(f"instruction counts: {n} images (valgrind)")
        names = "|".join(INSTRUCTION_STAGES + ["emit:[a-z-]+"])
        pattern = f"^(({names})/{n}"
        if i == 0:
            pattern += "|packs\\.resolve/(" + "|".join(map(str, pack_sizes)) + ")"
        pattern += ")$"
        out = os.path.join(work, f"callgrind-{n}")
        argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                "--toggle-collect=*timed_iterations*", "--dump-after=*benchmark_done*",
                bench, "--specs", specs, "--sizes", str(n),
                "--pack-sizes", ",".join(map(str, pack_sizes)), "--benchmark_min_time=0",
                "--benchmark_format=json", f"--benchmark_filter={pattern}"]
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              check=False)
        if done.returncode != 0:
            raise Failure(f"rigc_bench under valgrind exited {done.returncode}")
        ran = json.loads(done.stdout)["benchmarks"]
        for part, b in enumerate(ran, start=1):
            with open(f"{out}.{part}", encoding="utf-8") as f:
                totals = [line for line in f if line.startswith("totals:")]
            if not totals:
                raise Failure(f"no instruction count in {out}.{part}")
            counts[b["name"]] = int(totals[0].split()[1]) / b["iterations"]
    expected = [f"{s}/{n}" for s in INSTRUCTION_STAGES for n in sizes]
    missing = [name for name in expected if not counts.get(name)]
    if missing:
        raise Failure("no instruction count for " + ", ".join(missing))
    return counts


def fit_exponent(points):
    """Least-squares slope of log(time) against log(size)."""
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def scaling(results, name, sizes):
    """The exponent of CPU time against size, over the sizes from 100 up (all
    sizes when fewer than two are)."""
    points = [(n, results[f"{name}/{n}"]["cpu_us"]) for n in sizes]
    large = [p for p in points if p[0] >= 100]
    return fit_exponent(large if len(large) >= 2 else points)


def instruction_exponent(counts, name, sizes):
    if not counts:
        return None
    return fit_exponent([(n, counts[f"{name}/{n}"]) for n in sizes])


# --- Dev Containers CLI comparison ------------------------------------------

def devcontainer_cli():
    cli = os.path.join(HERE, "node_modules", "@devcontainers", "cli", "devcontainer.js")
    lock = os.path.join(HERE, "package-lock.json")
    modules = os.path.join(HERE, "node_modules")
    if not os.path.exists(cli) or os.path.getmtime(lock) > os.path.getmtime(modules):
        log("installing the pinned Dev Containers CLI (npm ci in bench/)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
                       check=True, stdout=subprocess.DEVNULL)
        os.utime(modules)
    node = shutil.which("node")
    if node is None:
        raise Failure("node is not installed")
    version = json.load(open(os.path.join(os.path.dirname(cli), "package.json")))["version"]
    return node, cli, version


def check_order(order, graph, who):
    """An install order must hold every pack of the graph once, each after its
    requirements and after its `after` packs."""
    names = {name for name, _, _, _ in graph}
    if sorted(order) != sorted(names):
        extra = sorted(set(order) - names)
        lacking = sorted(names - set(order))
        raise Failure(f"{who}: install order has extra {extra} and lacks {lacking}")
    position = {name: i for i, name in enumerate(order)}
    for name, _, requires, after in graph:
        for first in list(requires) + [a for a in after if a in names]:
            if position[first] > position[name]:
                raise Failure(f"{who}: '{name}' is installed before '{first}'")


def order_checker_selftest():
    """check_order must reject broken orders, or it proves nothing."""
    graph = gen_spec.pack_graph(6)
    good = [name for name, _, _, _ in graph]
    check_order(good, graph, "selftest")
    broken = {
        "reversed": list(reversed(good)),
        "missing pack": good[:-1],
        "duplicate": good + [good[0]],
        # tool-00004 requires tool-00003: swap them.
        "requirement after": good[:4] + [good[5], good[4]] + good[6:],
    }
    for what, order in broken.items():
        try:
            check_order(order, graph, "selftest")
        except Failure:
            continue
        raise Failure(f"the order checker accepted a broken order ({what})")
    # `after` binds only when the other pack is present.
    check_order(["c"], [("c", "tool", [], ["absent"])], "selftest")
    soft = [("a", "tool", [], []), ("c", "tool", [], ["a"])]
    try:
        check_order(["c", "a"], soft, "selftest")
    except Failure:
        return
    raise Failure("the order checker accepted an order that breaks `after`")


def stock_graph(rigc):
    listing = subprocess.run([rigc, "packs", "--format", "json"], stdout=subprocess.PIPE,
                             check=True).stdout
    graph = []
    for p in json.loads(listing):
        # What the default version needs too (its `system` line's requires).
        own = [s["requires"] for s in p["system"] if s["version"] == p["default_version"]]
        graph.append((p["name"], "", p["requires"] + (own[0] if own else []), p["after"]))
    return graph


def unpinned_stock_pins(rigc):
    """A defaults block pinning each fetching stock pack that ships no checksum.

    rigc refuses such a pack without a pin of the user's; `plan` never downloads,
    so a placeholder digest stands in for the one `rigc pin` would write."""
    listing = subprocess.run([rigc, "packs", "--format", "json"], stdout=subprocess.PIPE,
                             check=True).stdout
    packs_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packs")
    pins = []
    for p in json.loads(listing):
        source = os.path.join(packs_dir, p["name"] + ".rig")
        if not p["fetched"] or not os.path.exists(source):
            continue
        with open(source, encoding="utf-8") as f:
            if not any(line.lstrip().startswith("sha256 ") for line in f):
                pins.append(f"  pin {p['name']} {p['default_version']} sha256 amd64 {'0' * 64}\n")
    return "defaults {\n" + "".join(pins) + "}\n\n" if pins else ""


def compare_devcontainer(rigc, work, pack_sizes, runs, budget):
    node, cli, version = devcontainer_cli()
    results = {"version": version, "sets": []}
    sets = [("every stock pack", stock_graph(rigc), None)]
    sets += [(f"{p} generated packs", gen_spec.pack_graph(p), p) for p in pack_sizes]
    startup = measure([node, cli, "--version"], runs, budget)
    results["cli_startup"] = startup
    for label, graph, p in sets:
        folder = os.path.join(work, "dev-" + label.replace(" ", "-"))
        os.makedirs(folder)
        gen_spec.features_dir(graph, folder)
        spec = os.path.join(folder, "Rigfile")
        with open(spec, "w", encoding="utf-8") as f:
            if p is None:
                names = " ".join(name for name, _, _, _ in graph)
                f.write(unpinned_stock_pins(rigc))
                f.write(f"image all {{\n  packs {names}\n}}\n")
            else:
                f.write(gen_spec.packs_spec(graph))
        log(f"Dev Containers comparison: {label}")
        plan_out = os.path.join(folder, "plan.json")
        rigc_times = measure([rigc, "plan", spec, "--format", "json"], runs * 3, budget,
                             stdout_path=plan_out)
        with open(plan_out, encoding="utf-8") as f:
            rigc_order = [pack["name"] for pack in json.load(f)["images"][0]["packs"]]
        check_order(rigc_order, graph, f"rigc plan ({label})")
        dc_out = os.path.join(folder, "devcontainer.out")
        dc_times = measure([node, cli, "features", "resolve-dependencies", "--workspace-folder",
                            folder], runs, budget, stdout_path=dc_out)
        with open(dc_out, encoding="utf-8") as f:
            text = f.read()
        start = text.find('{\n  "installOrder"')
        if start < 0:
            raise Failure(f"devcontainer printed no install order for {label}:\n{text[-2000:]}")
        dc_order = [item["id"][2:] for item in json.loads(text[start:])["installOrder"]]
        check_order(dc_order, graph, f"devcontainer ({label})")
        results["sets"].append({"label": label, "packs": len(graph), "rigc": rigc_times,
                                "devcontainer": dc_times})
    return results


# --- Report -----------------------------------------------------------------

def ms(value):
    if value >= 100:
        return f"{value:,.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def per_image(us):
    if us >= 1000:
        return f"{us / 1000:.2f} ms"
    if us >= 10:
        return f"{us:.0f} µs"
    return f"{us:.1f} µs"


def proc(r):
    """A whole-process measurement: median wall (median CPU)."""
    return f"{ms(r['median_ms'])} ({ms(r['cpu_ms'])} CPU)"


def exponent_cell(value):
    return f"{value:.2f}" if value is not None else "–"


def stage_row(name, key, stages, sizes, counts, counted):
    largest = max(sizes)
    cells = [per_image(stages[f"{key}/{n}"]["wall_us"] / n) for n in sizes]
    heap = stages[f"{key}/{largest}"]["heap_mb"]
    row = (f"| {name} | " + " | ".join(cells) + f" | {heap:.1f} MB | "
           + exponent_cell(scaling(stages, key, sizes)) + " |")
    if counted:
        top = max(counted)
        if f"{key}/{top}" in counts:
            row += (f" {exponent_cell(instruction_exponent(counts, key, counted))} | "
                    f"{counts[f'{key}/{top}'] / top / 1e6:.2f} M |")
        else:
            row += " | |"
    return row


def report(info, stages, counts, processes, devcontainer, sizes, pack_sizes, counted):
    lines = []
    add = lines.append
    # The run itself keeps about one core busy, so the load at the end is no
    # sign of other work; the load before it started is.
    busy = info["load_start"] > 0.5 * info["cpus"]
    add(f"Measured {info['date']} with `{info['command']}`: {info['cpus']} cores, Release "
        f"build, {info['rigc_version']}, load average {info['load_start']:.1f} at the start "
        f"and {info['load_end']:.1f} at the end (the run itself keeps one core busy)"
        + (" — **the machine was busy** (other builds running), so wall times are inflated; "
           "the CPU times and the exponents are the steadier numbers." if busy else ".")
        + (" With `--realtime`: whole processes ran with SCHED_FIFO priority, the stage "
           "benchmarks at nice -10." if info["realtime"] else ""))
    add("")

    # Targets.
    largest = max(sizes)
    add("| target | measured (median wall, and CPU) | |")
    add("|---|---|---|")
    ex = processes["example build"]
    add(f"| `rigc build` of examples/runners/Rigfile in under 5 ms, whole process | "
        f"{proc(ex)} up to date, best {ms(ex['min_ms'])}; "
        f"{proc(processes['example build fresh'])} writing every file | "
        f"{'met' if ex['median_ms'] < 5 else 'missed'} |")
    if 1000 in sizes:
        ck = processes["check 1000"]
        add(f"| `rigc check` of 1,000 images in under 300 ms | {proc(ck)}, best "
            f"{ms(ck['min_ms'])} | {'met' if ck['median_ms'] < 300 else 'missed'} |")
        rss = max(processes[f"{c} 1000"]["rss_mb"]
                  for c in ["build fresh", "build", "check", "plan"])
        add(f"| peak memory under 50 MB for 1,000 images | {rss:.1f} MB peak RSS (highest of "
            f"build, check, plan) | {'met' if rss < 50 else 'missed'} |")
    if counts:
        exponents = {stage: instruction_exponent(counts, stage, counted)
                     for stage in INSTRUCTION_STAGES}
        how = f"instructions, {min(counted):,} to {max(counted):,} images"
    else:
        exponents = {stage: scaling(stages, stage, sizes) for stage in STAGES + ["compile"]}
        how = "CPU time"
    exponents = {k: v for k, v in exponents.items() if v is not None}
    if exponents:
        worst = max(exponents, key=exponents.get)
        add(f"| no stage worse than O(n log n) in images and packs | highest growth exponent "
            f"{exponents[worst]:.2f} ({worst}; {how}); n log n is about 1.1 | "
            f"{'met' if exponents[worst] <= TARGET_EXPONENT else 'missed'} |")
    add("")

    # Stages.
    fitted = [n for n in sizes if n >= 100]
    fitted = fitted if len(fitted) >= 2 else sizes
    add("Per stage, in process (`rigc_bench`): wall time per image at each size; peak heap "
        "above the stage's inputs at the largest size; the growth exponent of CPU time (a "
        f"log-log fit over {min(fitted):,} to {max(fitted):,} images; 1.0 is linear)"
        + ("; and, counted by Valgrind and so independent of the machine's load, the growth "
           f"exponent of instructions ({min(counted):,} to {max(counted):,} images) and the "
           f"instructions per image at {max(counted):,}" if counts else "")
        + ". Freed memory stays mapped between iterations, so these are the stages' own "
        "costs; the whole processes below also pay for faulting their memory in.")
    add("")
    head = ("| stage | " + " | ".join(f"{n:,} image" + ("s" if n != 1 else "") for n in sizes)
            + f" | heap at {largest:,} | exponent (CPU) |")
    if counts:
        head += " exponent (instructions) | instructions per image |"
    add(head)
    add("|" + "---|" * (len(sizes) + 3 + (2 if counts else 0)))
    names = {"compile": "**all in memory** (parse → emit)", "check": "check (read, compare)",
             "write": "write (fresh, fsync)"}
    for stage in STAGES + ["compile"]:
        add(stage_row(names.get(stage, stage), stage, stages, sizes, counts, counted))
    for key in sorted({k.split("/")[0] for k in stages if k.startswith("emit:")}):
        add(stage_row("&nbsp;&nbsp;" + key, key, stages, sizes, counts, counted))
    if "load_packs/1" in stages:
        add(f"| load stock packs (once a run) | "
            f"{per_image(stages['load_packs/1']['wall_us'])}"
            + " |" * (len(sizes) + 2 + (2 if counts else 0)))
    add("")
    add("One image with P spec packs (`packs.*`): wall time of resolution and of the whole "
        "in-memory compilation.")
    add("")
    add("| packs | resolve | all in memory |" + (" resolve, instructions |" if counts else ""))
    add("|---|---|---|" + ("---|" if counts else ""))
    for p in pack_sizes:
        add(f"| {p} | {per_image(stages[f'packs.resolve/{p}']['wall_us'])} | "
            f"{per_image(stages[f'packs.compile/{p}']['wall_us'])} |"
            + (f" {counts[f'packs.resolve/{p}'] / 1e6:.2f} M |" if counts else ""))
    if counts and len(pack_sizes) >= 2:
        add("")
        add("Growth exponent of resolution in the number of packs (instructions, "
            f"{min(pack_sizes)} to {max(pack_sizes)}): "
            + exponent_cell(fit_exponent([(p, counts[f"packs.resolve/{p}"])
                                          for p in pack_sizes])) + ".")
    add("")

    # Whole processes.
    add("Whole processes: median wall time (median CPU time) of repeated runs; peak RSS "
        "from GNU time.")
    add("")
    add("| spec | `build`, fresh | `build`, up to date | `check` | `plan` | peak RSS |")
    add("|---|---|---|---|---|---|")
    rows = [("examples/runners (5 runners)", "example ", ["build fresh", "build", "check"])]
    rows += [(f"{n:,} image" + ("s" if n != 1 else ""), "", [f"build fresh {n}", f"build {n}", f"check {n}", f"plan {n}"])
             for n in sizes]
    for label, prefix, keys in rows:
        found = [processes[prefix + k] for k in keys]
        cells = [proc(r) for r in found] + [""] * (4 - len(found))
        add(f"| {label} | " + " | ".join(cells)
            + f" | {max(r['rss_mb'] for r in found):.1f} MB |")
    add("")

    if devcontainer:
        add(f"Pack resolution beside the Dev Containers CLI {devcontainer['version']}: "
            "`devcontainer features resolve-dependencies` on local features whose "
            "`dependsOn`/`installsAfter` mirror the packs' `requires`/`after`, against "
            "`rigc plan` of one image with the same packs; whole processes, both install "
            "orders checked against the graph. The CLI's start-up alone (`devcontainer "
            f"--version`) takes {proc(devcontainer['cli_startup'])}.")
        add("")
        add("| pack set | packs | `rigc plan` | `devcontainer features resolve-dependencies` "
            "| ratio (wall) |")
        add("|---|---|---|---|---|")
        for entry in devcontainer["sets"]:
            r, d = entry["rigc"], entry["devcontainer"]
            add(f"| {entry['label']} | {entry['packs']} | {proc(r)} | {proc(d)} | "
                f"{d['median_ms'] / r['median_ms']:,.0f}× |")
        add("")
    return "\n".join(lines)


def parse_list(text):
    return [int(x) for x in text.split(",") if x]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rigc", default=os.path.join(ROOT, "build", "rigc"))
    parser.add_argument("--bench", default=os.path.join(ROOT, "build", "bench", "rigc_bench"))
    parser.add_argument("--sizes", type=parse_list, default=[1, 10, 100, 1000, 10000])
    parser.add_argument("--pack-sizes", type=parse_list, default=[10, 100, 255])
    parser.add_argument("--runs", type=int, default=20, help="runs per whole-process measurement")
    parser.add_argument("--budget", type=float, default=10.0,
                        help="seconds per whole-process measurement, at most about")
    parser.add_argument("--min-time", default="0.5", help="--benchmark_min_time of rigc_bench")
    parser.add_argument("--instruction-sizes", type=parse_list, default=[100, 1000],
                        help="sizes whose instructions Valgrind counts (slow: about 50x)")
    parser.add_argument("--no-instructions", action="store_true")
    parser.add_argument("--no-devcontainer", action="store_true")
    parser.add_argument("--realtime", action="store_true",
                        help="root: whole processes with SCHED_FIFO and the stage benchmarks "
                             "at nice -10, so that a busy machine's run queue adds less to "
                             "wall times")
    parser.add_argument("--scale-sets", type=parse_list, metavar="SIZES",
                        help="only the runner scale-set case: whole processes at these sizes "
                             "(e.g. 10,100,1000)")
    parser.add_argument("--smoke", action="store_true",
                        help="smallest sizes, a few iterations: proves the script still works")
    parser.add_argument("--out", help="also write the Markdown here")
    parser.add_argument("--json", help="write the raw results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.pack_sizes, args.runs, args.budget = [1, 10], [10], 3, 2.0
        args.instruction_sizes = [1, 10]
        args.min_time = "0.01"
    rigc, bench = os.path.abspath(args.rigc), os.path.abspath(args.bench)
    for path in (rigc, bench):
        if not os.access(path, os.X_OK):
            print(f"run_bench: {path} is not built (cmake --build build)", file=sys.stderr)
            return 2

    global WORK, REALTIME
    work = WORK = tempfile.mkdtemp(prefix="rigc-bench-")
    REALTIME = args.realtime
    if args.scale_sets:
        try:
            text = scale_set_report(scale_set_processes(rigc, work, args.scale_sets, args.runs,
                                                        args.budget), args.scale_sets)
        except Failure as failure:
            print(f"run_bench: {failure}", file=sys.stderr)
            return 1
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(text)
        return 0
    try:
        order_checker_selftest()
        info = {"cpus": os.cpu_count(), "load_start": os.getloadavg()[0],
                "realtime": args.realtime,
                "command": "bench/run_bench.py" + (" --realtime" if args.realtime else ""),
                "date": time.strftime("%Y-%m-%d"),
                "rigc_version": subprocess.run([rigc, "--version"], stdout=subprocess.PIPE,
                                               text=True, check=True).stdout.strip()}
        specs = os.path.join(work, "specs")
        os.makedirs(specs)
        for n in args.sizes:
            with open(os.path.join(specs, f"images-{n}.rig"), "w", encoding="utf-8") as f:
                f.write(gen_spec.images_spec(n))
        for p in args.pack_sizes:
            with open(os.path.join(specs, f"packs-{p}.rig"), "w", encoding="utf-8") as f:
                f.write(gen_spec.packs_spec(gen_spec.pack_graph(p)))
        log("stage benchmarks (rigc_bench)")
        stages, context = stage_benchmarks(bench, specs, args.sizes, args.pack_sizes,
                                           args.min_time)
        counts = {}
        if not args.no_instructions:
            counts = instruction_counts(bench, specs, args.instruction_sizes, args.pack_sizes,
                                        work)
        processes = whole_process(rigc, work, args.sizes, args.runs, args.budget)
        if args.smoke:  # the scale-set case at its smallest, so that it keeps working
            scale_set_processes(rigc, work, [10], args.runs, args.budget)
        devcontainer = None
        if not args.no_devcontainer:
            devcontainer = compare_devcontainer(rigc, work, args.pack_sizes,
                                                max(1, args.runs // 4), args.budget)
        info["load_end"] = os.getloadavg()[0]
        text = report(info, stages, counts, processes, devcontainer, args.sizes, args.pack_sizes,
                      args.instruction_sizes)
    except Failure as failure:
        print(f"run_bench: {failure}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"info": info, "stages": stages, "instructions": counts,
                       "processes": processes,
                       "devcontainer": devcontainer, "benchmark_context": context}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
