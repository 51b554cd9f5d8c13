"""Kernels that write into their arguments (issue 16), as Numba users write them:
`autograph.convert` against the same function under `numba.njit`, and NumPy where a
vectorised spelling exists, in one run.

- `fill`: an output buffer filled by a loop, `out[i] = 2 * x[i] + 1` (10^6 float64);
- `heat`: an in-place stencil, `u[1:-1] = u[1:-1] + a * (u[2:] - 2 u[1:-1] + u[:-2])`,
  100 steps over 10^5 float64;
- `scale`: `x *= 1.0001` then `np.add(x, 1.0, out=y)` (10^6 float64).

The program writes into the caller's arrays directly (inputs it writes are donated to the
memory plan), so the write-back costs nothing when the final value is already there.
Printed: warm per-call medians and the ratios autograph / numba, autograph / numpy.

    python benchmarks/argument_writes.py [--repeats 15] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def fill(out, x):
    for i in range(x.shape[0]):
        out[i] = 2.0 * x[i] + 1.0


def fill_numpy(out, x):
    np.multiply(x, 2.0, out=out)
    out += 1.0


def heat(u, steps):
    for _ in range(steps):
        u[1:-1] = u[1:-1] + 0.25 * (u[2:] - 2.0 * u[1:-1] + u[:-2])


def scale(x, y):
    x *= 1.0001
    np.add(x, 1.0, out=y)


def scale_positional(x, y):  # Numba takes ufunc outputs positionally only
    x *= 1.0001
    np.add(x, 1.0, y)


def _median(fn, make, repeats: int) -> float:
    args = make()
    fn(*args)  # compile / warm up
    samples = []
    for _ in range(repeats):
        args = make()
        start = time.perf_counter()
        fn(*args)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1, help="AUTOGRAPH_THREADS")
    args = parser.parse_args(argv)
    os.environ["AUTOGRAPH_THREADS"] = str(args.threads)
    os.environ.setdefault("AUTOGRAPH_PROGRESS", "0")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

    global np
    import numba
    import numpy as np

    import autograph

    rng = np.random.default_rng(0)
    x6, u5 = rng.random(1_000_000), rng.random(100_000)
    cases = [  # name, converted, hand Numba, NumPy, arguments
        ("fill 10^6", fill, fill, fill_numpy, lambda: (np.zeros_like(x6), x6)),
        ("heat 10^5 x 100", heat, heat, None, lambda: (u5.copy(), 100)),
        ("scale 10^6", scale, scale_positional, scale, lambda: (x6.copy(), np.zeros_like(x6))),
    ]
    print(f"| kernel | autograph ms | numba ms | numpy ms | ag/numba | ag/numpy |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, fn, by_hand, plain, make in cases:
        converted = autograph.convert(fn, backend="cpu")
        hand = numba.njit(by_hand)
        ag = _median(converted, make, args.repeats)
        nb = _median(hand, make, args.repeats)
        npy = _median(plain, make, args.repeats) if plain is not None else float("nan")
        print(f"| {name} | {ag * 1e3:.3f} | {nb * 1e3:.3f} | {npy * 1e3:.3f} | "
              f"{ag / nb:.2f} | {ag / npy:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
