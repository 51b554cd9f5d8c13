"""The converted function against the original, on every corpus function and input.

With Python values a converted function must behave exactly like the original (DESIGN.md,
"Two worlds"): same value and same type (recursively, so `1` vs `1.0` or `np.float64` vs
`float` is a failure), same exception type, same printed output and the same mutation of
its arguments. Each side gets its own deep copy of the inputs, so the arguments left
behind by the two calls can be compared too.
"""

from __future__ import annotations

import copy
import functools
import math

import numpy as np
import pytest

import autograph
from corpus import CASES

_PARAMS = [
    pytest.param(case, index, id=f"{case.name}-{index}")
    for case in CASES
    for index in range(len(case.inputs))
]


@functools.lru_cache(maxsize=None)
def _converted(name: str):
    """Converts each corpus function once per session, however many inputs it has."""
    case = next(c for c in CASES if c.name == name)
    return autograph.to_function(case.fn)


def _call(fn, call):
    """Runs fn on a private copy of the inputs; returns (result, exception, args after)."""
    args = copy.deepcopy(call.args)
    kwargs = copy.deepcopy(call.kwargs)
    try:
        return fn(*args, **kwargs), None, (args, kwargs)
    except Exception as e:  # noqa: BLE001 - any user exception is part of the behaviour
        return None, e, (args, kwargs)


def assert_same(actual, expected, path="result"):
    """Equal value and identical type, recursively through containers and objects."""
    assert type(actual) is type(expected), (
        f"{path}: type {type(actual).__name__} != {type(expected).__name__}"
        f" ({actual!r} vs {expected!r})"
    )
    if isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), f"{path}: {actual!r} != {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, f"{path}[{i}]")
    elif isinstance(expected, dict):
        assert list(actual) == list(expected), f"{path}: keys {list(actual)} != {list(expected)}"
        for k in expected:
            assert_same(actual[k], expected[k], f"{path}[{k!r}]")
    elif isinstance(expected, np.ndarray):
        assert actual.dtype == expected.dtype and actual.shape == expected.shape, path
        np.testing.assert_array_equal(actual, expected, err_msg=path)
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(actual), f"{path}: {actual!r} != nan"
    elif hasattr(expected, "__dict__") and not callable(expected):
        assert_same(vars(actual), vars(expected), f"{path}.__dict__")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


@pytest.mark.parametrize("case, index", _PARAMS)
def test_converted_matches_original(case, index, capsys):
    call = case.inputs[index]
    want, want_exc, want_args = _call(case.fn, call)
    want_out = capsys.readouterr().out

    converted = _converted(case.name)
    got, got_exc, got_args = _call(converted, call)
    got_out = capsys.readouterr().out

    if want_exc is not None:
        assert got_exc is not None, f"expected {type(want_exc).__name__}, got {got!r}"
        assert type(got_exc) is type(want_exc), (
            f"expected {type(want_exc).__name__}({want_exc}), "
            f"got {type(got_exc).__name__}({got_exc})"
        )
    else:
        if got_exc is not None:
            raise AssertionError(f"converted function raised, original returned {want!r}") from got_exc
        assert_same(got, want)
    assert got_out == want_out, "printed output differs"
    assert_same(got_args, want_args, "arguments after the call")


def test_corpus_names_are_unique_and_inputs_present():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert all(case.inputs for case in CASES)


def test_conversion_returns_a_new_callable():
    # An identity "conversion" would pass every differential test; the converted code
    # must be a different function object built from converted source.
    case = next(c for c in CASES if c.name == "while_collatz")
    converted = autograph.to_function(case.fn)
    assert callable(converted)
    assert converted is not case.fn
    assert getattr(converted, "__code__", None) is not case.fn.__code__
