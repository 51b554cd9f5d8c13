"""Staged checks on CUDA (`assert` on a traced value, `int()` of NaN): the condition is read
back to the host and the same exception as on the CPU is raised, on every call."""

from __future__ import annotations

import numpy as np
import pytest

import autograph


def positive_total(x):
    total = np.sum(x)
    assert total > 0, "the total must be positive"
    return x * 2.0


def to_int(x):
    return int(np.sum(x)) + 1


def test_assert_passes_and_fails_on_cuda():
    f = autograph.convert(positive_total, backend="cuda")
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(f(x), x * 2.0)
    with pytest.raises(AssertionError, match="the total must be positive"):
        f(-x)


def test_int_of_nan_raises_and_finite_values_convert():
    f = autograph.convert(to_int, backend="cuda")
    assert f(np.array([1.5, 2.0])) == to_int(np.array([1.5, 2.0]))
    with pytest.raises(ValueError):
        f(np.array([np.nan, 1.0]))
