"""Scale-out: one converted function on 1 and 2 Dask workers, and from 1 and 2 threads.

    .venv/bin/python benchmarks/scale_out.py                 # both parts, 7 repeats
    .venv/bin/python benchmarks/scale_out.py --repeats 3 --only threads
    .venv/bin/python benchmarks/scale_out.py --append benchmarks/RESULTS.md

- *Workers.* The job: Mandelbrot escape counts (100 iterations) over a 1200×1600 grid in
  16 blocks of 300×400, with the plain `da.blockwise` idiom, on a `LocalCluster` of
  processes with one thread each (loopback only): 1 worker against 2. Both clusters stay
  up and their repeats are interleaved, after a warm-up run that lets every worker trace
  and compile; the workers run with `autograph.dask.WORKER_CONFIG` (one Numba thread
  each, malloc that reuses memory). Bar: the job ≥ 1.7× faster on 2 workers.
- *Threads.* The same function on one 300×400 block, called back to back from 1 thread
  against from 2 threads at once (each on its own block): compiled programs release the
  GIL, so two threads should do twice the work per second. Bar: ≥ 1.7× the throughput.
  Each thread sets `numba.set_num_threads(1)`, so that a program with `prange` loops
  does not also spread over both cores. A control runs hand-written
  `numba.njit(nogil=True)` loops the same way: its ratio is the parallelism the shared
  machine offered during the run.

The machine is shared and has 2 cores, so every figure is a median of repeats and every
ratio compares medians taken in the same run (see timing.py). A benchmark, never a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import autograph  # noqa: E402

BAR = 1.7
MAX_ITER = 100
GRID = (1200, 1600)
BLOCK = (300, 400)


@autograph.convert
def escape_counts(re, im, max_iter):
    """Mandelbrot escape counts of the grid im (rows) x re (columns) (as in the example)."""
    c_re = re[None, :] + 0.0 * im[:, None]
    c_im = im[:, None] + 0.0 * re[None, :]
    z_re = np.zeros_like(c_re)
    z_im = np.zeros_like(c_re)
    counts = np.zeros(c_re.shape, dtype=np.int32)
    for _ in range(max_iter):
        inside = z_re * z_re + z_im * z_im <= 4.0
        counts = counts + inside
        z_re, z_im = (np.where(inside, z_re * z_re - z_im * z_im + c_re, z_re),
                      np.where(inside, 2.0 * z_re * z_im + c_im, z_im))
    return counts


@numba.njit(nogil=True, cache=True)
def escape_counts_numba(re, im, max_iter):
    """Control: hand-written Numba, GIL released. Its 2-thread ratio is what the machine
    allows at the time of the run (the cores are shared)."""
    out = np.zeros((im.shape[0], re.shape[0]), dtype=np.int32)
    for i in range(im.shape[0]):
        for j in range(re.shape[0]):
            z_re, z_im, n = 0.0, 0.0, 0
            while n < max_iter and z_re * z_re + z_im * z_im <= 4.0:
                z_re, z_im = z_re * z_re - z_im * z_im + re[j], 2.0 * z_re * z_im + im[i]
                n += 1
            out[i, j] = n
    return out


def _ratio(slow: list[float], fast: list[float]) -> tuple[float, float, float]:
    """(median slow, median fast, their ratio)."""
    a, b = statistics.median(slow), statistics.median(fast)
    return a, b, a / b


def workers(repeats: int) -> list[dict]:
    """The Dask job, on 1 worker and on 2. (No hand Numba control here: its blocks take
    ~15 ms, so Dask's per-task overhead, not the cores, would decide its ratio.)"""
    import dask.array as da
    from dask.distributed import Client

    import autograph.dask

    re = da.linspace(-2.0, 1.0, GRID[1], chunks=BLOCK[1])
    im = da.linspace(-1.5, 1.5, GRID[0], chunks=BLOCK[0])
    jobs = {"autograph": da.blockwise(escape_counts, "ij", re, "j", im, "i", MAX_ITER, None,
                                      dtype=np.int32, meta=np.empty((0, 0), np.int32))}
    clients, clusters = {}, []
    times = {(label, n): [] for label in jobs for n in (1, 2)}
    try:
        for n in (1, 2):
            # one Numba thread per worker, malloc that reuses (autograph.dask)
            cluster = autograph.dask.local_cluster(n)
            clusters.append(cluster)
            clients[n] = Client(cluster, set_as_default=False)
        re_, im_ = np.linspace(-2.0, 1.0, GRID[1]), np.linspace(-1.5, 1.5, GRID[0])
        expected = escape_counts_numba(re_, im_, MAX_ITER)
        for client in clients.values():  # warm-up: every worker traces and compiles
            for job in jobs.values():
                assert np.array_equal(client.compute(job).result(), expected)
        for _ in range(repeats):
            for (label, n) in times:
                started = time.perf_counter()
                clients[n].compute(jobs[label]).result()
                times[label, n].append(time.perf_counter() - started)
    finally:
        for client in clients.values():
            client.close()
        for cluster in clusters:
            cluster.close()
    rows = []
    for label, job in jobs.items():
        one, two, ratio = _ratio(times[label, 1], times[label, 2])
        rows.append({"name": f"{label}: Dask job of {job.npartitions} blocks, 2 workers vs 1",
                     "baseline": f"1 worker {one:.3f} s", "measured": f"2 workers {two:.3f} s",
                     "ratio": ratio, "samples": {1: times[label, 1], 2: times[label, 2]}})
    return rows


def threads(repeats: int, function=escape_counts, label: str = "autograph",
            calls: int = 4) -> dict:
    rows, cols = BLOCK
    blocks = [(np.linspace(-2.0 + k, 1.0 + k, cols) * 0.5, np.linspace(-1.5, 1.5, rows))
              for k in range(2)]
    function(*blocks[0], MAX_ITER)  # trace and compile outside the timing

    def run(k):
        numba.set_num_threads(1)  # per thread: our threads, not Numba's, are the parallelism
        for _ in range(calls):
            function(*blocks[k], MAX_ITER)

    def on_threads(*parts) -> float:
        """Seconds to run each `part` on its own thread, all at once."""
        pool = [threading.Thread(target=lambda ks=ks: [run(k) for k in ks]) for ks in parts]
        started = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        return time.perf_counter() - started

    # Both cases run off the main thread, as Dask workers run tasks: under load, this
    # machine ran the same calls several times slower on the main thread (more user CPU
    # time, not faults; cause not established), which would flatter the 2-thread case.
    one, two = [], []
    for _ in range(repeats):
        one.append(on_threads((0, 1)))    # 2 * calls calls on 1 thread
        two.append(on_threads((0,), (1,)))  # the same calls on 2 threads
    a, b, ratio = _ratio(one, two)
    return {"name": f"{label}: {2 * calls} calls on {rows}×{cols} blocks, 2 threads vs 1",
            "baseline": f"1 thread {a:.3f} s", "measured": f"2 threads {b:.3f} s",
            "ratio": ratio, "samples": {1: one, 2: two}}


def markdown(rows: list[dict], repeats: int) -> str:
    lines = ["## Scale-out", "",
             f"`benchmarks/scale_out.py`, medians of {repeats} interleaved repeats on this "
             f"2-core shared machine; bar ≥ {BAR}×.", "",
             "| case | baseline | measured | speed-up | bar |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        verdict = "met" if row["ratio"] >= BAR else "missed"
        lines.append(f"| {row['name']} | {row['baseline']} | {row['measured']} | "
                     f"{row['ratio']:.2f}× | {verdict} |")
    lines += ["", "The control (hand-written Numba, GIL released, 2 threads vs 1) shows the "
              "parallelism the machine offered during the run: the kernel gives each login "
              "session an equal CPU share (`sched_autogroup`), so while other sessions are "
              "busy a second thread or worker of this one gains little, whatever the code."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Scale-out benchmark (see module doc).")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", choices=("workers", "threads"))
    parser.add_argument("--append", type=Path, help="append the markdown section to this file")
    args = parser.parse_args(argv)
    rows = []
    if args.only in (None, "threads"):
        rows.append(threads(args.repeats))
        rows.append(threads(args.repeats, escape_counts_numba, "control, hand Numba"))
    if args.only in (None, "workers"):
        rows += workers(args.repeats)
    text = markdown(rows, args.repeats)
    print(text)
    for row in rows:
        print(row["name"], {k: [round(s, 3) for s in v] for k, v in row["samples"].items()})
    if args.append:
        with open(args.append, "a", encoding="utf-8") as f:
            f.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
