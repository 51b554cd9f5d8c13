"""Traces keyed by structure, not values (issue 17): lists and tuples of Python numbers are
traced as weak scalars and keyed by length and element type; objects passed as arguments
are keyed by class and attributes, their arrays read on every call; the trace cache is
bounded; explain() and the RetraceWarning say which value caused a retrace."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from tests.backends import BACKENDS

X = np.linspace(-1.0, 1.0, 8)


def _traces(f) -> int:
    return len(f._history)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_new_list_of_the_same_length_reuses_the_trace(backend):
    def poly(x, coeffs):
        out = np.zeros_like(x)
        for c in coeffs:
            out = out * x + c
        return out

    f = autograph.convert(poly, backend=backend)
    for coeffs in ([1.0, 2.0, 3.0], [0.5, -1.0, 4.0], (2.0, 0.0, 1.0)):
        got, want = f(X, coeffs), poly(X, coeffs)
        np.testing.assert_allclose(got, want, rtol=1e-12)
        assert got.dtype == want.dtype
    # one trace for the lists, one for the tuple (another structure)
    assert _traces(f) == 2
    f(X, [1.0, 2.0, 3.0, 4.0])  # another length: another trace
    assert _traces(f) == 3
    f(X, [1, 2, 3])  # ints, not floats: another element kind
    assert _traces(f) == 4
    np.testing.assert_array_equal(f(X, [1, 2, 3]), poly(X, [1, 2, 3]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_numpy_semantics_of_a_traced_list(backend):
    def g(x, values, i):
        a = np.array(values)
        return a * x[: len(values)], sum(values), values[i], len(values), values[0] // 2

    f = autograph.convert(g, backend=backend)
    for values in ([3, 4, 5], [7, -8, 9]):
        got, want = f(X, values, 1), g(X, values, 1)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b)
            assert type(a) is type(b) and np.asarray(a).dtype == np.asarray(b).dtype
    assert _traces(f) <= 2  # `i` may be made static (a list index needs a Python int)


def test_a_list_used_as_a_shape_becomes_static_once():
    def make(x, shape):
        return np.zeros(shape) + x.sum()

    f = autograph.convert(make, backend="python")
    assert f(np.ones(2), [2, 3]).shape == (2, 3)
    assert f(np.ones(2), [4, 1]).shape == (4, 1)
    text = f.explain()
    assert "`shape` made static" in text
    assert f(np.ones(2), [4, 1]).shape == (4, 1) and _traces(f) == 2


def test_a_static_list_is_keyed_by_content_not_identity():
    def pick(x, idx):
        return x[idx[0]] + x[idx[1]]

    f = autograph.convert(pick, backend="python", static_argnames="idx")
    idx = [1, 2]
    assert f(X, idx) == X[1] + X[2]
    idx[1] = 5  # changed in place: not the traced value
    assert f(X, idx) == X[1] + X[5]
    assert f(X, [1, 5]) == X[1] + X[5] and _traces(f) == 2


class Particles:
    def __init__(self, n, scale=2.0):
        self.pos = np.arange(n, dtype=np.float64)
        self.vel = np.ones(n)
        self.scale = scale

    @autograph.convert(backend="python")
    def energy(self):
        return np.sum(self.pos ** 2) * self.scale

    @autograph.convert(backend="cpu")
    def step(self, dt):
        return self.pos + dt * self.vel * self.scale


def test_a_new_object_of_the_same_class_reuses_the_trace():
    Particles.step._cache.clear()
    before = _traces(Particles.step)
    for n in (4, 4, 4):
        p = Particles(n)
        p.vel = np.full(n, float(np.random.default_rng(n).integers(1, 9)))
        np.testing.assert_allclose(p.step(0.5), p.pos + 0.5 * p.vel * p.scale)
    assert _traces(Particles.step) == before + 1
    q = Particles(5)  # another shape: another trace
    np.testing.assert_allclose(q.step(0.5), q.pos + 0.5 * q.vel * 2.0)
    assert _traces(Particles.step) == before + 2


def test_what_the_method_computes_from_its_object_is_never_frozen():
    p = Particles(3)
    assert p.energy() == np.sum(p.pos ** 2) * 2.0
    p.pos[:] = 7.0  # in place: read again on the next call
    assert p.energy() == 3 * 49.0 * 2.0
    p.scale = 3.0  # a setting the trace read: traced again, not the old value
    assert p.energy() == 3 * 49.0 * 3.0
    assert "what changed: self:" in Particles.energy.explain()


def test_an_object_whose_array_is_bound_elsewhere_is_keyed_by_identity():
    shared = np.ones(3)

    class Holder:
        def __init__(self, w):
            self.w = w

    def uses(h, x):
        return x * shared + h.w

    f = autograph.convert(uses, backend="python")
    a, b = Holder(shared), Holder(np.full(3, 5.0))
    np.testing.assert_array_equal(f(a, np.ones(3)), np.full(3, 2.0))
    np.testing.assert_array_equal(f(b, np.ones(3)), np.full(3, 6.0))
    assert "keyed by identity" in f.explain()


def test_rebinding_an_attribute_to_a_traced_value_is_an_error():
    class State:
        def __init__(self):
            self.x = np.zeros(3)

    def update(s, dx):
        s.x = s.x + dx
        return s.x

    with pytest.raises(AutographError, match=r"sets `s.x` to a traced value"):
        autograph.convert(update, backend="python")(State(), np.ones(3))


def test_the_cache_is_bounded_and_explain_says_so():
    f = autograph.convert(lambda x: x + 1, backend="python", cache_size=2, max_traces=0)
    for n in range(1, 6):
        f(np.zeros(n))
    assert len(f._cache) == 2
    text = f.explain()
    assert "5 trace(s)" in text and "3 least recently used" in text
    f(np.zeros(5))  # still cached: no trace
    assert _traces(f) == 5
    with pytest.raises(AutographError, match="cache_size"):
        autograph.convert(lambda x: x, cache_size=0)


def test_the_retrace_warning_and_explain_name_the_value():
    f = autograph.convert(lambda x, mode: x * len(mode), backend="python", max_traces=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for mode in ("a", "bb", "ccc", "dddd"):
            f(X, mode)
    messages = [str(w.message) for w in caught if w.category is autograph.RetraceWarning]
    assert len(messages) == 1 and "mode: 'bb' (static) -> 'ccc' (static)" in messages[0]
    assert "what changed: mode: 'a' (static) -> 'bb' (static)" in f.explain()


def test_a_long_list_is_one_trace_for_every_value():
    f = autograph.convert(lambda xs: sum(xs) * 2, backend="cpu")
    rng = np.random.default_rng(0)
    for _ in range(3):
        xs = [int(v) for v in rng.integers(0, 100, 200)]
        assert f(xs) == sum(xs) * 2
    assert _traces(f) == 1
