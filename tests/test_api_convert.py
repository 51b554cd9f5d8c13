"""`autograph.convert`: decorator forms, the signature cache and retracing, captured arrays,
containers, methods, `lower` and `explain`, backends, threads."""

from __future__ import annotations

import collections
import threading
import warnings

import numpy as np
import pytest

import autograph
from autograph.runtime.api import ConvertedFunction, RetraceWarning
from autograph.errors import AutographError
from backends import BACKENDS, assert_same, check

X3 = np.arange(3, dtype=np.float32)
X4 = np.arange(4, dtype=np.float32)


def test_decorator_forms():
    @autograph.convert
    def a(x):
        return x + 1

    @autograph.convert(backend="python")
    def b(x):
        return x + 2

    def c(x):
        return x + 3

    assert isinstance(a, ConvertedFunction) and a.__name__ == "a"
    assert_same(b(X3), X3 + 2)
    assert_same(autograph.convert(c, backend="python")(X3), X3 + 3)
    assert b.python_function is b.__ag_python_function__
    assert_same(b.python_function(X3), X3 + 2)  # the converted function, run as Python


def test_unknown_backend_and_static_name_are_rejected():
    with pytest.raises(AutographError, match="unknown backend"):
        autograph.convert(lambda x: x, backend="tpu")
    with pytest.raises(AutographError, match="not parameters"):
        autograph.convert(lambda x: x, static_argnames=("y",))


def scaled(x, s):
    return x * s


def test_signature_cache_no_retrace_for_a_repeated_signature():
    f = autograph.convert(scaled, backend="python")
    for s in (1.0, 2.0, 3.5):
        assert_same(f(X3, s), X3 * s)
    assert_same(f(X3 + 1, 2.0), (X3 + 1) * 2.0)
    assert "1 trace(s)" in f.explain(), f.explain()
    assert_same(f(X4, 2.0), X4 * 2.0)  # new shape: a new trace
    assert_same(f(X3.astype(np.float64), 2), X3.astype(np.float64) * 2)  # new dtypes
    text = f.explain()
    assert "3 trace(s)" in text and "first call" in text and "new x" in text
    assert "x: f32[4], s: float (weak)" in text


def test_fast_path_for_positional_arrays():
    f = autograph.convert(lambda a, b: a * b + 1, backend="python")
    for _ in range(3):
        assert_same(f(X3, X3), X3 * X3 + 1)
    assert_same(f(X4, X4), X4 * X4 + 1)
    assert_same(f(X3.astype(np.int32), X3.astype(np.int32)),
                X3.astype(np.int32) * X3.astype(np.int32) + 1)
    assert_same(f(a=X3, b=X3), X3 * X3 + 1)
    assert len(f._fast) == 3


def test_retrace_warning_after_many_traces():
    f = autograph.convert(lambda x: x + 1, backend="python", max_traces=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(1, 8):
            f(np.zeros(n))
    messages = [str(w.message) for w in caught if issubclass(w.category, RetraceWarning)]
    assert messages and "traced 6 times" in messages[0] and "new x" in messages[0]


def zeros_of(x, n):
    out = np.zeros(n)
    return out + x


def test_scalar_argument_needed_as_a_shape_is_made_static():
    f = autograph.convert(zeros_of, backend="python")
    assert_same(f(1.0, 3), zeros_of(1.0, 3))
    assert_same(f(2.0, 3), zeros_of(2.0, 3))
    assert_same(f(2.0, 4), zeros_of(2.0, 4))
    text = f.explain()
    assert "`n` made static" in text and "np.zeros(n)" in text and "line" in text
    assert "n: 3 (static)" in text and "n: 4 (static)" in text
    assert "2 trace(s)" in text  # two traces: n=3 and n=4, no retrace for a new x


def recursive(x, n):
    if n == 0:
        return x
    return recursive(x * 2, n - 1) + 1


def test_recursion_on_a_scalar_argument_makes_it_static():
    f = autograph.convert(recursive, backend="python")
    assert_same(f(X3, 3), recursive(X3, 3))
    assert "`n` made static" in f.explain()


def test_static_argnames_and_static_kinds():
    def g(x, mode, scale=2.0, flag=True, shape=(3,)):
        y = x * scale if mode == "double" else x
        if flag:
            y = y + np.zeros(shape)
        return y

    f = autograph.convert(g, backend="python", static_argnames=("scale",))
    for args in [(X3, "double"), (X3, "plain"), (X3, "double", 3.0), (X3, "x", 1.0, False)]:
        check(g, *args)
        assert_same(f(*args), g(*args))
    assert "mode: 'double' (static)" in f.explain() and "scale: 3.0 (static)" in f.explain()


Pair = collections.namedtuple("Pair", "a b")


def containers(p, d, xs):
    total = d["w"] * p.a + p.b
    return {"out": total, "parts": [xs[0] * 2, xs[1]], "pair": Pair(p.b, p.a), "n": 3}


@pytest.mark.parametrize("backend", BACKENDS)
def test_containers_as_arguments_and_results(backend):
    p = Pair(X3, X3 + 1)
    d = {"w": np.float32(2.0)}
    check(containers, p, d, [X4, X4 * 3], backend=backend)


def outputs(x, n):
    return x.sum(), n * 2, n / 2, x[0] > 0, None, "label", x, x[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_output_types(backend):
    # weak outputs come back as Python scalars, 0-d outputs as NumPy scalars
    check(outputs, X3, 3, backend=backend)
    check(outputs, X3.astype(np.int32), 5, backend=backend)


W = np.ones((3, 2), np.float32)


def uses_global(x):
    return x @ W


def test_captured_arrays_are_read_at_call_time():
    f = autograph.convert(uses_global, backend="python")
    assert_same(f(X3), X3 @ W)
    W[:] = 2.0
    try:
        assert_same(f(X3), X3 @ W)
        assert "1 trace" in f.explain()
    finally:
        W[:] = 1.0


def test_closures_and_lambdas():
    bias = np.array([1.0, -1.0, 0.5], np.float32)

    def make(k):
        def inner(x):
            return x * k + bias
        return inner

    check(make(3.0), X3)
    check(lambda x: np.tanh(x) + bias, X3)
    f = autograph.convert(lambda x: x + bias, backend="python")
    bias *= 2
    assert_same(f(X3), X3 + bias)


class Model:
    def __init__(self):
        self.w = np.full((3, 2), 0.5, np.float32)

    @autograph.convert(backend="python")
    def forward(self, x):
        return np.maximum(x @ self.w, 0)


def test_methods_bind_self_and_capture_attributes():
    m = Model()
    assert_same(m.forward(X3), np.maximum(X3 @ m.w, 0))
    m.w *= -1  # in-place update: seen by the compiled function
    assert_same(m.forward(X3), np.maximum(X3 @ m.w, 0))
    other = Model()
    assert_same(other.forward(X3), np.maximum(X3 @ other.w, 0))
    assert m.forward.lower(X3).graph.name == "forward"


@autograph.convert(backend="python")
def helper(x):
    return x * 3


def calls_converted(x):
    return helper(x) + helper(x + 1)


def test_converted_functions_inline_into_the_caller():
    f = autograph.convert(calls_converted, backend="python")
    assert_same(f(X3), X3 * 3 + (X3 + 1) * 3)
    assert helper.explain().endswith("not traced yet")  # inlined, not called as compiled
    assert len(f.lower(X3).traced_graph.inputs) == 1


def test_lower_gives_graph_source_and_a_callable():
    f = autograph.convert(scaled, backend="python")
    lowered = f.lower(X3, 2.0)
    text = str(lowered.graph)
    assert text.startswith("graph scaled(x:f32[3], s:f64~[])") and "mul" in text
    assert "mul" in lowered.source
    assert_same(lowered(X3, 4.0), X3 * 4.0)
    assert f.lower(X3, 5.0) is not None and "1 trace" in f.explain()


@pytest.mark.skipif("cpu" not in BACKENDS, reason="the Numba backend is not available")
def test_cpu_lower_source_is_the_generated_program():
    f = autograph.convert(scaled)
    source = f.lower(X3, 2.0).source
    assert "numba" in source and "def scaled" in source
    assert_same(f(X3, 2.0), X3 * 2.0)


def test_optimize_flag_changes_the_graph_not_the_result():
    def g(x):
        return x * 1 + 0 + (x - x)

    plain = autograph.convert(g, backend="python", optimize=False)
    opt = autograph.convert(g, backend="python")
    assert_same(plain(X3), g(X3))
    assert_same(opt(X3), g(X3))
    assert len(list(opt.lower(X3).graph.walk())) < len(list(plain.lower(X3).graph.walk()))


def test_threads_trace_a_signature_once():
    f = autograph.convert(lambda x: np.sin(x) * 2, backend="python")
    barrier = threading.Barrier(4)
    results = []

    def worker():
        barrier.wait()
        results.append(f(X4))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    for r in results:
        assert_same(r, np.sin(X4) * 2)
    assert "1 trace" in f.explain()


def python_only(x, n):
    return n * 2, x.shape, len(x)


def test_unused_arguments_and_python_results():
    check(python_only, X3, 4)
    check(lambda x, unused: x, X3, X4)


def grid_of(h, w):
    return np.zeros((h, w)) + 1.0


def test_explain_keeps_every_argument_made_static():
    f = autograph.convert(grid_of, backend="python")
    assert_same(f(2, 3), grid_of(2, 3))
    text = f.explain()
    assert "`h` made static" in text and "`w` made static" in text, text


WEIGHTS = np.arange(6, dtype=np.float32).reshape(3, 2)


def uses_a_global_weight(x):
    return x @ WEIGHTS


class _Layer:
    def __init__(self):
        self.w = np.ones((2, 2), np.float32)


def uses_an_attribute(layer, x):
    return x @ layer.w


def uses_an_attribute_named_like_a_parameter(layer, layer_w):
    return layer_w @ layer.w


def test_captured_arrays_are_named_where_the_code_reads_them():
    x = np.ones((1, 3), np.float32)
    graph = autograph.convert(uses_a_global_weight).lower(x).graph
    assert graph.input_names == ["x", "WEIGHTS"]
    assert "matmul x WEIGHTS" in str(graph)
    layer = _Layer()
    clash = autograph.convert(uses_an_attribute_named_like_a_parameter,
                              static_argnames="layer").lower(layer, layer.w).graph
    assert clash.input_names == ["layer_w", "layer_w_1"]  # unique, still readable
    f = autograph.convert(uses_an_attribute, static_argnames="layer")
    assert f.lower(layer, np.ones((1, 2), np.float32)).graph.input_names == ["x", "layer_w"]
    np.testing.assert_array_equal(f(layer, np.ones((1, 2), np.float32)), [[2.0, 2.0]])
