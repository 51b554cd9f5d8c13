"""The seed examples, converted and compared with plain NumPy: fancy_func, an MLP, Collatz,
Newton's square root, an RNN, a Mandelbrot set with per-pixel loops."""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.ir import Op
from backends import BACKENDS, check


def fancy_func(a, b, c, d):
    e = a * b
    f = c * d
    g = e + f
    return g


@pytest.mark.parametrize("backend", BACKENDS)
def test_fancy_func(backend):
    ones = np.ones(10, np.float32)
    check(fancy_func, ones, ones * 2, ones * 3, ones * 4, backend=backend)


class MLP:
    def __init__(self, sizes=(512, 256, 128, 2), seed=0):
        rng = np.random.default_rng(seed)
        self.layers = [(rng.standard_normal((m, n)).astype(np.float32) / np.sqrt(m),
                        rng.standard_normal(n).astype(np.float32) * 0.1)
                       for m, n in zip(sizes[:-1], sizes[1:])]

    def __call__(self, x):
        for i, (w, b) in enumerate(self.layers):
            x = x @ w + b
            if i < len(self.layers) - 1:
                x = np.maximum(x, 0)
        return x


@pytest.mark.parametrize("backend", BACKENDS)
def test_mlp(backend):
    model = MLP()
    x = np.random.default_rng(1).standard_normal((4, 512)).astype(np.float32)
    converted = check(model.__call__, x, backend=backend)
    graph = converted.lower(x).graph
    assert sum(node.op is Op.MATMUL for node in graph.walk()) == 3
    model.layers[0][0][:] *= 0.5  # weights updated in place: the next call sees them
    np.testing.assert_allclose(converted(x), model(x), rtol=1e-5, atol=1e-5)


def collatz_steps(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


@pytest.mark.parametrize("backend", BACKENDS)
def test_collatz(backend):
    converted = autograph.convert(collatz_steps, backend=backend)
    for n in (1, 6, 27, 837799):
        assert converted(n) == collatz_steps(n)
        assert type(converted(n)) is int
    assert "1 trace" in converted.explain()  # n is a weak int: one trace for every n
    check(collatz_steps, np.int64(97), backend=backend)


def newton_sqrt(x):
    y = np.where(x > 1, x / 2, 1.0)
    while np.max(np.abs(y * y - x)) > 1e-10 * np.max(x):
        y = 0.5 * (y + x / y)
    return y


@pytest.mark.parametrize("backend", BACKENDS)
def test_newton_sqrt(backend):
    check(newton_sqrt, np.array([2.0, 9.0, 0.25, 1e6]), backend=backend)


def rnn(xs, h, wx, wh, b):
    for x in xs:
        h = np.tanh(x @ wx + h @ wh + b)
    return h


@pytest.mark.parametrize("backend", BACKENDS)
def test_rnn(backend):
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((5, 2, 3)).astype(np.float32)
    h = np.zeros((2, 4), np.float32)
    wx = rng.standard_normal((3, 4)).astype(np.float32) * 0.5
    wh = rng.standard_normal((4, 4)).astype(np.float32) * 0.5
    b = np.zeros(4, np.float32)
    converted = check(rnn, xs, h, wx, wh, b, backend=backend)
    assert Op.FOR in [node.op for node in converted.lower(xs, h, wx, wh, b).graph.walk()]


def mandelbrot(c_re, c_im, max_iter):
    h, w = c_re.shape
    out = np.zeros((h, w), dtype=np.int64)
    for i in range(h):
        for j in range(w):
            zr = 0.0
            zi = 0.0
            k = 0
            while k < max_iter and zr * zr + zi * zi < 4.0:
                zr, zi = zr * zr - zi * zi + c_re[i, j], 2.0 * zr * zi + c_im[i, j]
                k += 1
            out[i, j] = k
    return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_mandelbrot(backend):
    re, im = np.meshgrid(np.linspace(-2.0, 0.5, 7), np.linspace(-1.1, 1.1, 5))
    converted = check(mandelbrot, re, im, 30, backend=backend)
    ops = [node.op for node in converted.lower(re, im, 30).graph.walk()]
    assert ops.count(Op.FOR) == 2 and ops.count(Op.WHILE) == 1  # staged, not unrolled
