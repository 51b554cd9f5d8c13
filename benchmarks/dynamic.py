"""Values whose length is known only at run time (issue 15): converted code against NumPy
and hand-written Numba on the idioms that produce them.

    .venv/bin/python benchmarks/dynamic.py [--n 1000000] [--budget 2.0] [--output PATH]

Cases, at n elements (default 10^6, float64, about half selected):
- `x[x > 0.5].sum()`, `x[m].mean()` — a selection reduced (compress, then a masked sum);
- `a[m] - b[m]` returned — two compressions of one mask, one count, a sliced result;
- `np.flatnonzero(x > 0.5)` — a compression of arange;
- `np.unique(k)` of n ints in [0, 1000) — sort, flags, compression.

Also the first call (convert + trace + compile) of the first case, in a fresh process
would be fairer; here it is the first call in this process after the imports. Prints a
markdown table and writes JSON (default benchmarks/results/dynamic.json). Benchmarks are
never run as tests (DESIGN.md, Testing).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numba  # noqa: E402
import numpy as np  # noqa: E402

import autograph  # noqa: E402
from timing import format_ratio, format_seconds, measure, plan  # noqa: E402

DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "dynamic.json"


def masked_sum(x):
    return x[x > 0.5].sum()


def masked_mean(x):
    return x[x > 0.5].mean()


def difference(a, b):
    m = a > 0.5
    return a[m] - b[m]


def flat_nonzero(x):
    return np.flatnonzero(x > 0.5)


def unique(k):
    return np.unique(k)


@numba.njit(cache=True)
def nb_masked_sum(x):
    s = 0.0
    for v in x:
        if v > 0.5:
            s += v
    return s


@numba.njit(cache=True)
def nb_masked_mean(x):
    s, n = 0.0, 0
    for v in x:
        if v > 0.5:
            s += v
            n += 1
    return s / n


@numba.njit(cache=True)
def nb_difference(a, b):
    out = np.empty(a.shape[0])
    k = 0
    for i in range(a.shape[0]):
        if a[i] > 0.5:
            out[k] = a[i] - b[i]
            k += 1
    return out[:k].copy()


@numba.njit(cache=True)
def nb_flat_nonzero(x):
    return np.flatnonzero(x > 0.5)


@numba.njit(cache=True)
def nb_unique(k):
    return np.unique(k)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per system")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    x, y = rng.random(args.n), rng.random(args.n)
    k = rng.integers(0, 1000, args.n)
    cases = {
        "x[x > 0.5].sum()": (masked_sum, nb_masked_sum, (x,)),
        "x[x > 0.5].mean()": (masked_mean, nb_masked_mean, (x,)),
        "a[m] - b[m]": (difference, nb_difference, (x, y)),
        "np.flatnonzero(x > 0.5)": (flat_nonzero, nb_flat_nonzero, (x,)),
        "np.unique(k)": (unique, nb_unique, (k,)),
    }
    rows, report = [], {"n": args.n, "cases": {}}
    start = time.perf_counter()
    first = autograph.convert(masked_sum)
    first(x)
    first_call = time.perf_counter() - start
    for name, (fn, hand, fargs) in cases.items():
        converted = autograph.convert(fn)
        want = fn(*fargs)
        np.testing.assert_allclose(converted(*fargs), want)
        np.testing.assert_allclose(hand(*fargs), want)
        plans = {label: plan(f, fargs, calls=20, repeats=7, warmup=2, budget_s=args.budget)
                 for label, f in (("numpy", fn), ("hand numba", hand), ("autograph", converted))}
        timings = measure(plans)
        med = {label: t.median for label, t in timings.items()}
        rows.append(f"| `{name}` | {format_seconds(med['numpy'])} | "
                    f"{format_seconds(med['hand numba'])} | {format_seconds(med['autograph'])} | "
                    f"{format_ratio(med['autograph'] / med['hand numba'])} | "
                    f"{format_ratio(med['autograph'] / med['numpy'])} |")
        report["cases"][name] = {label: t.to_json() for label, t in timings.items()}
    report["first_call_s"] = first_call
    print(f"n = {args.n}; first call of masked_sum (convert + trace + compile): "
          f"{format_seconds(first_call)}\n")
    print("| case | NumPy | hand Numba | autograph | vs Numba | vs NumPy |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
