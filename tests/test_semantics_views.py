"""Views of local arrays and later writes through their base (issue 16, item 2): NumPy
shows the write through the view; a converted function either gives NumPy's answer or
stops, naming the fix — never the old values."""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import StagingError


def view_then_write(x):
    y = x * 2.0
    z = y[0:2]
    y[0] = 100.0
    return z


def reshaped_view_then_inplace(x):
    y = x + 1.0
    z = y.reshape(3, 1)
    y += 5.0
    return z.sum()


def view_used_before_the_write(x):
    y = x * 2.0
    total = y[0:2].sum()
    y[0] = 100.0
    return total, y


def copy_taken_before_the_write(x):
    y = x * 2.0
    z = y[0:2].copy()
    y[0] = 100.0
    return z, y


@pytest.mark.parametrize("backend", ["python", "cpu"])
@pytest.mark.parametrize("fn", [view_then_write, reshaped_view_then_inplace])
def test_a_view_read_after_a_write_through_its_base_is_refused(fn, backend):
    with pytest.raises(StagingError, match="view of another one .* written after"):
        autograph.convert(fn, backend=backend)(np.arange(3.0))


@pytest.mark.parametrize("backend", ["python", "cpu"])
@pytest.mark.parametrize("fn", [view_used_before_the_write, copy_taken_before_the_write])
def test_views_used_before_the_write_and_copies_keep_numpy_answers(fn, backend):
    x = np.arange(3.0)
    got, want = autograph.convert(fn, backend=backend)(x), fn(x)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
