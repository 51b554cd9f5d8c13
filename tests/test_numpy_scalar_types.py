"""`np.float32(t)` and the other NumPy scalar types called on traced values cast them, as
NumPy does (issue 19: it used to ask for a concrete value)."""

from __future__ import annotations

import numpy as np
import pytest

import autograph


def conversions(x):
    return np.float32(np.sum(x)), np.int64(x[0]), np.float64(x), np.bool_(x[1])


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_numpy_scalar_types_cast_like_numpy(backend):
    x = np.array([2.5, 0.0, -1.0])
    got, want = autograph.convert(conversions, backend=backend)(x), conversions(x)
    for g, w in zip(got, want):
        assert type(g) is type(w)
        np.testing.assert_array_equal(g, w)
    # NumPy hands back the array itself when the dtype already matches; so do we.
    assert np.shares_memory(got[2], x) == np.shares_memory(want[2], x)
