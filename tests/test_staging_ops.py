"""Differential tests of the NumPy API on tensors: convert(f)(*a) against f(*a).

One test per op family; each converted function computes many ops at once, so a compiled
backend builds few programs. Dtypes: f32, f64, i32, i64, bool where the op accepts them;
shapes: 0-d, empty and multi-dimensional.
"""

from __future__ import annotations

import numpy as np
import pytest

from backends import WITH_PLAIN, check

# Every differential test here also runs unoptimised: "cpu-plain" is optimize=False.
BACKENDS = WITH_PLAIN

FLOATS = [np.float32, np.float64]
NUMBERS = [np.float32, np.float64, np.int32, np.int64]


def _array(dtype, shape=(2, 3), seed=0, positive=False):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) > 0.5
    values = rng.uniform(0.5 if positive else -4, 4, shape)
    if np.dtype(dtype).kind in "iu":
        values = np.where(values == 0, 1, np.round(values))
    return values.astype(dtype)


def arithmetic(x, y):
    return (x + y, x - y, x * y, x / y, x // y, x % y, x ** 2, -x, +x, abs(x),
            x < y, x <= y, x > y, x >= y, x == y, x != y, divmod(x, y))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS)
def test_arithmetic_operators(backend, dtype):
    x = _array(dtype, seed=1)
    y = _array(dtype, seed=2)
    y = np.where(y == 0, 1, y).astype(dtype)
    check(arithmetic, x, y, backend=backend)


def bitwise(x, y):
    return x & y, x | y, x ^ y, ~x


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.bool_, np.int32])
def test_bitwise_operators(backend, dtype):
    check(bitwise, _array(dtype, seed=3), _array(dtype, seed=4), backend=backend)


def weak_scalars(x):
    # NEP 50: Python scalars adapt to the array's dtype; NumPy scalars and arrays do not.
    return (x * 2.5, 2.5 * x, 3 - x, 1 / (x + 10), x + 1, x * True, x + np.float64(1.5),
            x ** 2.0, x > 0.5, x + np.int32(2))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS)
def test_weak_python_scalars_keep_the_array_dtype(backend, dtype):
    check(weak_scalars, _array(dtype, (4,), seed=5), backend=backend)


def scalar_args(x, s, n, m):
    return x * s, x + n, x * m, s * n, n + 1, n / 2, n // 2, s > 1.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_scalar_arguments_weak_and_numpy(backend):
    x = _array(np.float32, (3,), seed=6)
    # s: a Python float (weak), n: a Python int (weak), m: a NumPy scalar (strong)
    check(scalar_args, x, 1.5, 3, np.float64(2.0), backend=backend)
    check(scalar_args, x, 0.5, -2, np.float32(3.0), backend=backend)


def unary_math(x, p, u):
    return (np.exp(x), np.expm1(x), np.log(p), np.log1p(p), np.log2(p), np.log10(p),
            np.sqrt(p), np.sin(x), np.cos(x), np.tan(u), np.arcsin(u), np.arccos(u),
            np.tanh(x), np.arctan(x), np.sinh(x), np.cosh(x), np.floor(x), np.ceil(x),
            np.trunc(x), np.rint(x), np.sign(x), np.square(x), np.abs(x), np.negative(x))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_unary_math(backend, dtype):
    x = _array(dtype, (2, 4), seed=7)
    p = _array(dtype, (2, 4), seed=8, positive=True)
    u = (np.linspace(-0.9, 0.9, 8).reshape(2, 4)).astype(dtype)
    check(unary_math, x, p, u, backend=backend)


def binary_math(x, y, special):
    return (np.arctan2(x, y), np.power(np.abs(x), y), np.maximum(x, y), np.minimum(x, y),
            np.clip(x, -1, 1), np.clip(x, -1.5, None), np.where(x > y, x, y),
            np.where(x > 0, x, 0.0), np.isnan(special), np.isinf(special),
            np.isfinite(special), np.maximum(special, 0))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_math_and_predicates(backend, dtype):
    x = _array(dtype, (3, 2), seed=9)
    y = _array(dtype, (3, 2), seed=10)
    special = np.array([np.nan, np.inf, -np.inf, 0.0, 1.5, -2.0], dtype)
    check(binary_math, x, y, special, backend=backend)


def int_math(x, y):
    return (np.maximum(x, y), np.minimum(x, y), np.clip(x, -1, 2), np.where(x > y, x, y),
            np.abs(x), np.sign(x), np.square(x), np.power(x, 2), np.isnan(x), x * 1.5)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_integer_math(backend, dtype):
    check(int_math, _array(dtype, (5,), seed=11), _array(dtype, (5,), seed=12),
          backend=backend)


def reductions(x):
    return (np.sum(x), x.sum(axis=0), np.sum(x, axis=(0, 1)), x.sum(axis=-1, keepdims=True),
            np.mean(x), x.mean(axis=1), np.max(x), x.max(axis=0), np.min(x, axis=1),
            x.min(keepdims=True), np.prod(x, axis=0), np.argmax(x), x.argmax(axis=1),
            np.argmin(x, axis=0), np.any(x > 0), x.any(axis=0), np.all(x > -10),
            (x > 0).all(axis=1), np.add.reduce(x), np.amax(x, axis=1))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS)
def test_reductions(backend, dtype):
    check(reductions, _array(dtype, (3, 4), seed=13), backend=backend)


def bool_reductions(m):
    return np.sum(m), m.sum(axis=0), np.any(m), np.all(m, axis=1), np.argmax(m), m.mean()


@pytest.mark.parametrize("backend", BACKENDS)
def test_bool_reductions(backend):
    check(bool_reductions, _array(np.bool_, (3, 4), seed=14), backend=backend)


def linalg(a, b, v):
    return a @ b, np.matmul(a, b), np.dot(a, b), a @ v, np.dot(v, v), b.T @ v, a.dot(b)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS)
def test_matmul_and_dot(backend, dtype):
    a = _array(dtype, (3, 4), seed=15)
    b = _array(dtype, (4, 2), seed=16)
    v = _array(dtype, (4,), seed=17)
    check(linalg, a, b, v, backend=backend)


def shapes(x, y):
    return (x.reshape(-1), np.reshape(x, (3, 2)), x.reshape(6, 1), x.T, np.transpose(x),
            x.transpose(1, 0), np.expand_dims(x, 0), x[None].squeeze(), np.squeeze(x[:, :1]),
            np.concatenate([x, y]), np.concatenate((x, y), axis=1), np.stack([x, y]),
            np.stack([x, y], axis=-1), np.broadcast_to(x[:1], (4, 3)), x.ravel(),
            x.flatten(), np.swapaxes(x, 0, 1), np.hstack([x, y]), np.vstack([x, y]),
            np.concatenate([x, y], axis=None))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_])
def test_shape_functions(backend, dtype):
    check(shapes, _array(dtype, (2, 3), seed=18), _array(dtype, (2, 3), seed=19),
          backend=backend)


def creation(x):
    return (np.zeros_like(x), np.ones_like(x), np.full_like(x, 7), np.full_like(x, 2.5),
            np.zeros_like(x, dtype=np.int32), np.ones_like(x, shape=(2,)),
            np.full_like(x, x[0, 0]), x.astype(np.float64), x.astype(np.int32),
            np.astype(x, np.bool_), x.copy(), np.copy(x), np.zeros(3) + x[0, 0],
            np.arange(3) * x[0, 0], np.eye(3) * x[0, 0], np.round(x, 1), np.round(x))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_creation_and_astype(backend, dtype):
    check(creation, _array(dtype, (2, 3), seed=20), backend=backend)


def empty_like_shape(x):
    return np.empty_like(x).shape, np.empty_like(x, dtype=np.int8).dtype


def test_empty_like_has_the_shape_and_dtype():
    check(empty_like_shape, np.ones((2, 3), np.float32))


def zero_d(x, y):
    return x + y, x * 2, np.sqrt(np.abs(x)), x > y, np.maximum(x, y), x.sum(), -y


@pytest.mark.parametrize("backend", BACKENDS)
def test_zero_dimensional_arrays(backend):
    check(zero_d, np.array(2.0, np.float32), np.array(-3.0, np.float32), backend=backend)
    check(zero_d, np.float64(1.5), np.float64(-0.5), backend=backend)


def empty_arrays(x, m):
    return x + 1, np.sum(x), x.sum(axis=0), np.mean(m, axis=1), x * 2.0, np.any(x > 0), m.T


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_arrays(backend):
    with np.errstate(invalid="ignore"):
        check(empty_arrays, np.zeros((0,), np.float32), np.zeros((2, 0)), backend=backend)


def var_std(x):
    return np.var(x), np.std(x, axis=0), np.var(x, axis=1, ddof=1), np.outer(x[0], x[1])


def test_variance_and_outer():
    check(var_std, _array(np.float64, (3, 4), seed=21))
    check(var_std, _array(np.int64, (3, 4), seed=22))
