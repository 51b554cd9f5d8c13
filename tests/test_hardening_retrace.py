"""RetraceWarning (issue 19, item 8): its limit is a setting (convert(max_traces=),
AUTOGRAPH_MAX_TRACES), it is given once per function, and it says what changed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from autograph.runtime import retracing


def _retrace_messages(f, calls):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for args in calls:
            f(*args)
    return [str(w.message) for w in caught if issubclass(w.category, autograph.RetraceWarning)]


def test_legitimate_multi_shape_use_is_quiet_by_default():
    f = autograph.convert(lambda x: x * 2, backend="python")
    assert retracing.DEFAULT_MAX_TRACES >= 10
    assert _retrace_messages(f, [(np.zeros(n),) for n in range(1, 11)]) == []


def test_warned_once_with_the_signature_difference():
    f = autograph.convert(lambda x, n: x * n, backend="python", max_traces=3)
    calls = [(np.zeros(k, np.float32), 2) for k in range(1, 9)]
    messages = _retrace_messages(f, calls)
    assert len(messages) == 1  # not again on the 5th, 6th, ... trace
    message = messages[0]
    assert "traced 4 times, more than max_traces=3" in message
    assert "x: f32[3] -> f32[4]" in message and "n:" not in message.split("(")[0]
    assert "AUTOGRAPH_MAX_TRACES" in message


def test_a_dtype_change_is_named():
    f = autograph.convert(lambda x: x + 1, backend="python", max_traces=1)
    messages = _retrace_messages(f, [(np.zeros(3),), (np.zeros(3, np.int32),)])
    assert len(messages) == 1 and "x: f64[3] -> i32[3]" in messages[0]


def test_the_environment_variable_sets_the_default(monkeypatch):
    monkeypatch.setenv("AUTOGRAPH_MAX_TRACES", "2")
    f = autograph.convert(lambda x: x - 1, backend="python")
    messages = _retrace_messages(f, [(np.zeros(n),) for n in range(1, 5)])
    assert len(messages) == 1 and "more than max_traces=2" in messages[0]


def test_zero_turns_the_warning_off(monkeypatch):
    monkeypatch.setenv("AUTOGRAPH_MAX_TRACES", "0")
    f = autograph.convert(lambda x: -x, backend="python")
    assert _retrace_messages(f, [(np.zeros(n),) for n in range(1, 15)]) == []


def test_the_argument_beats_the_environment(monkeypatch):
    monkeypatch.setenv("AUTOGRAPH_MAX_TRACES", "100")
    f = autograph.convert(lambda x: x + 3, backend="python", max_traces=1)
    assert len(_retrace_messages(f, [(np.zeros(n),) for n in range(1, 4)])) == 1


@pytest.mark.parametrize("bad", ["many", "-1"])
def test_a_bad_environment_value_is_a_clear_error(monkeypatch, bad):
    monkeypatch.setenv("AUTOGRAPH_MAX_TRACES", bad)
    with pytest.raises(AutographError, match="AUTOGRAPH_MAX_TRACES must be a whole number"):
        autograph.convert(lambda x: x)


def test_a_bad_argument_is_a_clear_error():
    with pytest.raises(AutographError, match="max_traces must be a whole number"):
        autograph.convert(lambda x: x, max_traces=2.5)


def test_decorator_form_takes_the_setting():
    @autograph.convert(backend="python", max_traces=1)
    def f(x):
        return x

    assert len(_retrace_messages(f, [(np.zeros(1),), (np.zeros(2),)])) == 1
