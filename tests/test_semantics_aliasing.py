"""Issue 16, aliasing: a converted function's results are fresh arrays wherever NumPy's
are, the caller's own array where NumPy returns it, and a view where NumPy makes one.

Each case runs the plain function and the converted one on their own copies of the
arguments and compares value and dtype, the arguments after the call, which result shares
memory with which argument, which result *is* which argument, and which results are the
same object. Then it writes into every result NumPy made fresh and checks that the
arguments did not change (the corruption the issue is about).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from backends import WITH_PLAIN, assert_same, check, convert


def _as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


def _aliasing(results, args):
    """Per result: (shares memory with arg k, is arg k) for each array argument k, and
    the index of the first earlier result it is (or None)."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    facts = []
    for i, r in enumerate(results):
        if not isinstance(r, np.ndarray):
            facts.append(None)
            continue
        same = next((j for j in range(i) if results[j] is r), None)
        facts.append(([np.shares_memory(r, a) for a in arrays], [r is a for a in arrays],
                      same))
    return facts


def check_aliasing(fn, *args, backend):
    converted = convert(fn, backend)
    want_args, got_args = copy.deepcopy(args), copy.deepcopy(args)
    want = fn(*want_args)
    got = converted(*got_args)
    assert_same(got, want)
    for g, w in zip(got_args, want_args):
        assert_same(g, w, "argument after the call")
    wants, gots = _as_tuple(want), _as_tuple(got)
    assert _aliasing(gots, got_args) == _aliasing(wants, want_args)
    # writing into a result NumPy made fresh must leave the arguments alone
    before = copy.deepcopy(got_args)
    for w, g in zip(wants, gots):
        fresh = isinstance(w, np.ndarray) and not any(
            np.shares_memory(w, a) for a in want_args if isinstance(a, np.ndarray))
        if fresh and g.size and g.flags.writeable:
            g[...] = 7
    for g, b in zip(got_args, before):
        assert_same(g, b, "argument after writing into a fresh result")
    # a second call: results must not share memory with the first call's
    again = _as_tuple(converted(*copy.deepcopy(args)))
    for w, g, h in zip(wants, gots, again):
        if isinstance(w, np.ndarray) and isinstance(g, np.ndarray) and \
                not any(np.shares_memory(w, a) for a in want_args if isinstance(a, np.ndarray)):
            assert not np.shares_memory(g, h), "two calls returned the same buffer"
    return converted


X = np.array([1.5, -0.0, 2.0, -3.0])
M = np.arange(6.0).reshape(2, 3)

FRESH = {
    "method_copy": lambda x: x.copy(),
    "np_copy": lambda x: np.copy(x),
    "astype_same_dtype": lambda x: x.astype(x.dtype),
    "plus_int_zero": lambda x: x + 0,
    "times_one": lambda x: x * 1.0,
    "one_times": lambda x: 1 * x,
    "unary_plus": lambda x: +x,
    "double_negation": lambda x: -(-x),
    "divide_by_one": lambda x: x / 1,
    "power_one": lambda x: x ** 1,
    "concatenate_one": lambda x: np.concatenate([x]),
    "copy_and_argument": lambda x: (x.copy(), x),
    "argument_and_copy": lambda x: (x, x.copy()),
    "two_copies": lambda x: (x.copy(), x.copy()),
    "copy_then_astype": lambda x: (x.copy(), x.astype(np.float64)),
    "constant_array": lambda x: np.array([1.0, 2.0, 3.0]),
    "constant_and_argument": lambda x: (np.zeros(3), x),
}


@pytest.mark.parametrize("backend", WITH_PLAIN)
@pytest.mark.parametrize("name", sorted(FRESH))
def test_results_numpy_makes_fresh_are_fresh(name, backend):
    check_aliasing(FRESH[name], X, backend=backend)


MATRIX = {
    "transpose_copy": lambda m: m.T.copy(),
    "reshape_copy": lambda m: m.reshape(-1).copy(),
    "flatten": lambda m: m.flatten(),
    "row_copy": lambda m: m[0].copy(),
    "reshape_back_copy": lambda m: m.reshape(3, 2).reshape(2, 3).copy(),
}


@pytest.mark.parametrize("backend", WITH_PLAIN)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_copies_of_views_are_fresh(name, backend):
    check_aliasing(MATRIX[name], M, backend=backend)


def _same_twice(x):
    y = x + 1
    return y, y


def _copy_of_fresh(x):
    y = x + 1
    return y, y.copy()


def _argument(x):
    return x


def _argument_twice(x):
    return x, x


@pytest.mark.parametrize("backend", WITH_PLAIN)
@pytest.mark.parametrize("fn", [_same_twice, _copy_of_fresh, _argument, _argument_twice],
                         ids=lambda f: f.__name__)
def test_identity_of_results_is_numpys(fn, backend):
    check_aliasing(fn, X, backend=backend)


def test_returning_the_argument_returns_the_callers_object():
    for backend in WITH_PLAIN:
        x = X.copy()
        assert convert(_argument, backend)(x) is x


def _branch_copy(x, flag):
    if x.sum() > 0:
        y = x.copy()
    else:
        y = x * 1.0
    return y


def _loop_copy(x, n):
    y = x.copy()
    for i in range(n):
        y = y * 1.0
    return y


def _fill_copy(x):
    out = x.copy()
    for i in range(x.shape[0]):
        out[i] = out[i] * 2.0
    return out


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_fresh_through_staged_control_flow(backend):
    check_aliasing(_branch_copy, X, True, backend=backend)
    check_aliasing(_branch_copy, -np.abs(X), True, backend=backend)
    check_aliasing(_loop_copy, X, 3, backend=backend)
    check_aliasing(_loop_copy, X, 0, backend=backend)  # no iteration: still a copy
    check_aliasing(_fill_copy, X, backend=backend)


def _view(m):
    return m[1:]


def _fresh_and_its_view(m):
    y = m + 1
    return y, y[1:]


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_views_stay_views(backend):
    check_aliasing(_view, M, backend=backend)  # NumPy's view shares the argument's memory
    got = convert(_fresh_and_its_view, backend)(M.copy())
    assert_same(got, _fresh_and_its_view(M.copy()))
    assert np.shares_memory(got[0], got[1])  # NumPy: a view of the first result


def test_the_copy_is_only_where_needed():
    """`return x + 1` needs no copy: the program's own result is handed out as it is."""
    import autograph

    f = autograph.convert(lambda x: x + 1, backend="python")
    f(X)
    spec = next(iter(f._cache.values()))
    assert spec.copies == frozenset()
    g = autograph.convert(lambda x: x.copy(), backend="python")
    g(X)
    assert next(iter(g._cache.values())).copies == frozenset({0})


# ---- writing into an argument (issue 16, item 7): never silent -------------------------


def _write_loop(out, x):
    for i in range(x.shape[0]):
        out[i] = x[i] * 2


def _scale_in_place(x):
    x *= 2


def _interior(u):
    u[1:-1] = 0.0


def _whole(u):
    u[:] = 1.0


def _through_a_view(x):
    v = x[1:]
    v[0] = 5.0
    return x


def _copyto(x):
    np.copyto(x, 2.0)


def _out_argument(x):
    np.add(x, 1, out=x)


@pytest.mark.parametrize("backend", WITH_PLAIN)
@pytest.mark.parametrize("fn", [_write_loop, _scale_in_place, _interior, _whole, _copyto,
                                _out_argument], ids=lambda f: f.__name__)
def test_writes_into_arguments_reach_the_caller(fn, backend):
    """The caller's arrays hold what NumPy leaves in them (test_semantics_argument_writes.py
    has the whole story); `check` compares the arguments after the call."""
    args = (np.zeros(3), np.ones(3)) if fn is _write_loop else (np.ones(3),)
    check(fn, *args, backend=backend)


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_writes_through_a_view_of_an_argument_reach_the_caller(backend):
    check(_through_a_view, np.ones(3), backend=backend)
