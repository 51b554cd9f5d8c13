"""W1's first-call latency: trace + optimise + compile, cold and from the disk cache.

Each sample is a fresh interpreter (a child process) so nothing is cached in memory:
- cold: an empty cache folder (`XDG_CACHE_HOME` of the child), so Numba compiles;
- warm: a second child on the same folder, as a user's next session: the generated
  program is found by its text hash and Numba loads its machine code;
- the floor: a child whose first call is the hand-written `mlp_numba` (`cache=True`,
  already cached): what loading cached machine code costs Numba itself.
The child imports numpy, numba and autograph before its clock starts (import time is
reported apart), then times `autograph.convert(mlp)` + `f.lower(*args)` (convert, trace,
optimise, generate, import) and the first call (Numba compiles or loads, then runs), and
checks the result against NumPy. Bars: first call < 2 s, warm start < 0.3 s.

    python -m benchmarks.workloads.latency --child BATCH [--numba]   # what a child runs
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import peers as peer_tools
from benchmarks.workloads import common

ROOT = Path(__file__).resolve().parents[2]
COLD = "first call (empty cache)"
WARM = "warm start (disk cache, new process)"
NUMBA = "hand Numba, cache=True, new process"
BATCH = 64
CHILD_TIMEOUT_S = 300


def child(batch: int, numba_only: bool = False) -> dict:
    """Runs in the child process: one first call of W1 (autograph's, or the hand-written
    Numba version's), timed in parts."""
    start = time.perf_counter()
    import numba  # noqa: F401

    import autograph
    from autograph.codegen.cpu import backend as numba_cpu  # noqa: F401
    imported = time.perf_counter()

    from benchmarks.workloads import w1_mlp

    args = w1_mlp.inputs(batch)
    expected = w1_mlp.mlp(*args)
    t0 = time.perf_counter()
    if numba_only:
        f = w1_mlp.mlp_numba
    else:
        f = autograph.convert(w1_mlp.mlp, backend="cpu")
        f.lower(*args)
    t1 = time.perf_counter()
    out = f(*args)
    t2 = time.perf_counter()
    mismatch = common.compare(out, expected, rtol=1e-4, atol=1e-4)
    return {"import_s": imported - start, "lower_s": t1 - t0, "first_call_s": t2 - t1,
            "total_s": t2 - t0, "mismatch": mismatch}


def run_child(cache_home: str, batch: int, numba_only: bool = False) -> dict:
    """Starts a fresh interpreter on `cache_home`; its report, or raises with its stderr."""
    env = dict(os.environ, XDG_CACHE_HOME=cache_home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "benchmarks.workloads.latency", "--child", str(batch)]
    proc = subprocess.run(command + ["--numba"] * numba_only, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()
        raise RuntimeError(tail[-1] if tail else f"child exited with {proc.returncode}")
    report = json.loads(lines[-1])
    if report["mismatch"]:
        raise RuntimeError(f"wrong result: {report['mismatch']}")
    return report


class Probe:
    """Runs cold/warm pairs of children once and serves both systems' samples."""

    def __init__(self, batch: int):
        self.batch = batch
        self.reports: dict[str, list[dict]] = {COLD: [], WARM: [], NUMBA: []}
        self.error: Exception | None = None
        self._ran = False

    def sample(self, name: str, repeats: int) -> list[float]:
        """The samples of `name`; a failed child fails all three systems alike."""
        if not self._ran:
            self._ran = True
            try:
                self._run(repeats)
            except Exception as error:
                self.error = error
        if self.error is not None:
            raise self.error
        return [r["total_s"] for r in self.reports[name]]

    def _run(self, repeats: int) -> None:
        with tempfile.TemporaryDirectory(prefix="autograph-bench-") as home:
            run_child(home, self.batch, numba_only=True)  # fills Numba's own cache
        for _ in range(repeats):
            with tempfile.TemporaryDirectory(prefix="autograph-bench-") as home:
                self.reports[COLD].append(run_child(home, self.batch))
                self.reports[WARM].append(run_child(home, self.batch))
                self.reports[NUMBA].append(run_child(home, self.batch, numba_only=True))

    def details(self) -> dict:
        def median(name, key):
            values = sorted(r[key] for r in self.reports[name])
            return values[len(values) // 2] if values else None

        return {name: {key: median(name, key) for key in ("import_s", "lower_s", "first_call_s")}
                for name in (COLD, WARM, NUMBA)}


def cases(size: str, peers: peer_tools.Peers) -> list[common.Case]:
    probe = Probe(common.scaled(BATCH, size, quick=BATCH, test=1))
    systems = [common.System(name, kind, check=False,
                             sample=lambda repeats, name=name: probe.sample(name, repeats))
               for name, kind in ((COLD, common.AUTOGRAPH), (WARM, common.AUTOGRAPH),
                                  (NUMBA, common.NUMBA))]
    bars = [common.absolute_bar("first call < 2 s", 2.0, COLD),
            common.absolute_bar("warm start < 0.3 s", 0.3, WARM)]
    return [common.Case("latency", f"W1 MLP batch {probe.batch}: convert + first call", (),
                        systems, calls=1, bars=bars, details=probe.details)]


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]), numba_only=sys.argv[3:] == ["--numba"])))
    else:
        sys.exit(__doc__)
