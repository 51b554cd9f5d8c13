"""What a new user's first mistakes and guesses get (issue 19, item 7): NumPy's answer
where NumPy has one, else a message naming the real function."""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import StagingError

scipy_special = pytest.importorskip("scipy.special")


def _convert(fn):
    return autograph.convert(fn, backend="python")


def test_round_of_a_reduction_is_staged():
    f = _convert(lambda x: round(np.sum(x)))
    assert f(np.array([0.4, 1.0, 1.3])) == round(np.sum(np.array([0.4, 1.0, 1.3])))


@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("reduction", [np.sum, np.max, np.prod])
def test_a_0d_reduction_over_axis_0_or_minus_1_is_what_numpy_gives(reduction, axis):
    def f(x):
        return reduction(x, axis=axis)

    x = np.float64(2.5)
    assert _convert(f)(x) == reduction(x, axis=axis)


@pytest.mark.parametrize("axis", [1, (0,), (-1,)])
def test_other_0d_axes_are_an_axis_error_as_in_numpy(axis):
    def f(x):
        return np.sum(x, axis=axis)

    with pytest.raises(np.exceptions.AxisError):
        np.sum(np.float64(1.0), axis=axis)
    with pytest.raises(np.exceptions.AxisError):
        _convert(f)(np.float64(1.0))


def test_scipy_special_functions_are_named_by_their_module():
    def f(x):
        return scipy_special.expit(x)

    with pytest.raises(StagingError, match=r"scipy\.special\.expit is not supported") as info:
        _convert(f)(np.ones(3))
    assert "np.expit" not in str(info.value)


def test_comparing_complex_sums_matches_numpy():
    def f(x, y):
        return np.sum(x) < np.sum(y)

    x, y = np.array([1 + 2j, 3j]), np.array([1 + 1j, 4j])
    assert _convert(f)(x, y) == (np.sum(x) < np.sum(y))
