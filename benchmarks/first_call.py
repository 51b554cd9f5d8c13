"""Where a first call's time goes, per workload: imports, trace, passes, codegen, Numba.

    .venv/bin/python benchmarks/first_call.py                 # every workload, quick sizes
    .venv/bin/python benchmarks/first_call.py --only W2,W5 --size full

For each workload, the first case's autograph function is called once in a fresh
interpreter (a child process, so nothing is cached in memory) on an empty cache folder
(`XDG_CACHE_HOME` of the child: Numba compiles), then once more in a second child on the
same folder (a user's next session: the program text is found by its hash, Numba loads
the machine code). The child times `import numba` and `import autograph` apart (both
before the workload module, which imports Numba for its hand-written version), then
`convert` + the first call; the phases come from the specialisations' own timings (what
`f.explain()` shows, runtime/compiling.py): trace, optimise (the passes), codegen (the
program text), Numba compile or cache load. "other" is the first call minus those: the
run itself, argument checks, Python-side conversion, Numba's first-dispatch setup.
Prints a markdown table (milliseconds) and writes JSON (benchmarks/results/first_call.json).

    python benchmarks/first_call.py --child W2 quick        # what a child runs
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = ROOT / "benchmarks" / "results" / "first_call.json"
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7")
PHASES = ("trace", "optimise", "codegen", "Numba compile", "Numba cache load")
CHILD_TIMEOUT_S = 600


def child(workload: str, size: str) -> dict:
    """Runs in the child: one first call of the workload's first autograph case."""
    t0 = time.perf_counter()
    import numba  # noqa: F401
    t1 = time.perf_counter()
    import autograph
    from autograph.runtime.api import ConvertedFunction
    t2 = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from benchmarks import peers as peer_tools
    from benchmarks.workloads import common, load

    case = load(workload).cases(size, peer_tools.none())[0]
    system = case.system(common.AUTOGRAPH_NAME)
    args = system.convert_args(case.args) if system.convert_args else case.args
    t3 = time.perf_counter()
    function = system.make()
    function(*args)
    t4 = time.perf_counter()
    phases = dict.fromkeys(PHASES, 0.0)
    traces = 0
    for obj in gc.get_objects():
        if isinstance(obj, ConvertedFunction):
            for spec in obj._cache.values():
                traces += 1
                for phase, seconds in (spec.build.seconds if spec.build else {}).items():
                    if phase in phases:
                        phases[phase] += seconds
    first = t4 - t3
    return {"workload": workload, "case": case.title, "import_numba_s": t1 - t0,
            "import_autograph_s": t2 - t1, "first_call_s": first, "traces": traces,
            "phases_s": phases, "other_s": first - sum(phases.values()),
            "version": autograph.__version__ if hasattr(autograph, "__version__") else ""}


def run_child(workload: str, size: str, cache_home: str) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=cache_home, AUTOGRAPH_PROGRESS="0")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", workload,
                           size], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=CHILD_TIMEOUT_S)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()
        raise RuntimeError(tail[-1] if tail else f"child exited with {proc.returncode}")
    return json.loads(lines[-1])


def measure(workloads, size: str) -> list[dict]:
    rows = []
    for workload in workloads:
        with tempfile.TemporaryDirectory(prefix="autograph-first-call-") as home:
            for start in ("cold", "warm"):
                try:
                    report = run_child(workload, size, home)
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    report = {"workload": workload, "error": str(exc)}
                report["start"] = start
                rows.append(report)
                print(render_row(report), flush=True)
    return rows


HEADER = ("| workload | start | import numba | import autograph | trace | passes | codegen "
          "| Numba compile | cache load | other | first call | trace+passes+codegen share |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def render_row(r: dict) -> str:
    if "error" in r:
        return f"| {r['workload']} | {r.get('start', '')} | error: {r['error']} |"
    p = r["phases_s"]
    ms = lambda s: f"{s * 1e3:.0f}"  # noqa: E731
    ours = p["trace"] + p["optimise"] + p["codegen"]
    return (f"| {r['case']} | {r['start']} | {ms(r['import_numba_s'])} | "
            f"{ms(r['import_autograph_s'])} | {ms(p['trace'])} | {ms(p['optimise'])} | "
            f"{ms(p['codegen'])} | {ms(p['Numba compile'])} | {ms(p['Numba cache load'])} | "
            f"{ms(r['other_s'])} | {ms(r['first_call_s'])} | "
            f"{ours / r['first_call_s']:.0%} |")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        print(json.dumps(child(argv[1], argv[2])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated workload ids")
    parser.add_argument("--size", default="quick", choices=("quick", "full", "test"))
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    workloads = [w for w in args.only.split(",") if w] or list(WORKLOADS)
    print("times in ms; " + ", ".join(f"{k}" for k in ("cold: empty cache folder",
                                                     "warm: a second new process")))
    print(HEADER, flush=True)
    rows = measure(workloads, args.size)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
