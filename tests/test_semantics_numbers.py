"""Issue 16, numbers: the optimiser's algebra is exact for IEEE floats (signed zeros, NaN,
infinities) and wrapping integers; `int()` of NaN or infinity raises as in Python; a
Python int too big for a small-integer array raises OverflowError as NumPy 2 does (NEP 50).

Every rule of passes/simplify.py is run on -0.0, +0.0, NaN, ±inf and ordinary values and
compared with NumPy bit for bit (the sign of a zero included), on every backend.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.passes import simplify
from backends import WITH_PLAIN, convert

SPECIALS = np.array([-0.0, 0.0, np.nan, np.inf, -np.inf, 1.5, -2.25])
COMPLEX_SPECIALS = np.array([complex(-0.0, -0.0), complex(0.0, -0.0), complex(1.0, np.inf),
                             complex(np.nan, 1.0), complex(-np.inf, -0.0), 1.5 - 2j])


def assert_bits(got, want):
    """Same dtype and shape, equal values with NaN equal to NaN, and the same sign bits."""
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    parts = (np.real, np.imag) if want.dtype.kind == "c" else (lambda a: a,)
    for part in parts:
        np.testing.assert_array_equal(np.signbit(part(got)), np.signbit(part(want)))


FLOAT_EXPRESSIONS = {
    "x*1": lambda x: x * 1,
    "1*x": lambda x: 1 * x,
    "x*1.0": lambda x: x * 1.0,
    "x+0": lambda x: x + 0,
    "0+x": lambda x: 0 + x,
    "x+0.0": lambda x: x + 0.0,
    "x+(-0.0)": lambda x: x + (-0.0),
    "(-0.0)+x": lambda x: -0.0 + x,
    "x-0": lambda x: x - 0,
    "x-0.0": lambda x: x - 0.0,
    "x-(-0.0)": lambda x: x - (-0.0),
    "0-x": lambda x: 0 - x,
    "x/1": lambda x: x / 1,
    "--x": lambda x: -(-x),
    "+x": lambda x: +x,
    "x**1": lambda x: x ** 1,
    "x**2": lambda x: x ** 2,
    "x*0": lambda x: x * 0,
    "x-x": lambda x: x - x,
    "1/(x+0.0)": lambda x: 1 / (x + 0.0),
    "1/(x-0.0)": lambda x: 1 / (x - 0.0),
    "astype": lambda x: x.astype(x.dtype),
    "x*np.ones": lambda x: x * np.ones(x.shape[0]),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("backend", WITH_PLAIN)
@pytest.mark.parametrize("name", sorted(FLOAT_EXPRESSIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float_algebra_is_exact(name, dtype, backend):
    fn = FLOAT_EXPRESSIONS[name]
    x = SPECIALS.astype(dtype)
    with np.errstate(all="ignore"):
        want = fn(x.copy())
    assert_bits(convert(fn, backend)(x.copy()), want)


COMPLEX_EXPRESSIONS = {
    "x*1": lambda x: x * 1,
    "x+0": lambda x: x + 0,
    "x+(-0.0)": lambda x: x + (-0.0),
    "x-0": lambda x: x - 0,
    "x/1": lambda x: x / 1,
    "x**1": lambda x: x ** 1,
    "--x": lambda x: -(-x),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("backend", ["python"])
@pytest.mark.parametrize("name", sorted(COMPLEX_EXPRESSIONS))
def test_complex_algebra_is_exact(name, backend):
    fn = COMPLEX_EXPRESSIONS[name]
    with np.errstate(all="ignore"):
        want = fn(COMPLEX_SPECIALS.copy())
    assert_bits(convert(fn, backend)(COMPLEX_SPECIALS.copy()), want)


INT_EXPRESSIONS = {
    "x*1": lambda x: x * 1,
    "x+0": lambda x: x + 0,
    "x-0": lambda x: x - 0,
    "--x": lambda x: -(-x),
    "x**1": lambda x: x ** 1,
    "x**2": lambda x: x ** 2,
}


@pytest.mark.parametrize("backend", WITH_PLAIN)
@pytest.mark.parametrize("name", sorted(INT_EXPRESSIONS))
@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8])
def test_integer_algebra_wraps_like_numpy(name, dtype, backend):
    fn = INT_EXPRESSIONS[name]
    info = np.iinfo(dtype)
    x = np.array([info.min, info.max, 0, 1, 100 % info.max], dtype=dtype)
    with np.errstate(all="ignore"):
        want = fn(x.copy())
    assert_bits(convert(fn, backend)(x.copy()), want)


def test_every_rule_of_the_table_is_exercised_above():
    """A new rule must come with a line in the tables above."""
    algebras = {algebra for _, algebra, _ in simplify.RULES}
    assert algebras >= {"x*1 -> x", "x+0 -> x", "x-0 -> x", "x/1 -> x", "--x -> x", "+x -> x",
                        "x**1 -> x", "x**2 -> x*x"}


def _signed_zero_constants(x):
    return x * 0.0, x * -0.0


def _signed_zero_branches(x):
    if x.sum() > 0:
        z = 0.0
    else:
        z = -0.0
    return 1.0 / (x * 0 + z)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_minus_zero_constants_are_not_merged_with_zero(backend):
    x = np.array([1.0, 2.0])
    for fn, arg in ((_signed_zero_constants, x), (_signed_zero_branches, x),
                    (_signed_zero_branches, -x)):
        with np.errstate(all="ignore"):
            want = fn(arg.copy())
        got = convert(fn, backend)(arg.copy())
        for g, w in zip(got if isinstance(want, tuple) else (got,),
                        want if isinstance(want, tuple) else (want,)):
            assert_bits(g, w)


# ---- int() of a float that has no integer value -----------------------------------------


def _to_int(x):
    return int(x.sum())


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_int_of_nan_and_infinity_raises_like_python(backend):
    f = convert(_to_int, backend)
    assert f(np.array([2.75])) == 2 and type(f(np.array([2.75]))) is int
    assert f(np.array([-2.75])) == -2
    with pytest.raises(ValueError, match="cannot convert float NaN to integer"):
        f(np.array([np.nan]))
    with pytest.raises(OverflowError, match="cannot convert float infinity to integer"):
        f(np.array([np.inf]))
    with pytest.raises(OverflowError):
        f(np.array([-np.inf]))


def _index_in_loop(x, v):
    total = 0
    for i in range(x.shape[0]):
        total += int(x[i] * v)
    return total


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_int_check_inside_a_staged_loop(backend):
    f = convert(_index_in_loop, backend)
    assert f(np.array([1.5, 2.5]), 2.0) == _index_in_loop(np.array([1.5, 2.5]), 2.0)
    with pytest.raises(ValueError):
        f(np.array([1.5, np.nan]), 2.0)


# ---- NEP 50: Python ints that do not fit a small integer dtype --------------------------


OVERFLOWING = {
    "int8+300": (lambda x: x + 300, np.int8),
    "300+int8": (lambda x: 300 + x, np.int8),
    "int8*-200": (lambda x: x * -200, np.int8),
    "uint8-(-1)": (lambda x: x - (-1), np.uint8),
    "int16&70000": (lambda x: x & 70000, np.int16),
    "maximum(int8,128)": (lambda x: np.maximum(x, 128), np.int8),
    "int8+=300": (lambda x: _iadd(x, 300), np.int8),
}


def _iadd(x, k):
    y = x.copy()
    y += k
    return y


@pytest.mark.parametrize("backend", WITH_PLAIN)
@pytest.mark.parametrize("name", sorted(OVERFLOWING))
def test_out_of_range_python_int_raises_overflow_error(name, backend):
    fn, dtype = OVERFLOWING[name]
    x = np.array([1, 2], dtype=dtype)
    with pytest.raises(OverflowError) as want:
        fn(x.copy())
    with pytest.raises(OverflowError) as got:
        convert(fn, backend)(x.copy())
    assert str(got.value) == str(want.value)


IN_RANGE = {
    "int8+100": (lambda x: x + 100, np.int8),
    "int8*-128": (lambda x: x * -128, np.int8),
    "uint8+255": (lambda x: x + 255, np.uint8),
    "int8+300.0": (lambda x: x + 300.0, np.int8),       # a float: promotes, no error
    "int8<300": (lambda x: x < 300, np.int8),           # comparisons compare true values
    "int8==300": (lambda x: x == 300, np.int8),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("backend", ["python", "cpu"])
@pytest.mark.parametrize("name", sorted(IN_RANGE))
def test_python_ints_that_fit_or_promote_do_not_raise(name, backend):
    fn, dtype = IN_RANGE[name]
    x = np.array([1, 2, 100], dtype=dtype)
    with np.errstate(all="ignore"):
        want = fn(x.copy())
    assert_bits(autograph.convert(fn, backend=backend)(x.copy()), want)
