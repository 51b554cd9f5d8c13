"""Writes into arguments on the CUDA backend: host arrays receive the program's final
values after the call, exactly as NumPy leaves them (issue 16)."""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from cuda_support import assert_same


def heat_steps(u, steps, alpha):
    for _ in range(steps):
        u[1:-1] = u[1:-1] + alpha * (u[2:] - 2.0 * u[1:-1] + u[:-2])
    return u


def scale_and_sum(x, out):
    x *= np.float32(2.0)
    np.add(x, 1.0, out=out)
    return out.sum()


def _cases():
    rng = np.random.default_rng(16)
    return [(heat_steps, lambda: (rng.random(12).astype(np.float32), 4, 0.25)),
            (scale_and_sum, lambda: (rng.random(6).astype(np.float32), np.zeros(6, np.float32)))]


@pytest.mark.parametrize("fn,make", _cases(), ids=lambda v: getattr(v, "__name__", ""))
def test_host_arguments_receive_the_writes(fn, make):
    args = make()
    plain = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    converted = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    want = fn(*plain)
    got = autograph.convert(fn, backend="cuda")(*converted)
    if isinstance(want, np.ndarray):
        assert got is converted[0]  # the caller's own array, as in NumPy
    else:
        assert_same(np.asarray(got), np.asarray(want))
    for g, w in zip(converted, plain):
        if isinstance(w, np.ndarray):
            assert_same(g, w)
