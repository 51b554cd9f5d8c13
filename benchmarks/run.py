"""The benchmark runner: every workload, against NumPy, hand Numba and the peers.

    .venv/bin/python benchmarks/run.py                       # everything, the issue's sizes
    .venv/bin/python benchmarks/run.py --quick               # smaller, fewer repeats: < 1 min
    .venv/bin/python benchmarks/run.py --only W2,W6 --no-peers
    .venv/bin/python benchmarks/run.py --skip torch.compile --markdown /tmp/report.md
    .venv/bin/python benchmarks/run.py --load 1 --no-peers   # one busy process competing

`--load N` starts N processes that spin on a core for the whole run (users' machines are
never idle: a browser, CI neighbours, other Dask tasks) and times autograph twice per case,
with its default threads (adaptive, codegen/cpu/threads.py) and pinned to one thread
(`convert(..., threads=1)`, the same function converted again), interleaved; each case's
last line and the summary's "Threads" table give the ratio default / one thread (the
issue's bar: never above 1.1) and whether the program has parallel loops at all (the cost
model, ir/analysis/parallel.py). `--compare-threads` does the same without load.

For each case: every system is built and called once and its result compared with the
user's function run as written (a failure or a wrong result is recorded, not raised);
then the systems that ran are timed, repeats interleaved (timing.py), and the bars from
the issue are judged on medians taken in this same run. Prints a markdown table per
case and a summary of the bars; writes JSON (default benchmarks/results/latest.json).
`--sources DIR` keeps autograph's generated program for each case, to read what was
measured. Benchmarks are never run as tests (DESIGN.md, Testing); the smoke test runs
the correctness checks only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

THREAD_LIBRARIES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS")


def _set_threads(argv: list[str]) -> None:
    """`--threads N`: thread pools are sized when their library loads, so the variables
    are set here, before NumPy (OpenBLAS), Numba, PyTorch or JAX is imported."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--threads=") else (
            argv[i + 1] if arg == "--threads" and i + 1 < len(argv) else None)
        if value is None or not value.isdigit() or int(value) < 1:
            continue
        for name in THREAD_LIBRARIES:
            os.environ[name] = value
        if value == "1" and "XLA_FLAGS" not in os.environ:
            os.environ["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                                       "intra_op_parallelism_threads=1")


if __name__ == "__main__":
    _set_threads(sys.argv[1:])

import numpy as np  # noqa: E402

from benchmarks import peers as peer_tools  # noqa: E402
from benchmarks import timing  # noqa: E402
from benchmarks.workloads import WORKLOADS, common, load  # noqa: E402

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "latest.json"
THREAD_VARIABLES = (*THREAD_LIBRARIES, "NUMBA_THREADING_LAYER", "OPENBLAS_CORETYPE",
                    "OPENBLAS_L2_SIZE", "XLA_FLAGS", "XDG_CACHE_HOME")


class Settings:
    """How hard to measure: the issue's sizes, or the quick smoke run."""

    def __init__(self, quick: bool, repeats: int | None, budget_s: float | None):
        self.size = "quick" if quick else "full"
        self.repeats = repeats or (3 if quick else 7)
        self.sample_repeats = 1 if quick else 3  # fresh-process samples (latency)
        self.warmup = 1 if quick else 2
        self.budget_s = budget_s or (0.3 if quick else 4.0)  # per system and case


# ---- measuring ----------------------------------------------------------------------------


def _one_thread(fn: Callable) -> Callable:
    """`fn` pinned to one thread: converted again with `threads=1` when it is a converted
    function (no per-call cost), else run with one Numba thread set around each call."""
    import numba

    converted = getattr(fn, "_fn", None)
    if converted is not None and hasattr(fn, "_threads"):
        import autograph

        try:
            return autograph.convert(converted, backend=fn._backend,
                                     static_argnames=tuple(fn._static), threads=1)
        except TypeError:  # an autograph without `threads=` (measuring an older tree)
            pass

    def call(*args):
        default = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            return fn(*args)
        finally:
            numba.set_num_threads(default)
    return call


def _parallel(fn: Callable) -> bool | None:
    """Whether the converted function's programs have parallel loops (None: unknown)."""
    cache = getattr(fn, "_cache", None)
    if cache is None:
        return None
    return any("numba.prange" in getattr(spec, "source", "") for spec in cache.values())


def run_case(case: common.Case, settings: Settings, skip: list[str], sources: Path | None,
             compare_threads: bool = False) -> dict:
    """Checks, then times, every system of `case`; returns the JSON-able result. With
    `compare_threads`, autograph is timed with one Numba thread as well."""
    systems = [s for s in case.systems
               if s.kind == common.BASELINE or not any(word in s.name for word in skip)]
    checked = common.check_case(case, [s.name for s in systems])
    plans, sampled = {}, {}
    for name, c in checked.items():
        if not c.ran:
            continue
        if c.system.sample is not None:
            try:
                sampled[name] = timing.Timing(c.system.sample(settings.sample_repeats))
            except Exception as error:
                c.error = common.first_line(error)
            continue
        baseline = c.system.kind == common.BASELINE
        plans[name] = timing.plan(c.fn, c.args, calls=case.calls, repeats=settings.repeats,
                                  warmup=0 if baseline else settings.warmup,
                                  budget_s=settings.budget_s,
                                  estimate=c.first_call_s if baseline else None)
    one_thread = f"{common.AUTOGRAPH_NAME} (1 thread)"
    if compare_threads and common.AUTOGRAPH_NAME in plans:
        c = checked[common.AUTOGRAPH_NAME]
        plans[one_thread] = timing.plan(_one_thread(c.fn), c.args, calls=case.calls,
                                        repeats=settings.repeats, warmup=settings.warmup,
                                        budget_s=settings.budget_s)
    timings = {**timing.measure(plans), **sampled}
    alone = timings.pop(one_thread, None)
    if sources is not None:
        _write_source(case, checked, sources)
    result = _result(case, checked, timings)
    default = timings.get(common.AUTOGRAPH_NAME)
    if alone is not None and alone.samples and default is not None and default.samples:
        result["threads"] = {"default_s": default.median, "one_thread_s": alone.median,
                             "default_vs_one": default.median / alone.median,
                             "parallel": _parallel(checked[common.AUTOGRAPH_NAME].fn)}
    return result


def _write_source(case: common.Case, checked: dict, folder: Path) -> None:
    c = checked.get(common.AUTOGRAPH_NAME)
    if c is None or not c.ran:
        return
    try:
        lowered = c.fn.lower(*c.args)
    except Exception:
        return
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9]+", "_", case.title).strip("_")
    (folder / f"{stem}.py").write_text(lowered.source, encoding="utf-8")
    (folder / f"{stem}.graph.txt").write_text(str(lowered.graph), encoding="utf-8")


def _result(case: common.Case, checked: dict, timings: dict) -> dict:
    medians = {n: t.median for n, t in timings.items() if checked[n].ok and t.samples}
    kinds = {n: checked[n].system.kind for n in checked}
    baseline = case.baseline.name if case.baseline is not None else None
    numba_ref = case.numba_reference

    def ratio(name, ref):
        if ref is None or name not in timings or ref not in medians or not timings[name].samples:
            return None
        return timings[name].median / medians[ref]

    systems = []
    for name, c in checked.items():
        t = timings.get(name)
        row = {"system": name, "kind": c.system.kind, "status": c.status, "error": c.error,
               "mismatch": c.mismatch, "first_call_s": c.first_call_s,
               **(t.to_json() if t is not None and t.samples else {"median_s": None}),
               "vs_baseline": ratio(name, baseline), "vs_numba": ratio(name, numba_ref)}
        if case.bytes_moved and row["median_s"]:
            row["gb_per_s"] = case.bytes_moved / row["median_s"] / 1e9
        if case.floor:
            row["vs_floor"] = ratio(name, case.floor)
        systems.append(row)
    judged = common.Medians(medians, kinds)
    bars = []
    for bar in case.bars:
        verdict = bar.judge(judged)
        bars.append({"bar": bar.label, "subject": bar.subject, "status": verdict.status,
                     "detail": verdict.detail})
    return {"workload": case.workload, "case": case.name, "title": case.title,
            "calls": case.calls, "bytes_moved": case.bytes_moved, "baseline": baseline,
            "numba_reference": numba_ref, "floor": case.floor, "note": case.note,
            "systems": systems, "bars": bars,
            "details": case.details() if case.details else None}


# ---- the environment ------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _git() -> str:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")  # read only: never touch the index

    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=10).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}{' + uncommitted changes' if dirty else ''}" if commit else "unknown"


def _blas() -> dict:
    info = {}
    try:
        info["numpy"] = np.show_config(mode="dicts")["Build Dependencies"]["blas"].get(
            "openblas configuration") or "?"
    except Exception:
        pass
    try:
        import scipy

        info["scipy (Numba's np.dot)"] = scipy.show_config(mode="dicts")["Build Dependencies"][
            "blas"].get("openblas configuration") or "?"
    except Exception:
        pass
    return info


def environment(peers: peer_tools.Peers, settings: Settings) -> dict:
    import llvmlite
    import numba

    import autograph

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    threads = {name: os.environ[name] for name in THREAD_VARIABLES if name in os.environ}
    threads["numba.config.NUMBA_NUM_THREADS"] = numba.config.NUMBA_NUM_THREADS
    threads.update(peers.threads())
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{_cpu_model()}, {cores} cores usable ({os.cpu_count()} online)",
        "platform": platform.platform(),
        "load average (1, 5, 15 min) at start": _load(),
        "mode": settings.size,
        "repeats": settings.repeats,
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "numba": numba.__version__, "llvmlite": llvmlite.__version__,
                     "autograph": f"{autograph.__version__} ({_git()})", **peers.versions()},
        "peers missing": peers.errors,
        "blas": _blas(),
        "threads": threads,
    }


def _load() -> str:
    """The machine's load average: how shared it was while measuring."""
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _threading_layer() -> str | None:
    """Numba's threading layer; known only after a parallel function has run."""
    try:
        import numba

        return numba.threading_layer()
    except Exception:
        return None


# ---- markdown --------------------------------------------------------------------------------


def render_environment(env: dict) -> str:
    lines = [f"- date: {env['date']}", f"- machine: {env['machine']} — {env['platform']}",
             f"- mode: {env['mode']}, {env['repeats']} repeats (medians; samples interleaved "
             f"across systems)",
             f"- load average (1, 5, 15 min): {env['load average (1, 5, 15 min) at start']} at "
             f"start, {env.get('load average (1, 5, 15 min) at end', '?')} at end",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in env["versions"].items())]
    if env["peers missing"]:
        lines.append("- peers not importable: " + "; ".join(f"{k} ({v})" for k, v in
                                                           env["peers missing"].items()))
    lines.append("- BLAS: " + "; ".join(f"{k}: {v}" for k, v in env["blas"].items()))
    lines.append("- threads: " + ", ".join(f"{k}={v}" for k, v in env["threads"].items()))
    return "\n".join(lines)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_case(result: dict) -> str:
    extra = []
    if result["bytes_moved"]:
        extra.append(("GB/s", lambda r: f"{r['gb_per_s']:.1f}" if r.get("gb_per_s") else "—"))
    if result["floor"]:
        extra.append(("vs copy", lambda r: timing.format_ratio(r.get("vs_floor"))))
    base = result["baseline"] or "baseline"
    header = ["system", "median per call", "spread", f"vs {base}", "vs hand Numba",
              *(name for name, _ in extra), "check", "bars"]
    lines = [f"### {result['title']}", ""]
    if result["note"]:
        lines += [result["note"], ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in result["systems"]:
        bars = "; ".join(f"{b['status']} {b['bar']} ({b['detail']})" for b in result["bars"]
                         if b["subject"] == r["system"])
        check = r["status"]
        if r["error"]:
            check = f"FAILED: {r['error']}"
        elif r["mismatch"]:
            check = f"WRONG: {r['mismatch']}"
        spread = f"±{r['spread'] * 100:.0f}%" if r.get("repeats", 0) > 1 else ""
        cells = [r["system"], timing.format_seconds(r["median_s"]), spread,
                 timing.format_ratio(r["vs_baseline"]), timing.format_ratio(r["vs_numba"]),
                 *(fmt(r) for _, fmt in extra), check, bars]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if result["details"]:
        lines += ["", "details: " + json.dumps(result["details"], default=_round)]
    if result.get("threads"):
        t = result["threads"]
        lines += ["", f"threads: autograph with the default thread count "
                      f"{timing.format_seconds(t['default_s'])}, with one thread "
                      f"{timing.format_seconds(t['one_thread_s'])}: default / one = "
                      f"{t['default_vs_one']:.2f}"]
    return "\n".join(lines)


def _round(value):
    return round(value, 4) if isinstance(value, float) else str(value)


def render_threads(results: list[dict]) -> list[str]:
    """The summary's table of default threads against one thread, per case."""
    rows = [r for r in results if r.get("threads")]
    if not rows:
        return []
    lines = ["### Threads", "", "| case | parallel loops | default | one thread | default / one |",
             "|---|---|---:|---:|---:|"]
    for r in rows:
        t = r["threads"]
        parallel = {True: "yes", False: "no", None: "?"}[t.get("parallel")]
        lines.append(f"| {_cell(r['title'])} | {parallel} | "
                     f"{timing.format_seconds(t['default_s'])} | "
                     f"{timing.format_seconds(t['one_thread_s'])} | {t['default_vs_one']:.2f} |")
    worst = max(r["threads"]["default_vs_one"] for r in rows)
    return lines + ["", f"worst default / one thread: {worst:.2f} (bar: <= 1.1)", ""]


def render_summary(results: list[dict]) -> str:
    lines = [*render_threads(results), "### Bars", "", "| case | bar | result | measured |",
             "|---|---|---|---|"]
    for result in results:
        for b in result["bars"]:
            lines.append(f"| {_cell(result['title'])} | {_cell(b['bar'])} | {b['status']} | "
                         f"{_cell(b['detail'])} |")
    failures = [(result["title"], r) for result in results for r in result["systems"]
                if r["error"] or r["mismatch"]]
    if failures:
        lines += ["", "### Failures", ""]
        lines += [f"- {title} — {r['system']}: {r['error'] or 'wrong result: ' + r['mismatch']}"
                  for title, r in failures]
    return "\n".join(lines)


# ---- main -----------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes, fewer repeats, no torch.compile (< 1 minute)")
    parser.add_argument("--only", default="",
                        help=f"comma-separated workload ids ({', '.join(WORKLOADS)})")
    parser.add_argument("--skip", default="",
                        help="comma-separated words: systems whose names contain one are not run")
    parser.add_argument("--no-peers", action="store_true", help="do not import JAX/PyTorch/TF")
    parser.add_argument("--repeats", type=int, help="timed samples per system (default 7, quick 3)")
    parser.add_argument("--budget", type=float,
                        help="seconds per system and case before calls/repeats are cut")
    parser.add_argument("--threads", type=int,
                        help="set OMP/OPENBLAS/MKL/NUMBA_NUM_THREADS (and XLA's, for 1) to N "
                             "(default: leave the libraries' own choice)")
    parser.add_argument("--load", type=int, default=0,
                        help="run N busy processes while measuring, and time autograph with "
                             "the default thread count against one thread")
    parser.add_argument("--compare-threads", action="store_true",
                        help="time autograph with one thread as well (implied by --load)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write JSON")
    parser.add_argument("--markdown", type=Path, help="also write the full report here")
    parser.add_argument("--sources", type=Path, help="write autograph's generated programs here")
    args = parser.parse_args(argv)
    only = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in only if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {', '.join(WORKLOADS)}")
    args.only = only or list(WORKLOADS)
    args.skip = [w.strip() for w in args.skip.split(",") if w.strip()]
    return args


def _start_load(n: int) -> list[subprocess.Popen]:
    """`n` processes that keep a core busy until killed."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def main(argv=None) -> int:
    args = parse_args(argv)
    settings = Settings(args.quick, args.repeats, args.budget)
    started = time.perf_counter()
    peers = peer_tools.none() if args.no_peers else peer_tools.load(compile=not args.quick)
    env = environment(peers, settings)
    env["competing busy processes (--load)"] = args.load
    print(f"# autograph benchmarks\n\n{render_environment(env)}\n", flush=True)
    results = []
    spinners = _start_load(args.load)
    try:
        for workload_id in args.only:
            for case in load(workload_id).cases(settings.size, peers):
                case_started = time.perf_counter()
                result = run_case(case, settings, args.skip, args.sources,
                                  compare_threads=args.load > 0 or args.compare_threads)
                result["wall_s"] = time.perf_counter() - case_started
                results.append(result)
                print(render_case(result) + "\n", flush=True)
    finally:
        for spinner in spinners:
            spinner.kill()
    env["threads"]["numba threading layer"] = _threading_layer()
    env["load average (1, 5, 15 min) at end"] = _load()
    env["wall_s"] = time.perf_counter() - started
    summary = render_summary(results)
    print(summary)
    print(f"\n(total {env['wall_s']:.0f} s)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"environment": env, "results": results}, indent=1,
                                    default=_round), encoding="utf-8")
    if args.markdown:
        text = "\n\n".join(["# autograph benchmarks", render_environment(env),
                            *(render_case(r) for r in results), summary])
        args.markdown.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
