"""The errors tracing raises: what needs a concrete value, what NumPy API is not staged —
each a StagingError naming the user's line — and user exceptions keeping their type."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError, StagingError
from autograph.staging import NeedsStaticArgument

X = np.array([1.0, 2.0, 3.0], np.float32)


def _line(fn, text):
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


def to_numpy(x):
    y = x * 2
    return np.asarray(y).tolist()


def item(x):
    return x.sum().item()


def tolist(x):
    return x.tolist()


def list_index(x):
    table = [10, 20, 30]
    return table[np.argmax(x)]


def math_module(x):
    return math.gcd(np.argmax(x), 2)  # math.sqrt & co. are staged (scalar_math.py)


def f_string(x):
    label = f"{np.sum(x)}"
    return x, label


def comprehension_test(x):
    return [v for v in [1, 2] if np.sum(x) > v]


@pytest.mark.parametrize("fn, line_text", [
    (to_numpy, "np.asarray(y)"),
    (item, ".item()"),
    (tolist, ".tolist()"),
    (list_index, "table[np.argmax(x)]"),
    (math_module, "math.gcd"),
    (f_string, 'f"{np.sum(x)}"'),
    (comprehension_test, "if np.sum(x) > v"),
])
def test_needing_a_concrete_value_names_the_line(fn, line_text):
    with pytest.raises(StagingError, match="needs a concrete value") as info:
        autograph.convert(fn, backend="python")(X)
    assert not isinstance(info.value, NeedsStaticArgument)
    assert info.value.origin is not None
    assert info.value.origin.lineno == _line(fn, line_text)
    assert f":{info.value.origin.lineno}:" in str(info.value)


def fft(x):
    return np.fft.hfft(x)


def cumsum(x):
    return np.intersect1d(x, x)


def with_out(x):
    out = np.empty((), x.dtype)
    np.sum(x, out=out)  # ufuncs take out= (test_semantics_argument_writes.py); sums not yet
    return out


def unsupported_ufunc(x):
    return np.bitwise_count(x)


def unsupported_method(x):
    return x.tofile("x.bin")


@pytest.mark.parametrize("fn, name", [
    (fft, "np.fft.hfft"), (cumsum, "np.intersect1d"), (with_out, r"np.sum\(..., out=...\)"),
    (unsupported_ufunc, "np.bitwise_count"), (unsupported_method, "ndarray.tofile"),
])
def test_unsupported_numpy_api_is_named(fn, name):
    with pytest.raises(StagingError, match=f"{name} is not supported inside a converted "
                                           f"function") as info:
        autograph.convert(fn, backend="python")(X)
    assert info.value.origin is not None and info.value.origin.function_name == fn.__name__


def raises_value_error(x):
    if x.shape[0] > 2:
        raise ValueError("too long")
    return x


def test_user_exceptions_keep_their_type():
    with pytest.raises(ValueError, match="too long"):
        autograph.convert(raises_value_error, backend="python")(X)


def shape_mismatch(x):
    return x @ np.ones((2, 2), np.float32)


def test_op_type_errors_are_staging_errors_at_the_user_line():
    with pytest.raises(AutographError, match="inner dimensions 3 and 2 differ") as info:
        autograph.convert(shape_mismatch, backend="python")(X)
    assert info.value.origin.lineno == _line(shape_mismatch, "x @ np.ones")


def staged_assert(x):
    assert np.all(x > 0), "positive"
    return x


def test_assert_on_a_tensor_is_a_staged_check():
    """Issue 16: checked on every call, raising AssertionError with its message
    (tests/test_semantics_control.py has the differential tests)."""
    f = autograph.convert(staged_assert, backend="python")
    x = np.abs(X) + 1
    np.testing.assert_array_equal(f(x), x)
    with pytest.raises(AssertionError, match="^positive$"):
        f(-x)


_leaked = []


def leak(x):
    _leaked.append(x * 2)
    return x


def use_leaked(x):
    return x + _leaked[0]


def test_a_tensor_kept_from_another_trace_is_rejected():
    autograph.convert(leak, backend="python")(X)
    with pytest.raises(StagingError, match="another .*trace"):
        autograph.convert(use_leaked, backend="python")(X)


def ambiguous_truth(x):
    if x > 1:
        return x
    return -x


def test_if_on_an_array_is_ambiguous():
    with pytest.raises(StagingError, match="ambiguous"):
        autograph.convert(ambiguous_truth, backend="python")(X)


class Holder:
    pass


def escapes_through_attribute(x, holder):
    for row in x:
        holder.last = row * 2
    return holder.last


def test_a_value_escaping_a_staged_loop_is_rejected():
    # objects are keyed by their attributes, so the rebinding itself is refused now
    with pytest.raises(StagingError, match="cannot rebind an attribute of an argument"):
        autograph.convert(escapes_through_attribute, backend="python")(
            np.ones((2, 2)), Holder())
