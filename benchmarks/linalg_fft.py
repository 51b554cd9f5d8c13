"""LAPACK and FFT primitives (issue 18): `autograph.convert` (CPU) against NumPy, same run.

    np.linalg.solve   200x200 system, 10 right-hand sides
    np.linalg.inv     200x200
    np.linalg.cholesky 200x200 (positive definite)
    np.fft.fft        2^20 float64 values

Both sides call LAPACK / pocketfft: NumPy through its own bundled OpenBLAS and pocketfft,
the converted function through Numba's `np.linalg` (SciPy's LAPACK) and rocket-fft (the
pocketfft C++ code) inside the generated program. So the ratio measures what autograph
adds — the call, the argument checks, LAPACK's Fortran-order copy Numba makes, and the
C-contiguous result — not a different algorithm. BLAS threads are pinned (one by
default, `--threads`) before NumPy is imported, so both sides run on the same number of
cores. Printed: warm per-call medians of interleaved repeats (benchmarks/timing.py) and
the ratio autograph / NumPy (below 1 is faster).

    python benchmarks/linalg_fft.py [--threads 1] [--repeats 15] [--budget 2.0]
"""

from __future__ import annotations

import argparse
import os
import sys


def _pin_threads(n: int) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS"):
        os.environ[var] = str(n)


def solve(a, b):
    return np.linalg.solve(a, b)


def inv(a):
    return np.linalg.inv(a)


def cholesky(a):
    return np.linalg.cholesky(a)


def fft(x):
    return np.fft.fft(x)


def cases():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((200, 200)) + 200 * np.eye(200)
    spd = a @ a.T
    return {
        "solve 200x200 (10 rhs)": (solve, (a, rng.standard_normal((200, 10)))),
        "inv 200x200": (inv, (a,)),
        "cholesky 200x200": (cholesky, (spd,)),
        "fft 2^20 float64": (fft, (rng.standard_normal(2 ** 20),)),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per system")
    args = parser.parse_args(argv)
    _pin_threads(args.threads)

    global np
    import numpy as np

    import autograph

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks.timing import format_ratio, format_seconds, measure, plan

    print(f"threads: {args.threads}; median of up to {args.repeats} interleaved repeats")
    print(f"{'case':28} {'numpy':>10} {'autograph':>10} {'ratio':>8}")
    for name, (fn, fn_args) in cases().items():
        converted = autograph.convert(fn, backend="cpu")
        np.testing.assert_allclose(converted(*fn_args), fn(*fn_args), rtol=1e-9, atol=1e-9)
        plans = {system: plan(f, fn_args, calls=20, repeats=args.repeats, warmup=3,
                              budget_s=args.budget)
                 for system, f in (("numpy", fn), ("autograph", converted))}
        timings = measure(plans)
        ours, theirs = timings["autograph"].median, timings["numpy"].median
        print(f"{name:28} {format_seconds(theirs):>10} {format_seconds(ours):>10} "
              f"{format_ratio(ours / theirs):>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
