"""Issue 18's second batch of rearranging and index functions (splits, rot90, insert,
delete, resize, grids, isin, select, piecewise, ravel/unravel_index, gcd/lcm, x.flat,
np.nditer) on the CUDA backend, against plain NumPy; and a user's numba function, which
is not on cuda: the error names it."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from cuda_support import assert_same


def pieces(x, v, i):
    return (*np.split(x, 2), np.rot90(x), np.append(x, x, axis=1),
            np.insert(x, [0, 2], 9.0, axis=1), np.delete(x, [0, -1]), np.resize(x, (3, 3)),
            *np.meshgrid(v, v[:2]), *np.ix_(v[:2], v), np.isin(x, v[:2]),
            np.select([x > 1, x < 0], [x, -x], 0.5), np.piecewise(x, [x < 1], [1, 5]),
            np.ravel_multi_index((i % 2, i % 3), (2, 3)), *np.unravel_index(i, (3, 4)),
            np.gcd(i, 6), np.lcm(i, 4))


def flat(x):
    s = 0.0
    for e in x.flat:
        s += e
    for e in np.nditer(x):
        s += e * 2
    return s, x.flat[2]


def test_rearranging_and_index_functions_on_cuda():
    x, v, i = np.arange(8.0).reshape(2, 4) - 2, np.arange(5.0), np.arange(6)
    for fn, args in ((pieces, (x, v, i)), (flat, (x,))):
        got = autograph.convert(fn, backend="cuda")(*args)
        for k, (g, w) in enumerate(zip(got, fn(*args))):
            assert_same(g, w, f"{fn.__name__}[{k}]")


@numba.njit
def _twice(a):
    return a * 2


def test_user_numba_functions_are_not_on_cuda():
    f = autograph.convert(lambda x: _twice(x) + 1, backend="cuda")
    with pytest.raises(AutographError, match="call of .*_twice is not on cuda"):
        f(np.ones(3))
