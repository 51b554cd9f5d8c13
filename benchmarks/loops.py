"""Loops that stay loops (issue 15): an accumulator loop over 10^6 float64 elements,
`autograph.convert` against a hand-written `numba.njit` loop, in the same run.

    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]

Before loop staging this loop was unrolled while tracing (a 4,000,000-op graph); now it is
one staged FOR. Printed: the first call (autograph: convert + trace + optimise + generate
+ Numba compile; numba: compile) and the warm per-call median of each, with the ratios
autograph / numba.

The generated programs go to a fresh cache folder (XDG_CACHE_HOME), so the first call pays
Numba's compilation as the hand-written function's does; `--warm-cache` keeps the usual
folder (then the first call may load machine code from disk).

    python benchmarks/loops.py [--n 1000000] [--repeats 15] [--warm-cache]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time


def sum_sq(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]
    return s


def _warm_median(fn, x, repeats: int, calls: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn(x)
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--warm-cache", action="store_true")
    args = parser.parse_args(argv)

    if not args.warm_cache:
        os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="autograph-loops-bench-")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

    import numba
    import numpy as np

    import autograph

    x = np.random.default_rng(0).standard_normal(args.n)
    want = sum_sq(x) if args.n <= 100_000 else float(np.dot(x, x))

    # Numba's own start-up (its type system, LLVM) is paid once per process by whichever
    # compiles first; pay it on an unrelated function so both first calls below are fair.
    numba.njit(lambda v: v.sum())(np.ones(2))

    hand = numba.njit(sum_sq)
    start = time.perf_counter()
    got_hand = hand(x)
    first_numba = time.perf_counter() - start

    start = time.perf_counter()
    converted = autograph.convert(sum_sq, backend="cpu")
    got_ag = converted(x)
    first_ag = time.perf_counter() - start

    assert np.isclose(got_hand, want) and np.isclose(got_ag, want), (got_hand, got_ag, want)
    ops = sum(1 for _ in converted.lower(x).graph.walk())

    # Interleaved warm timings: noise lands on both alike.
    ag_samples, nb_samples = [], []
    for _ in range(args.repeats):
        ag_samples.append(_warm_median(converted, x, 1, args.calls))
        nb_samples.append(_warm_median(hand, x, 1, args.calls))
    warm_ag, warm_nb = statistics.median(ag_samples), statistics.median(nb_samples)

    print(f"sum_sq accumulator loop, n = {args.n:,} float64 "
          f"({'warm' if args.warm_cache else 'fresh'} program cache); staged graph: {ops} ops")
    print(f"  first call   autograph {first_ag * 1e3:9.1f} ms   numba.njit "
          f"{first_numba * 1e3:9.1f} ms   ratio {first_ag / first_numba:6.2f}x")
    print(f"  warm median  autograph {warm_ag * 1e6:9.1f} us   numba.njit "
          f"{warm_nb * 1e6:9.1f} us   ratio {warm_ag / warm_nb:6.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
