"""W5: Mandelbrot escape times on a 400×400 grid over [-2, 1]×[-1.5, 1.5], 100 iterations.

Written the way a person writes it first: two loops over pixels, a `while` per pixel on
two conditions, item assignment into the output. autograph stages all three loops
(nothing unrolls) and the stores become in-place writes. The baseline is that function
run by CPython (on NumPy scalars, as written); a vectorised NumPy rewrite is shown for
reference. Bars: ≤ 1.3× hand serial Numba, ≥ 50× plain Python.
"""

from __future__ import annotations

import numba
import numpy as np

from benchmarks import peers as peer_tools
from benchmarks.workloads import common

MAX_ITER = 100


def mandelbrot(re, im, max_iter):
    """The user's function (given as is to autograph.convert)."""
    out = np.zeros((im.shape[0], re.shape[0]), dtype=np.int32)
    for i in range(im.shape[0]):
        for j in range(re.shape[0]):
            c_re = re[j]
            c_im = im[i]
            z_re = 0.0
            z_im = 0.0
            n = 0
            while n < max_iter and z_re * z_re + z_im * z_im <= 4.0:
                z_re, z_im = z_re * z_re - z_im * z_im + c_re, 2.0 * z_re * z_im + c_im
                n += 1
            out[i, j] = n
    return out


# Hand-written serial Numba: the same loops, compiled by Numba directly.
mandelbrot_numba = numba.njit(cache=True)(mandelbrot)


def mandelbrot_vectorized(re, im, max_iter):
    """What a NumPy expert writes instead: all pixels at once, masked updates (same
    arithmetic, in the same order, as the loops)."""
    shape = (im.shape[0], re.shape[0])
    c_re, c_im = np.broadcast_to(re[None, :], shape), np.broadcast_to(im[:, None], shape)
    z_re, z_im = np.zeros(shape), np.zeros(shape)
    out = np.zeros(shape, dtype=np.int32)
    active = np.ones(shape, dtype=bool)
    for _ in range(max_iter):
        out += active
        a_re, a_im = z_re[active], z_im[active]
        z_re[active], z_im[active] = (a_re * a_re - a_im * a_im + c_re[active],
                                      2.0 * a_re * a_im + c_im[active])
        active &= z_re * z_re + z_im * z_im <= 4.0
    return out


def inputs(width: int, height: int) -> tuple:
    return (np.linspace(-2.0, 1.0, width), np.linspace(-1.5, 1.5, height), MAX_ITER)


def cases(size: str, peers: peer_tools.Peers) -> list[common.Case]:
    side = common.scaled(400, size, quick=100, test=24)
    systems = [common.baseline(mandelbrot, "Python"), common.autograph_system(mandelbrot),
               common.numba_system(mandelbrot_numba, "hand Numba (serial)"),
               common.System("NumPy (vectorised rewrite)", common.OTHER,
                             make=lambda: mandelbrot_vectorized)]
    bars = [common.ratio_bar("≤ 1.3× hand serial Numba", "hand Numba (serial)", 1.3),
            common.speedup_bar("≥ 50× Python", "Python", 50)]
    return [common.Case("W5", f"Mandelbrot {side}×{side}, {MAX_ITER} iterations",
                        inputs(side, side), systems, calls=common.scaled(5, size, quick=2, test=1),
                        bars=bars)]
