"""Differential tests of the composites of issue 18 (staging/numpy_math.py,
numpy_rearrange.py, numpy_linalg.py): convert(f)(*a) against f(*a) on `python` and `cpu`.

Many functions share one converted function, and the shapes are reused across dtypes, so
the CPU backend compiles few programs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from backends import BACKENDS, check

ALL = [np.bool_, np.int32, np.int64, np.float32, np.float64]
NUMBERS = [np.int32, np.int64, np.float32, np.float64]
FLOATS = [np.float32, np.float64]
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _array(dtype, shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) > 0.5
    values = rng.uniform(-4, 4, shape)
    if np.dtype(dtype).kind in "iu":
        values = np.round(values)
    return values.astype(dtype)


def rearrange(x):
    return (np.roll(x, 1), np.roll(x, -2, axis=1), np.roll(x, (1, 2), axis=(0, 1)),
            np.flip(x), np.flip(x, 0), np.fliplr(x), np.flipud(x),
            np.tile(x, 2), np.tile(x, (2, 1)), np.tile(x, (2, 1, 1)),
            np.repeat(x, 2), np.repeat(x, [1, 0, 2], axis=0), np.repeat(x, 2, axis=-1),
            np.atleast_1d(x), np.atleast_2d(x), np.atleast_3d(x),
            np.column_stack([x, x]), np.dstack([x, x]), np.moveaxis(x, 0, -1),
            np.diagonal(x), np.diagonal(x, 1), np.diagonal(x, -1), np.diag(x), np.diag(x, 2),
            np.triu(x), np.tril(x), np.triu(x, 1), np.tril(x, -1),
            x.diagonal(), x.repeat(2, axis=0))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ALL)
def test_rearranging(backend, dtype):
    check(rearrange, _array(dtype), backend=backend)


def vectors(v):
    return (np.roll(v, 2), np.flip(v), np.tile(v, 2), np.repeat(v, 3), np.diag(v),
            np.diag(v, -1), np.atleast_2d(v), np.atleast_3d(v), np.column_stack((v, v)),
            np.dstack((v, v)), np.diff(v), np.diff(v, 2), np.diff(v, prepend=0, append=9))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS)
@pytest.mark.parametrize("n", [0, 1, 5])
def test_vectors_empty_and_not(backend, dtype, n):
    if n == 0:
        f = lambda v: (np.roll(v, 2), np.flip(v), np.tile(v, 2), np.repeat(v, 3),
                       np.diag(v), np.atleast_2d(v))
        check(f, np.zeros(0, dtype), backend=backend)
        return
    check(vectors, _array(dtype, (n,)), backend=backend)


def zero_d(s):
    return (np.atleast_1d(s), np.atleast_2d(s), np.atleast_3d(s), np.flip(s), np.tile(s, 3),
            np.repeat(s, 2), np.exp2(s), np.fix(s), np.nan_to_num(s), np.sinc(s),
            np.deg2rad(s), np.cumsum(s), np.isclose(s, 1.0))


@pytest.mark.parametrize("backend", BACKENDS)
def test_zero_d(backend):
    check(zero_d, np.float64(2.5), backend=backend)


def differences(x):
    return (np.diff(x), np.diff(x, axis=0), np.diff(x, n=2), np.diff(x, n=0),
            np.diff(x, prepend=x[:, :1]), np.diff(x, append=np.zeros((3, 1), x.dtype)),
            np.diff(x, axis=0, prepend=1))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ALL)
def test_diff(backend, dtype):
    check(differences, _array(dtype, seed=1), backend=backend)


def ufuncs(x, y):
    return (np.exp2(x), np.deg2rad(x), np.rad2deg(x), np.degrees(x), np.radians(x),
            np.logaddexp(x, y), np.logaddexp2(x, y), np.fmax(x, y), np.fmin(x, y),
            np.copysign(x, y), np.signbit(x), np.heaviside(x, y), np.heaviside(x, 0.5),
            np.sinc(x), np.fix(x), np.around(x), np.round(x, 1), x.round(2))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS)
def test_composite_ufuncs(backend, dtype):
    x, y = _array(dtype, seed=2), _array(dtype, seed=3)
    if np.dtype(dtype).kind == "f":
        x[0, 0], y[0, 1], x[1, 1], y[1, 1] = np.nan, np.nan, 0.0, -0.0
        x[2, 2] = y[2, 2] = np.inf
        x[2, 3], y[2, 3] = -np.inf, -np.inf
        y[1, 2] = x[1, 2]
    check(ufuncs, x, y, backend=backend)


def cleaning(x, y):
    return (np.nan_to_num(x), np.nan_to_num(x, nan=-1.0, posinf=7.0, neginf=-7.0),
            np.isclose(x, y), np.isclose(x, y, rtol=0.5, atol=1.0, equal_nan=True),
            np.allclose(x, x), np.allclose(x, y, equal_nan=True), np.array_equal(x, x),
            np.array_equal(x, y), np.array_equal(x, x[:1]), np.array_equal(x, x, equal_nan=True))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ALL)
def test_nan_to_num_and_closeness(backend, dtype):
    x, y = _array(dtype, seed=4), _array(dtype, seed=5)
    if np.dtype(dtype).kind == "f":
        x[0, :3] = [np.nan, np.inf, -np.inf]
        y[0, 0] = np.nan
    check(cleaning, x, y, backend=backend)


def statistics(x, w):
    return (np.average(x), np.average(x, axis=0), np.average(x, axis=1, weights=w[0]),
            np.average(x, weights=w), np.average(x, axis=0, weights=w, returned=True),
            np.average(x, axis=1, keepdims=True), np.ptp(x), np.ptp(x, axis=0),
            np.ptp(x, axis=1, keepdims=True), np.count_nonzero(x),
            np.count_nonzero(x, axis=0), np.count_nonzero(x, axis=1, keepdims=True),
            np.std(x), np.var(x, axis=0, ddof=1), x.std(axis=1, keepdims=True), x.var(ddof=1),
            np.trace(x), np.trace(x, 1), x.trace(-1), np.trace(x, dtype=np.float64))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS)
def test_statistics(backend, dtype):
    x = _array(dtype, seed=6)
    w = np.abs(_array(dtype, seed=7)) + 1
    check(statistics, x, w, backend=backend)


def norms(x, v):
    return (np.linalg.norm(x), np.linalg.norm(x, "fro"), np.linalg.norm(x, 1),
            np.linalg.norm(x, np.inf), np.linalg.norm(x, -np.inf), np.linalg.norm(x, -1),
            np.linalg.norm(x, axis=0), np.linalg.norm(x, 1, axis=1), np.linalg.norm(x, 3, 1),
            np.linalg.norm(x, keepdims=True), np.linalg.norm(x, 1, (1, 0), keepdims=True),
            np.linalg.norm(v), np.linalg.norm(v, 0), np.linalg.norm(v, np.inf),
            np.linalg.norm(v, -np.inf), np.linalg.norm(v, 1), np.linalg.norm(v, 2),
            np.linalg.norm(v, 0.5))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS)
def test_norm(backend, dtype):
    check(norms, _array(dtype, seed=8), _array(dtype, (5,), seed=9), backend=backend)


def scans(x):
    return (np.cumsum(x), np.cumsum(x, axis=0), np.cumsum(x, axis=-1), np.cumprod(x, 1),
            np.cumprod(x), x.cumsum(1), x.cumprod(axis=0), np.cumsum(x, dtype=np.float64),
            np.cumsum(x, 0, np.int32))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ALL)
def test_cumsum_cumprod(backend, dtype):
    x = _array(dtype, seed=10)
    if np.dtype(dtype).kind == "f":
        x = x / 4
    check(scans, x, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_cumsum_of_empty_and_3d(backend):
    check(lambda x: (np.cumsum(x, 1), np.cumprod(x), np.cumsum(x)), np.zeros((2, 0, 3)),
          backend=backend)
    check(lambda x: (np.cumsum(x, 2), np.cumprod(x, 1)), _array(np.float32, (2, 3, 2)),
          backend=backend)


def building(a, b):
    return (np.array([a, b]), np.array([[a, b], [b, a]]), np.asarray((a, 1.5)),
            np.array([a, b], dtype=np.float32), np.array([a, 2]), np.array(a, ndmin=2),
            np.asarray(a), np.linspace(a, b, 5), np.linspace(a, b, 4, endpoint=False),
            np.linspace(a, b, 1), np.linspace(a, b, 3, retstep=True),
            np.linspace(a, b, 6, dtype=np.int64), np.full((2, 3), a), np.full(3, b, np.int32),
            np.full_like(np.zeros((2, 2)), a))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", FLOATS + [np.int64])
def test_array_of_traced_values_linspace_full(backend, dtype):
    check(building, dtype(1.5), dtype(-3), backend=backend)


def arrays_of_arrays(x, y):
    return np.array([x, y]), np.array([[x[0], y[1]], [x[1], y[0]]]), np.asarray([x, x * 2])


@pytest.mark.parametrize("backend", BACKENDS)
def test_array_of_arrays(backend):
    check(arrays_of_arrays, _array(np.float32, (3,)), _array(np.float32, (3,), seed=1),
          backend=backend)


def scalar_math(x, y):
    s = x[0]
    t = y[1]
    return (math.sqrt(abs(s)), math.exp(s), math.log(abs(s)), math.log(abs(s), 2),
            math.sin(s), math.cos(s), math.floor(s), math.ceil(s), math.fabs(s),
            math.isnan(s), math.isinf(s), math.hypot(s, t), math.atan2(s, t), abs(s),
            min(s, t), max(s, t), round(s), round(s, 1), float(s), int(s))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_math_and_builtins_on_traced_scalars(backend, dtype):
    check(scalar_math, np.array([2.5, -1.25], dtype), np.array([0.5, 3.5], dtype),
          backend=backend)
