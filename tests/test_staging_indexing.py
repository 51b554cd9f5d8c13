"""Indexing and item assignment on tensors: NumPy subscripts, staged loop indices, views."""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import StagingError
from backends import WITH_PLAIN, check

# Every differential test here also runs unoptimised: "cpu-plain" is optimize=False.
BACKENDS = WITH_PLAIN

X = np.arange(24, dtype=np.float32).reshape(4, 6)


def basic_indexing(x):
    return (x[1], x[-1], x[1, 2], x[1:3], x[:, 2], x[::2, 1::2], x[::-1], x[..., 1],
            x[None, 1], x[:, None, :2], x[2:0:-1, -2:], x[..., None], x[()],
            x[np.int64(1)], x[3:100], x[5:])


def advanced_indexing(x):
    idx = np.array([3, 0, 1])
    mask = np.array([True, False, True, False])
    return (x[idx], x[[0, 2]], x[:, idx], x[idx, idx], x[mask], x[mask, 1:3],
            x[[[0], [1]], [2, 3]])


@pytest.mark.parametrize("backend", BACKENDS)
def test_getitem(backend):
    check(basic_indexing, X, backend=backend)
    check(advanced_indexing, X, backend=backend)


def index_with_tensors(x, i):
    j = x.shape[1] - 1
    rows = np.argmax(x, axis=0) % 3
    return x[i], x[i, j], x[-i], x[i, 1:3], x[rows], x[np.argmin(x[:, 0])]


@pytest.mark.parametrize("backend", BACKENDS)
def test_getitem_with_traced_indices(backend):
    check(index_with_tensors, X, 2, backend=backend)
    check(index_with_tensors, X, 1, backend=backend)


def setitem(x):
    y = x.copy()
    y[0] = 1.0
    y[1, 2] = -5
    y[2, :] = np.arange(6)
    y[:, 0] = x[:, 5]
    y[3, 1:4] += 100
    y[y > 50] = 0.5
    y[np.array([0, 2]), 3] = 7
    y[..., -1] *= 2
    y[0] += y[1]
    z = np.zeros((2, 3), np.int32)
    z[1, 1] = 2.9  # cast as NumPy casts: truncated
    z[0] = np.array([1.5, 2.5, 3.5])
    return y, z


@pytest.mark.parametrize("backend", BACKENDS)
def test_setitem(backend):
    check(setitem, X, backend=backend)


def setitem_in_loop(x, n):
    out = np.zeros(x.shape, x.dtype)
    for i in range(n):
        out[i] = x[i] * i
        out[i, 0] += 1
    return out


def setitem_into_numpy_array_in_loop(x):
    out = np.zeros(x.shape[0])  # a NumPy array: the loop is staged, `out` becomes a tensor
    for i in range(x.shape[0]):
        out[i] = np.sum(x[i])
    return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_setitem_with_loop_index(backend):
    check(setitem_in_loop, X, 3, backend=backend)
    check(setitem_into_numpy_array_in_loop, X, backend=backend)


def setitem_in_branch(x):
    y = x.copy()
    if np.sum(x) > 100:
        y[0] = 0.0
    else:
        y[1] = 0.0
    return y


@pytest.mark.parametrize("backend", BACKENDS)
def test_setitem_in_one_branch_does_not_leak_into_the_other(backend):
    check(setitem_in_branch, X, backend=backend)
    check(setitem_in_branch, X / 100, backend=backend)


def aliases(x):
    y = x.copy()
    z = y  # the same array: both names see the assignment
    z[0, 0] = -1.0
    w = y
    w += 1
    return y, z, w


def test_assignment_is_seen_through_every_name_of_the_array():
    check(aliases, X)


def write_through_view(x):
    y = x.copy()
    row = y[0]
    row[1] = 100.0
    return y


def write_through_reshape(x):
    y = x.copy()
    flat = y.reshape(-1)
    flat[0] = 1.0
    return y


def inplace_on_view(x):
    y = x.copy()
    row = y[1]
    row += 1
    return y


def write_into_argument(x):
    x[0] = 0.0
    return x


def inplace_into_argument(x):
    x += 1
    return x


@pytest.mark.parametrize("fn, what", [
    (write_through_reshape, "a view of another array"),
])
def test_writes_numpy_would_share_with_another_array_raise(fn, what):
    with pytest.raises(StagingError, match=f"cannot assign into {what}") as info:
        autograph.convert(fn, backend="python")(X.copy())
    assert info.value.origin is not None and info.value.origin.function_name == fn.__name__


@pytest.mark.parametrize("fn", [write_through_view, inplace_on_view])
def test_writes_through_a_basic_index_view_reach_its_base(fn):
    got = autograph.convert(fn, backend="python")(X.copy())
    np.testing.assert_array_equal(got, fn(X.copy()))


@pytest.mark.parametrize("fn", [write_into_argument, inplace_into_argument])
def test_writes_into_an_argument_reach_the_caller_who_gets_it_back(fn):
    x, y = X.copy(), X.copy()
    got = autograph.convert(fn, backend="python")(x)
    want = fn(y)
    assert got is x
    np.testing.assert_array_equal(x, y)
    assert not np.array_equal(x, X)


def dynamic_slice(x, i):
    return x[i:i + 2]


def boolean_tensor_mask(x):
    return x[x > 3]


def test_data_dependent_shapes_are_rejected_clearly():
    check(boolean_tensor_mask, X)  # a run-time length (tests/test_dynamic_sizes.py)
    with pytest.raises(StagingError, match="leading axes only"):
        autograph.convert(lambda x: x[:, x[0] > 3], backend="python")(X)
    # a traced slice bound: the weak scalar argument is made static instead
    converted = check(dynamic_slice, X, 1)
    assert "`i` made static" in converted.explain()


def test_inplace_operator_keeps_dtype_and_rejects_unsafe_casts():
    def ok(x):
        y = x.copy()
        y *= 2.5
        return y

    def bad(x):
        y = x.astype(np.int64)
        y += 0.5
        return y

    check(ok, X)
    with pytest.raises(TypeError, match="same_kind"):
        autograph.convert(bad, backend="python")(X)
