"""The per-call path (api.py, staging/guards.py, staging/captures.py): a guard takes
exactly the calls its signature covers, everything else takes the general path and gets
the same result; captured arrays are read where they are bound; threads racing on a new
signature trace it once."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograph
from autograph.runtime import api
from autograph.runtime.api import Specialization
from backends import BACKENDS, assert_same

X4 = np.arange(4, dtype=np.float32)


@pytest.fixture
def binds(monkeypatch):
    """Counts calls run on bound arguments: the general path's, not a guard's."""
    calls = []
    original = Specialization.call_bound

    def counting(self, bound):
        calls.append(bound)
        return original(self, bound)

    monkeypatch.setattr(Specialization, "call_bound", counting)
    return calls


def traces(f) -> int:
    return len(f._history)


def affine(x):
    return x * 2 + 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_repeated_signature_is_served_by_its_guard(backend, binds):
    f = autograph.convert(affine, backend=backend)
    assert_same(f(X4), affine(X4))
    assert len(binds) == 1
    for _ in range(3):
        assert_same(f(X4 + 1), affine(X4 + 1))
    assert len(binds) == 1 and traces(f) == 1
    if backend == "cpu":  # strict: Numba's dispatcher and the program check dtype and shape
        assert "a0.__class__ is _ndarray" in f._guard.source
        assert "_s0" not in f._guard.source and "_d0" not in f._guard.source
    else:
        assert "a0.shape == _s0" in f._guard.source
    assert type(f).__call__ is f._guard  # the guard is the call: one Python frame


@pytest.mark.parametrize("shape_or_dtype", ["shape", "dtype", "layout"])
def test_a_strict_guard_hands_other_arrays_to_the_general_path(shape_or_dtype, binds):
    f = autograph.convert(affine, backend="cpu")
    assert_same(f(X4), affine(X4))
    other = {"shape": np.arange(5, dtype=np.float32), "dtype": X4.astype(np.float64),
             "layout": np.arange(8, dtype=np.float32)[::2]}[shape_or_dtype]
    assert_same(f(other), affine(other))
    assert len(binds) == 2  # the other array went through binding, not the strict guard
    assert_same(f(X4), affine(X4))


@pytest.mark.filterwarnings("ignore::autograph.runtime.api.RetraceWarning")
def test_other_dtype_same_shape_and_other_shape_same_dtype(binds):
    f = autograph.convert(affine, backend="python")
    inputs = [X4, X4.astype(np.float64), X4.astype(np.int32), np.arange(5, dtype=np.float32),
              X4.reshape(2, 2), X4.astype(np.float64).reshape(4, 1)]
    for x in inputs:
        assert_same(f(x), affine(x))
    assert traces(f) == len(inputs) and len(binds) == len(inputs)
    for x in reversed(inputs):  # every signature again: other guards, found by key
        assert_same(f(x + 3), affine(x + 3))
    assert traces(f) == len(inputs) and len(binds) == len(inputs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_non_contiguous_arrays_share_the_contiguous_signature(backend):
    f = autograph.convert(affine, backend=backend)
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    views = [np.ascontiguousarray(base[:, :3]), base[:, ::2], base[:, 1:4],
             np.asfortranarray(base[:, :3]), base[:3, :4].T]
    for x in views + views:
        assert x.shape == (4, 3)
        assert_same(f(x), affine(x))
    assert traces(f) == 1


def scaled(x):
    return x * 3


@pytest.mark.filterwarnings("ignore::autograph.runtime.api.RetraceWarning")
def test_numpy_scalars_zero_d_arrays_and_python_scalars(binds):
    f = autograph.convert(scaled, backend="python")
    values = [np.float32(2), np.array(2, np.float32), 2.0, 2, np.float64(2), np.array(2.0),
              np.int32(2), True, complex(1, 2)]
    for value in values + values:
        assert_same(f(value), scaled(value))
    # f32 scalar and 0-d f32 array share a trace, as do f64 ones; bool is static
    assert traces(f) == 7
    assert len(binds) == len(values)  # the second round: guards only


def scaled_by(x, s):
    return x * s


def test_keywords_take_the_general_path_with_the_same_result(binds):
    f = autograph.convert(scaled_by, backend="python")
    assert_same(f(X4, 2.0), scaled_by(X4, 2.0))
    assert_same(f(X4, s=3.0), scaled_by(X4, 3.0))
    assert_same(f(x=X4, s=4.0), scaled_by(X4, 4.0))
    assert_same(f(X4, 5.0), scaled_by(X4, 5.0))
    assert traces(f) == 1 and len(binds) == 3


def with_mode(x, mode, n):
    y = x * n
    return y + 1 if mode == "plus" else y - 1


class Opaque:
    """Equal when their tags are; unhashable, so static by identity."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, tag):
        self.tag = tag

    def __eq__(self, other):
        return isinstance(other, Opaque) and other.tag == self.tag


def test_static_arguments_match_by_value_and_type(binds):
    f = autograph.convert(with_mode, backend="python", static_argnames=("mode", "n"))
    assert_same(f(X4, "plus", 2), with_mode(X4, "plus", 2))
    same_text = "".join(["pl", "us"])  # an equal string, another object
    assert_same(f(X4, same_text, 2), with_mode(X4, "plus", 2))
    assert traces(f) == 1 and len(binds) == 1
    assert_same(f(X4, "minus", 2), with_mode(X4, "minus", 2))
    assert_same(f(X4, "plus", 2.0), with_mode(X4, "plus", 2.0))  # 2.0 == 2, another type
    assert_same(f(X4, "plus", True), with_mode(X4, "plus", True))
    assert traces(f) == 4
    g = autograph.convert(lambda x, o: x + len(o.tag), backend="python",
                          static_argnames=("o",))
    a, b = Opaque("ab"), Opaque("ab")
    assert_same(g(X4, a), X4 + 2)
    assert_same(g(X4, b), X4 + 2)  # equal but unhashable: keyed by identity
    assert_same(g(X4, a), X4 + 2)
    assert traces(g) == 2


def zeros_plus(x, n):
    return np.zeros(n) + x


def test_an_argument_made_static_by_tracing_is_guarded_by_value(binds):
    f = autograph.convert(zeros_plus, backend="python")
    assert_same(f(1.0, 3), zeros_plus(1.0, 3))
    before = len(binds)
    assert_same(f(2.0, 3), zeros_plus(2.0, 3))
    assert len(binds) == before  # guard: n == 3, x any float
    assert_same(f(2.0, 4), zeros_plus(2.0, 4))
    assert_same(f(5.0, 3), zeros_plus(5.0, 3))
    assert traces(f) == 2


OFFSET, BIAS = np.float32(0.5), np.ones(4, np.float32)


def with_defaults(x, scale=2.0, offset=OFFSET, bias=BIAS):
    return x * scale + offset + bias


@pytest.mark.parametrize("backend", BACKENDS)
def test_traced_default_arguments(backend, binds):
    f = autograph.convert(with_defaults, backend=backend)
    for _ in range(2):
        assert_same(f(X4), with_defaults(X4))
        assert_same(f(X4, 3.0), with_defaults(X4, 3.0))
    assert traces(f) == 1 and len(binds) == 2


def doubled(n):
    return n * 2


def test_an_int_beyond_int64_is_left_to_the_general_path(binds):
    f = autograph.convert(doubled, backend="python")
    assert f(21) == 42 and f(22) == 44
    assert len(binds) == 1
    with pytest.raises(autograph.AutographError, match="does not fit in int64"):
        f(2 ** 63)  # the guard does not take it; the general path refuses it up front
    assert len(binds) == 1  # nothing ran


def outputs(x, n):
    return x.sum(), n * 2, n / 2, x[0] > 0, None, "label", x * 1, x[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_outputs_keep_their_types_through_guards(backend):
    for fn in (outputs, lambda x, n: x.sum(), lambda x, n: n * 2, lambda x, n: x[0] > 0,
               lambda x, n: x + n, lambda x, n: {"a": x, "b": (n, x.max())}):
        f = autograph.convert(fn, backend=backend)
        for _ in range(3):
            assert_same(f(X4, 3), fn(X4, 3))
            assert_same(f(X4.astype(np.int64), 5), fn(X4.astype(np.int64), 5))


# ---- captured arrays ---------------------------------------------------------------


def closure_pair():
    w = np.ones(3)

    def f(x):
        return x * w

    def rebind(value):
        nonlocal w
        w = value

    return f, rebind


G = np.ones(3)


def uses_global(x):
    return x + G


def test_a_rebound_closure_variable_is_read_at_call_time(binds):
    fn, rebind = closure_pair()
    f = autograph.convert(fn, backend="python")
    x = np.arange(3.0)
    assert_same(f(x), x)
    rebind(np.full(3, 2.0))
    assert_same(f(x), x * 2)  # same shape: the new array, no retrace
    assert_same(f(x), x * 2)
    assert traces(f) == 1
    n = len(binds)
    assert_same(f(x + 1), (x + 1) * 2)
    assert len(binds) == n  # the guard took it again once the new array was checked


def test_a_rebound_global_is_read_at_call_time():
    global G
    f = autograph.convert(uses_global, backend="python")
    x = np.arange(3.0)
    try:
        assert_same(f(x), x + 1)
        G = np.full(3, 5.0)
        assert_same(f(x), x + 5)
        G = np.arange(2.0)  # another shape: traced again, as Python would broadcast it
        with pytest.raises(Exception):
            f(x)
        G = np.arange(1.0) + 7
        assert_same(f(x), x + 7)
        assert traces(f) == 2
        assert "captured `G` is now f64[1], not f64[3]" in f.explain()
    finally:
        G = np.ones(3)


class Model:
    def __init__(self, n=3):
        self.w = np.full((n, 2), 0.5)

    @autograph.convert(backend="python")
    def forward(self, x):
        return np.maximum(x @ self.w, 0)


def test_a_rebound_attribute_is_read_at_call_time():
    m = Model()
    x = np.arange(3.0)
    assert_same(m.forward(x), np.maximum(x @ m.w, 0))
    m.w = m.w * -3 + 1  # rebinding, not in place
    assert_same(m.forward(x), np.maximum(x @ m.w, 0))
    other = Model()
    assert_same(other.forward(x), np.maximum(x @ other.w, 0))
    m.w = np.ones((3, 4))
    assert_same(m.forward(x), np.maximum(x @ m.w, 0))
    lowered = m.forward.lower(x)
    assert lowered.captured[0] is m.w
    assert_same(lowered(m, x), np.maximum(x @ m.w, 0))


class Counting:
    """Records every attribute read but `__dict__` / `__class__`."""

    reads: list = []

    def __init__(self):
        self.w = np.arange(3.0)

    def __getattribute__(self, name):
        if name not in ("__dict__", "__class__"):
            Counting.reads.append(name)
        return object.__getattribute__(self, name)


def reads_weights(model, x):
    return x * model.w


def test_captured_arrays_are_not_searched_for_on_each_call(binds):
    f = autograph.convert(reads_weights, backend="python")
    model = Counting()
    Counting.reads.clear()
    x = np.ones(3)
    assert_same(f(model, x), x * model.w)
    Counting.reads.clear()
    for _ in range(5):
        assert_same(f(model, x), np.arange(3.0))
    assert Counting.reads == [] and len(binds) == 1


SHARED = np.ones(3)


def test_an_array_bound_in_two_places_is_held_as_traced():
    shared = SHARED

    def f(x):
        return x + shared + SHARED

    g = autograph.convert(f, backend="python")
    assert_same(g(np.zeros(3)), np.full(3, 2.0))
    shared[:] = 2.0  # in place: seen
    assert_same(g(np.zeros(3)), np.full(3, 4.0))
    site = g._cache[next(iter(g._cache))].trace.sites[0]
    assert site.kind == "held"
    shared[:] = 1.0


@autograph.convert(backend="python")
def doubler(w):
    return w * 2


def calls_doubler(x):
    (doubled_g,) = map(doubler, [G])  # called by `map`, not by converted code
    return doubled_g + x


def test_a_call_while_tracing_is_inlined_even_when_a_guard_fits(monkeypatch):
    assert_same(doubler(G), G * 2)  # doubler's guard for f64[3] now exists
    runs = []
    original = api._Interpreted.__call__
    monkeypatch.setattr(api._Interpreted, "__call__",
                        lambda self, *flat: runs.append(self.graph.name) or original(self, *flat))
    assert_same(doubler(G), G * 2)
    assert runs == ["doubler"]  # the guard ran the program
    f = autograph.convert(calls_doubler, backend="python")
    x = np.arange(3.0)
    assert_same(f(x), G * 2 + x)
    assert runs == ["doubler", "calls_doubler"]  # doubler ran as Python inside the trace


# ---- threads ------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_sixteen_threads_racing_on_a_new_signature_trace_it_once(backend):
    traced = []

    def fn(x, y):
        traced.append(x.shape)  # a Python side effect: runs once per trace
        return np.tanh(x) * y + 1

    f = autograph.convert(fn, backend=backend)
    old = np.linspace(-1.0, 1.0, 7)
    new = np.linspace(-1.0, 2.0, 9)
    np.testing.assert_allclose(f(old, 0.5), np.tanh(old) * 0.5 + 1, rtol=1e-12)
    start = threading.Barrier(16)
    results, errors = [None] * 16, []

    def call(i):
        try:
            start.wait()
            x = new if i % 2 else old
            results[i] = [f(x, 0.5) for _ in range(20)]
        except BaseException as error:  # noqa: BLE001 - re-raised below
            errors.append(error)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert traced == [(7,), (9,)]
    for i, outs in enumerate(results):
        x = new if i % 2 else old
        for out in outs:
            np.testing.assert_allclose(out, np.tanh(x) * 0.5 + 1, rtol=1e-12)


def double_plus_one(n):
    return n * 2 + 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_python_int_beyond_int64_is_a_clear_error_not_an_overflow(backend):
    from autograph.errors import StagingError

    f = autograph.convert(double_plus_one, backend=backend)
    assert f(5) == 11 and f(5) == 11  # the second call is served by the strict guard
    with pytest.raises(StagingError, match="does not fit in int64"):
        f(2 ** 63 + 5)
    with np.errstate(over="ignore"):  # int64 wraps around, in NumPy and in the program
        assert f(-(2 ** 63)) == double_plus_one(np.int64(-(2 ** 63)))  # the edge still fits
    assert f(7) == 15
