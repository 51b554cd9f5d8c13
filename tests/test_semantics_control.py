"""Issue 16, control: a path that falls off the end returns None (or is refused when a
traced value decides between None and an array), `assert` on a traced value is checked on
every call, and a loop's target read after the loop has Python's value.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograph import AutographError
from backends import WITH_PLAIN, assert_same, check, convert

X = np.array([1.0, -2.0, 3.0])


def _returns_or_falls_off(x):
    if x.sum() > 0:
        return x * 2


def _bare_return_on_one_path(x):
    if x.sum() > 0:
        return
    return x


@pytest.mark.parametrize("backend", WITH_PLAIN)
@pytest.mark.parametrize("fn", [_returns_or_falls_off, _bare_return_on_one_path],
                         ids=lambda f: f.__name__)
def test_none_or_an_array_decided_by_a_traced_value_is_refused(fn, backend):
    with pytest.raises(AutographError, match="None on others") as info:
        convert(fn, backend)(X)
    assert "test_semantics_control.py" in str(info.value)  # names the user's file and line


def _falls_off_on_a_python_condition(x, flag):
    if flag:
        return x * 2


def _no_return(x):
    y = x + 1  # noqa: F841


def _print_only(x):
    print("sum", x.sum())


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_python_paths_that_fall_off_return_none(backend, capsys):
    check(_falls_off_on_a_python_condition, X, True, backend=backend)
    check(_falls_off_on_a_python_condition, X, False, backend=backend)
    assert convert(_falls_off_on_a_python_condition, backend)(X, False) is None
    assert convert(_no_return, backend)(X) is None
    assert convert(_print_only, backend)(X) is None
    assert capsys.readouterr().out == "sum 2.0\n"


def _returns_on_every_path(x):
    if x.sum() > 0:
        return x * 2
    else:
        return -x


def _returns_after_the_if(x):
    if x.sum() > 0:
        return x * 2
    y = x - 1
    return y


def _returns_from_a_while_true(x):
    i = 0
    while True:
        if x[i] < 0:
            return i
        i += 1


def _returns_from_a_loop_or_after(x):
    for i in range(x.shape[0]):
        if x[i] < 0:
            return x[i]
    return x[0]


@pytest.mark.parametrize("backend", WITH_PLAIN)
@pytest.mark.parametrize("fn", [_returns_on_every_path, _returns_after_the_if,
                                _returns_from_a_while_true, _returns_from_a_loop_or_after],
                         ids=lambda f: f.__name__)
def test_functions_returning_on_every_path_still_work(fn, backend):
    check(fn, X, backend=backend)
    check(fn, -X, backend=backend)


# ---- assert --------------------------------------------------------------------------------


def _checked(x):
    assert x.sum() > 0, "the sum must be positive"
    return x * 2


def _checked_without_message(x):
    assert np.all(x > -5)
    return x + 1


def _checked_in_a_loop(x):
    total = 0.0
    for i in range(x.shape[0]):
        assert x[i] == x[i], "NaN in the input"
        total += x[i]
    return total


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_assert_on_a_traced_value_is_checked_on_every_call(backend):
    f = convert(_checked, backend)
    assert_same(f(X), _checked(X))
    with pytest.raises(AssertionError, match="^the sum must be positive$"):
        f(-X)
    assert_same(f(X), _checked(X))  # the same program, passing again
    g = convert(_checked_without_message, backend)
    assert_same(g(X), _checked_without_message(X))
    with pytest.raises(AssertionError):
        g(np.array([-6.0, 1.0, 1.0]))
    h = convert(_checked_in_a_loop, backend)
    assert_same(h(X), _checked_in_a_loop(X))
    with pytest.raises(AssertionError, match="NaN in the input"):
        h(np.array([1.0, np.nan]))


def _assert_with_traced_message(x):
    assert x.sum() > 0, f"sum is {x.sum()}"
    return x


def test_an_assert_message_needing_a_traced_value_is_refused_clearly():
    with pytest.raises(AutographError, match="message of an `assert`"):
        convert(_assert_with_traced_message, "python")(X)


def test_assert_on_python_values_is_python():
    def f(x, n):
        assert n > 0, "n must be positive"
        return x * n
    for backend in WITH_PLAIN:
        with pytest.raises(AssertionError, match="n must be positive"):
            convert(f, backend)(X, 0)


# ---- loop targets after the loop ----------------------------------------------------------


def _target_defined_before(x, n):
    i = 0
    for i in range(n):
        x = x + i
    return i, x


def _target_of_a_static_range(x):
    i = -1
    for i in range(x.shape[0]):
        if x[i] > 2:
            break
    return i


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_a_scalar_loop_target_returned_after_the_loop(backend):
    check(_target_defined_before, X, 4, backend=backend)
    check(_target_defined_before, X, 0, backend=backend)
    check(_target_of_a_static_range, X, backend=backend)


def _target_first_bound_by_the_loop(x, n):
    for i in range(n):
        x = x + 1
    return i


def test_a_loop_target_bound_only_by_a_staged_loop_is_refused_not_wrong():
    """Python returns n - 1 (or raises UnboundLocalError for n == 0); the staged loop
    cannot yet carry a possibly unbound variable, and says so (never a silent answer)."""
    for backend in WITH_PLAIN:
        with pytest.raises(AutographError, match="'i' must be defined before the loop"):
            convert(_target_first_bound_by_the_loop, backend)(X, 3)
