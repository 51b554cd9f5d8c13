"""Differential tests of the second batch of issue 18's rearranging and index functions
(staging/numpy_split.py, numpy_grids.py, numpy_select.py): convert(f)(*a) against f(*a)
on `python` and `cpu`, comparing values, dtypes, the arguments after the call and
aliasing (splits, `rot90` and sparse grids are views, as NumPy's are).

One converted function covers many calls and the shapes are shared across dtypes, so the
CPU backend compiles few programs; then each keyword, empty and 0-d inputs, one 10^5
element case, and the errors NumPy raises (or ours, naming the function and the line).
"""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from backends import BACKENDS, check

ALL = [np.bool_, np.int32, np.int64, np.float32, np.float64]
INTS = [np.int32, np.int64]
MASK = np.array([True, False, False, True, False])


def _array(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) > 0.5
    return np.round(rng.uniform(-4, 4, shape)).astype(dtype)


def cutting(x):  # x: (4, 6)
    return (np.split(x, 2), np.split(x, [1, 3], axis=1), np.array_split(x, 4, axis=1),
            np.array_split(x, [2, 5], axis=1), np.hsplit(x, 3), np.vsplit(x, [1]),
            np.rot90(x), np.rot90(x, 2), np.rot90(x, -1), np.rot90(x, 4),
            np.rot90(x, 1, (1, 0)), np.append(x, x, axis=1), np.append(x, x[0]),
            np.insert(x, 1, x[0, 0], axis=1), np.insert(x, [0, 2, 2], x[1, :1]),
            np.insert(x, -1, x[:1], axis=0), np.insert(x, slice(0, 4, 2), x[2, 3], axis=1),
            np.delete(x, 1, axis=1), np.delete(x, [0, -1]), np.delete(x, slice(1, 3), 0),
            np.delete(x, []), np.resize(x, (3, 9)), np.resize(x, 5))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ALL)
def test_cutting_and_splicing(backend, dtype):
    check(cutting, _array(dtype, (4, 6)), backend=backend)


def vectors(v, x3):  # v: (5,), x3: (2, 2, 4)
    return (np.hsplit(v, 5), np.array_split(v, 3), np.split(v, [2, 2, 9]),
            np.append(v, v[0]), np.insert(v, [0, 5], v[:2]), np.insert(v, 2, v[1:3]),
            np.delete(v, MASK), np.delete(v, -2), np.resize(v, (2, 4)),
            np.dsplit(x3, 2), np.dsplit(x3, [1]), np.rot90(x3, 1, (1, 2)),
            np.rot90(x3, 3, (2, 0)))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ALL)
def test_vectors_and_three_dimensions(backend, dtype):
    check(vectors, _array(dtype, (5,)), _array(dtype, (2, 2, 4), 1), backend=backend)


def grids(v, w):  # v: (5,), w: (3,)
    return (np.meshgrid(v, w), np.meshgrid(v, w, indexing="ij"),
            np.meshgrid(v, w, sparse=True), np.meshgrid(v, w, copy=False),
            np.meshgrid(v), np.meshgrid(v, w, v[:2]), np.meshgrid(),
            np.ix_(v, w), np.ix_(w, [0, 1], v), np.indices((2, 3)),
            np.indices((2, 3), sparse=True))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32, np.float64])
def test_grids(backend, dtype):
    check(grids, _array(dtype, (5,)), _array(dtype, (3,), 2), backend=backend)


def choosing(x, y):  # x: (3, 4), y: (4,)
    return (np.isin(x, y), np.isin(x, [1, 2], invert=True), np.isin(x, y, kind="sort"),
            np.isin(x, np.zeros(0)), np.isin(x[0, 0], y, assume_unique=True),
            np.select([x > 1, x < 0], [x, y], 2), np.select([x > 0], [x]),
            np.select([y > 0, y < 1], [1.5, y]),
            np.piecewise(x, [x < 1, x > 2], [1, 5]), np.piecewise(x, [x > 0], [2, 3]),
            np.piecewise(y, y > 0, [7]))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32, np.float64])
def test_choosing(backend, dtype):
    check(choosing, _array(dtype, (3, 4)), _array(dtype, (4,), 3), backend=backend)


def positions(i, j):  # i, j: int (6,) in [0, 6)
    return (np.ravel_multi_index((i % 2, j % 3), (2, 3)),
            np.ravel_multi_index((i, j), (2, 3), mode="wrap"),
            np.ravel_multi_index((i, j), (2, 3), mode=("clip", "wrap"), order="F"),
            np.ravel_multi_index((i[0] % 2, 1), (2, 3)),
            np.unravel_index(j, (2, 3)), np.unravel_index(j, (3, 2), order="F"),
            np.unravel_index(j[2], (6,)))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", INTS)
def test_index_conversions(backend, dtype):
    j = np.array([0, 5, 3, 1, 2, 4], dtype)
    check(positions, np.array([3, 1, 4, 1, 5, 0], dtype), j, backend=backend)


def integers(i, j):
    return (np.gcd(i, j), np.lcm(i, j), np.gcd(i, 12), np.lcm(i, 4), np.gcd(i[:, None], j),
            np.gcd(np.int8(12), np.int16(18)), np.gcd(i, 0), np.lcm(i, 0))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", INTS)
def test_gcd_lcm(backend, dtype):
    i = np.array([0, 12, -18, 7, 1, -1], dtype)
    check(integers, i, np.array([0, 8, 12, -21, 13, 5], dtype), backend=backend)


def iterating(x):
    total = 0.0
    for e in x.flat:
        total = total + e * 2
    product = 1.0
    for e in np.nditer(x):
        product = product * (e + 5)
    with np.nditer(x, op_flags=["readonly"], order="C") as it:
        for e in it:
            total = total - e
    return total, product, x.flat[3], x.flat[-1], x.flat[1:4], x.flat[[0, 2]], len(x.flat)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.int64, np.float64])
def test_flat_and_nditer(backend, dtype):
    check(iterating, _array(dtype, (2, 3)), backend=backend)


def edges(e, s):  # e: (0,), s: 0-d
    return (np.split(e, 2), np.array_split(e, 3), np.append(e, s), np.insert(e, 0, s),
            np.resize(e, 3), np.resize(s, (2, 2)), np.meshgrid(e, e), np.isin(s, e),
            np.isin(e, [1]), np.unravel_index(np.int64(5), (2, 3)), np.gcd(s, 4))


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_and_zero_d(backend):
    check(edges, np.zeros(0, np.int64), np.int64(6), backend=backend)


def test_realistic_size():
    x = np.random.default_rng(0).integers(-10**6, 10**6, 100_000)
    tests = np.arange(-50, 50) * 3
    f = lambda x, t: (np.isin(x, t), np.gcd(x, 360), np.rot90(x.reshape(250, 400)).copy())
    for got, want in zip(autograph.convert(f)(x, tests), f(x, tests)):
        np.testing.assert_array_equal(got, want)


# ---- errors: NumPy's, or ours naming the function, the keyword and the user's line --------

X = np.arange(24.0).reshape(4, 6)


@pytest.mark.parametrize("fn, error, match", [
    (lambda x: np.split(x, 5), ValueError, "equal division"),
    (lambda x: np.hsplit(x[0, 0], 2), ValueError, "hsplit only works"),
    (lambda x: np.vsplit(x[0], 2), ValueError, "vsplit only works"),
    (lambda x: np.dsplit(x, 2), ValueError, "dsplit only works"),
    (lambda x: np.array_split(x, 0), ValueError, "larger than 0"),
    (lambda x: np.rot90(x, 1, (0, 0)), ValueError, "Axes must be different"),
    (lambda x: np.rot90(x, 1, (0, 3)), ValueError, "out of range"),
    (lambda x: np.delete(x, 9, axis=0), IndexError, "out of bounds"),
    (lambda x: np.delete(x, np.ones(3, bool), axis=0), ValueError, "boolean array"),
    (lambda x: np.insert(x, 7, 0.0, axis=0), IndexError, "out of bounds"),
    (lambda x: np.insert(x, 1, x[:2, :2], axis=0), ValueError, "could not broadcast"),
    (lambda x: np.resize(x, (-1, 2)), ValueError, "non-negative"),
    (lambda x: np.meshgrid(x, indexing="xz"), ValueError, "indexing"),
    (lambda x: np.isin(x, x, kind="hash"), ValueError, "Invalid kind"),
    (lambda x: np.select([x > 0], [x, x]), ValueError, "same length"),
    (lambda x: np.select([], []), ValueError, "empty condition list"),
    (lambda x: np.select([x], [x]), TypeError, "should be boolean"),
    (lambda x: np.piecewise(x, [x > 0, x > 1], [1]), ValueError, "functions are expected"),
    (lambda x: np.ravel_multi_index((x, x), (2, 3)), TypeError, "only int indices"),
    (lambda x: np.gcd(x, x), TypeError, "gcd"),
    (lambda x: np.ix_(x), ValueError, "Cross index must be 1 dimensional"),
])
def test_errors_match_numpy(fn, error, match):
    with pytest.raises(error, match=match):
        fn(X)
    with pytest.raises(error, match=match):
        autograph.convert(fn, backend="python")(X)


@pytest.mark.parametrize("fn, match", [
    (lambda x: np.piecewise(x, [x > 0], [np.sin]), r"np.piecewise with a function"),
    (lambda x: [e for e in np.nditer(x, op_flags=["readwrite"])], r"np.nditer\(\.\.\., op_flags"),
    (lambda x: np.nditer(x, flags=["multi_index"]), r"np.nditer\(\.\.\., flags"),
    (lambda x: np.insert(x, x > 0, 1.0), r"np.insert with a boolean obj"),
    (lambda x: np.ix_(x[0] > 0), r"np.ix_ of a traced boolean array"),
])
def test_refusals_name_the_function_keyword_and_line(fn, match):
    with pytest.raises(AutographError, match=match) as info:
        autograph.convert(fn, backend="python")(X)
    assert "test_numpy_breadth_rearrange2.py" in str(info.value)


def write_flat(x):
    x.flat[0] = 1.0  # the line the error names
    return x


def test_writing_through_flat_is_refused():
    with pytest.raises(AutographError, match="writing through x.flat") as info:
        autograph.convert(write_flat, backend="python")(X.copy())
    assert "x.flat[0] = 1.0" in str(info.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_out_of_bounds_indices_raise_when_the_program_runs(backend):
    ravel = autograph.convert(lambda i: np.ravel_multi_index((i, i), (2, 3)), backend=backend)
    unravel = autograph.convert(lambda i: np.unravel_index(i, (2, 3)), backend=backend)
    good = np.array([0, 1])
    np.testing.assert_array_equal(ravel(good), [0, 4])
    with pytest.raises(ValueError, match="invalid entry in coordinates array"):
        ravel(np.array([0, 2]))
    with pytest.raises(ValueError, match="out of bounds for array with size 6"):
        unravel(np.array([6, 0]))
