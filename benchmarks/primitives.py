"""Issue 18's new primitives at 10^6 elements: `autograph.convert` (CPU) against NumPy,
same run, one thread.

    sort          np.sort of 10^6 float64 (random)
    argsort       np.argsort of 10^6 float64
    cumsum        np.cumsum of 10^6 float64
    searchsorted  10^6 sorted float64, 10^3 queries (see the case for why not 10^6)
    roll          np.roll of 10^6 float64 by 1000
    diff          np.diff of 10^6 float64
    einsum ij,jk  256x512 @ 512x512 float32, as an MLP layer ('ij,jk->ik')
    einsum bij    batched 'bij,bjk->bik', 8 x 128x128 @ 128x128 float32
    fused         np.diff(np.cumsum(x)) * 2: a scan and its neighbours

Each case is checked against NumPy first, then timed: warm per-call medians of
interleaved repeats (benchmarks/timing.py) and the ratio autograph / NumPy (below 1 is
faster). BLAS and Numba threads are pinned (one by default, `--threads`) before NumPy is
imported, so both sides use the same cores. `--sources DIR` writes the generated
programs, to read what was measured.

    python benchmarks/primitives.py [--threads 1] [--repeats 15] [--budget 2.0]
"""

from __future__ import annotations

import argparse
import os
import sys

N = 1_000_000


def _pin_threads(n: int) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS"):
        os.environ[var] = str(n)


def sort(x):
    return np.sort(x)


def argsort(x):
    return np.argsort(x)


def cumsum(x):
    return np.cumsum(x)


def searchsorted(a, v):
    return np.searchsorted(a, v)


def roll(x):
    return np.roll(x, 1000)


def diff(x):
    return np.diff(x)


def mlp_einsum(x, w):
    return np.einsum("ij,jk->ik", x, w)


def batched_einsum(a, b):
    return np.einsum("bij,bjk->bik", a, b)


def fused(x):
    return np.diff(np.cumsum(x)) * 2.0


def cases():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(N)
    f32 = np.float32
    return {
        "sort 10^6 f64": (sort, (x,)),
        "argsort 10^6 f64": (argsort, (x,)),
        "cumsum 10^6 f64": (cumsum, (x,)),
        # 10^3 queries: the staged searchsorted compares every query with every element
        # (O(n*m), numpy_sorting.py), so 10^6 queries would take hours
        "searchsorted 10^3 in 10^6": (searchsorted, (np.sort(x), rng.standard_normal(1000))),
        "roll 10^6 f64": (roll, (x,)),
        "diff 10^6 f64": (diff, (x,)),
        "einsum ij,jk 256x512x512 f32": (mlp_einsum, (rng.standard_normal((256, 512)).astype(f32),
                                                      rng.standard_normal((512, 512)).astype(f32))),
        "einsum bij,bjk 8x128^3 f32": (batched_einsum,
                                       (rng.standard_normal((8, 128, 128)).astype(f32),
                                        rng.standard_normal((8, 128, 128)).astype(f32))),
        "diff(cumsum(x))*2 10^6": (fused, (x,)),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per system")
    parser.add_argument("--only", default="", help="comma-separated case name prefixes")
    parser.add_argument("--sources", default=None, help="folder for the generated programs")
    args = parser.parse_args(argv)
    _pin_threads(args.threads)

    global np
    import numpy as np

    import autograph

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks.timing import format_ratio, format_seconds, measure, plan

    print(f"threads: {args.threads}; median of up to {args.repeats} interleaved repeats")
    print(f"{'case':32} {'numpy':>10} {'autograph':>10} {'ratio':>8}")
    only = [p for p in args.only.split(",") if p]
    for name, (fn, fn_args) in cases().items():
        if only and not any(name.startswith(p) for p in only):
            continue
        converted = autograph.convert(fn, backend="cpu")
        want, got = fn(*fn_args), converted(*fn_args)
        rtol = 1e-4 if want.dtype == np.float32 else 1e-9
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)
        if args.sources:
            os.makedirs(args.sources, exist_ok=True)
            with open(os.path.join(args.sources, f"{fn.__name__}.py"), "w") as out:
                out.write(converted.lower(*fn_args).source)
        plans = {system: plan(f, fn_args, calls=5, repeats=args.repeats, warmup=2,
                              budget_s=args.budget)
                 for system, f in (("numpy", fn), ("autograph", converted))}
        timings = measure(plans)
        ours, theirs = timings["autograph"].median, timings["numpy"].median
        print(f"{name:32} {format_seconds(theirs):>10} {format_seconds(ours):>10} "
              f"{format_ratio(ours / theirs):>8}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
