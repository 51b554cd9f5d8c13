"""`autograph.convert(f, backend="cuda")` end to end, against plain NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from cuda_support import assert_same


def w2(x, y):
    return np.tanh(x * 0.5 + y) * np.exp(-x * x) + 1.0


def halving(x, n):
    s = 0.0
    for i in range(n):
        if np.sum(x) > i:
            x = x * 0.5
        s = s + np.max(x)
    return x, s


def mandelbrot(c_re, c_im, iters):
    zr = np.zeros_like(c_re)
    zi = np.zeros_like(c_im)
    count = np.zeros(c_re.shape, np.int32)
    for _ in range(iters):
        zr2 = zr * zr
        zi2 = zi * zi
        inside = zr2 + zi2 <= 4.0
        count = count + inside
        zi = np.where(inside, 2.0 * zr * zi + c_im, zi)
        zr = np.where(inside, zr2 - zi2 + c_re, zr)
    return count


def mlp(x, w1, b1, w2, b2):
    h = np.maximum(x @ w1 + b1, 0.0)
    return h @ w2 + b2


def _cases():
    rng = np.random.default_rng(13)
    f32 = np.float32
    re, im = np.meshgrid(np.linspace(-2, 1, 5), np.linspace(-1, 1, 4))
    return [
        (w2, (rng.standard_normal(10).astype(f32), rng.standard_normal(10).astype(f32))),
        (halving, (rng.random(6).astype(f32), 5)),
        (mandelbrot, (re, im, 12)),
        (mlp, (rng.standard_normal((3, 8)).astype(f32), rng.standard_normal((8, 5)).astype(f32),
               rng.standard_normal(5).astype(f32), rng.standard_normal((5, 2)).astype(f32),
               rng.standard_normal(2).astype(f32))),
    ]


@pytest.mark.parametrize("fn,args", _cases(), ids=lambda v: getattr(v, "__name__", ""))
def test_convert_with_the_cuda_backend(fn, args):
    got = autograph.convert(fn, backend="cuda")(*args)
    want = fn(*args)
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w, fn.__name__)
    else:
        assert_same(got, want, fn.__name__)
