"""Python builtins with tensor arguments: their staged overloads keep the builtin's meaning."""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import StagingError
from backends import BACKENDS, check

X = np.array([3.0, -1.0, 2.5, 0.5], np.float32)
M = np.arange(6, dtype=np.int32).reshape(3, 2)


def builtins_on_tensors(x, m, n):
    total = 0.0
    for i in range(len(x)):
        total = total + x[i]
    return (len(x), len(m), abs(x), abs(x[1]), max(x[0], x[1]), min(x[0], x[1], x[2]),
            max(x), min(x), sum(x), sum(m), sum(m, 10), int(x[2]), float(m[1, 1]),
            bool(x[3]), int(n * 2.7), float(n), bool(n - 3), total)


@pytest.mark.parametrize("backend", BACKENDS)
def test_builtins(backend):
    check(builtins_on_tensors, X, M, 3, backend=backend)
    check(builtins_on_tensors, -X, M * 2, 5, backend=backend)


def staged_iteration(x, n):
    a = 0.0
    for i in range(1, n, 2):
        a = a + x[i] * i
    b = 0.0
    for i, v in enumerate(x, 1):
        b = b + v * i
    c = 0.0
    for v, w in zip(x, reversed(x)):
        c = c + v * w
    d = 0.0
    for i in reversed(range(n)):
        d = d * 2 + i
    return a, b, c, d, len(range(n))


@pytest.mark.parametrize("backend", BACKENDS)
def test_staged_range_enumerate_zip_reversed(backend):
    check(staged_iteration, X, 4, backend=backend)
    check(staged_iteration, X, 3, backend=backend)


def range_over_float(x):
    for i in range(x[0]):
        x = x + i
    return x


def max_of_arrays(x):
    return max(x, x * 2)


def test_builtin_errors():
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        autograph.convert(range_over_float, backend="python")(X)
    with pytest.raises(StagingError, match="ambiguous"):
        autograph.convert(max_of_arrays, backend="python")(X)
