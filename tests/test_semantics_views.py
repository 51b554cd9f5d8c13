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


# ---- writes inside staged branches and loops (the view taken outside them) -------------


def written_in_a_staged_branch(x, c):
    y = x.copy()
    v = y[0:2]
    if c > 0:  # c is traced: both branches are staged
        y[0] = 100.0
    return v.sum()


def written_in_a_staged_loop(x, n):
    y = x.copy()
    v = y[0:2]
    for i in range(n):  # n is traced: a staged loop
        y[i] = 100.0
    return v.sum()


def read_before_the_write_in_a_loop_body(x, n):
    y = x.copy()
    v = y[0:2]
    s = 0.0
    for _ in range(n):
        s += v.sum()  # sees the previous iteration's write in NumPy
        y[0] = s
    return s


def rebound_not_written_in_a_loop(x, n):
    y = x.copy()
    v = y[0:2]
    for _ in range(n):
        y = y * 2.0  # a new array each time: v keeps viewing the first one
    return v.sum() + y.sum()


@pytest.mark.parametrize("backend", ["python", "cpu"])
@pytest.mark.parametrize("fn, match", [
    (written_in_a_staged_branch, "view of another one .* written after"),
    (written_in_a_staged_loop, "view of another one .* written after"),
    (read_before_the_write_in_a_loop_body, "read in the loop at line .* writes into|written after"),
])
def test_a_view_of_an_array_written_in_a_staged_region_is_refused(fn, match, backend):
    """These gave the old values silently before (the write happened inside a region
    whose handle on the array was a different one from the view's base)."""
    with pytest.raises(StagingError, match=match):
        autograph.convert(fn, backend=backend)(np.arange(5.0), 3)


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_rebinding_in_a_loop_is_not_a_write(backend):
    x = np.arange(5.0)
    assert autograph.convert(rebound_not_written_in_a_loop, backend=backend)(x, 3) == \
        rebound_not_written_in_a_loop(x, 3)
