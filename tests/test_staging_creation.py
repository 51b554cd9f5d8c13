"""np.zeros / ones / full / empty / arange / eye / identity / *_like with plain Python
arguments, called while tracing, are graph nodes (FULL / ARANGE / EYE), not captured inputs.

Differential tests compare every form against NumPy (values, dtypes, types); graph tests
check that no `capture` input is left and the creation node is there; the rest checks what
stays with NumPy (outside tracing, options we do not model, tensor arguments).
"""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.runtime.conversion import to_function
from autograph.ir.ops import Op
from autograph.staging import creation
from tests.backends import BACKENDS, check, convert

X4 = np.array([1.0, -2.0, 3.5, 0.25], np.float32)

# ---- differential: each function and dtype form, against NumPy -----------------------------


def zeros_tuple(x):
    return np.zeros((4,), np.float32) + x


def zeros_int_shape(x):
    return np.zeros(4) + x


def zeros_kw_dtype(x):
    return np.zeros(shape=(2, 4), dtype=np.int32) + x


def zeros_str_dtype(x):
    return np.zeros([3, 4], "f4") * x


def zeros_0d(x):
    return np.zeros(()) + x[0]


def ones_default(x):
    return np.ones((2, 4)) * x


def ones_int(x):
    return np.ones(4, int), x


def ones_bool(x):
    return np.ones(3, dtype=bool)


def full_int(x):
    return np.full((2,), 3)


def full_float32(x):
    return np.full((2,), 3.0, np.float32) + x[:2]


def full_bool(x):
    return np.full(3, True)


def full_numpy_scalar(x):
    return np.full((2, 2), np.float32(1.5))


def full_complex(x):
    return np.full(2, 1 + 2j)


def full_unsafe_cast(x):
    return np.full(3, 2.7, dtype=np.int64), np.full(2, -1.5, np.float32)


def empty_as_zeros(x):
    e = np.empty((4,), np.float32)
    e[:] = x
    return e


def arange_int(x):
    return np.arange(5)


def arange_float(x):
    return np.arange(0.5, 3)


def arange_step(x):
    return np.arange(10, 0, -3), np.arange(0.0, 1.0, 0.25)


def arange_dtype(x):
    return np.arange(4, dtype=np.float32) * x, np.arange(1, 7, 2, np.int32)


def arange_numpy_scalars(x):
    return np.arange(np.float32(0.5), 3), np.arange(np.int32(2), np.int32(6))


def arange_empty(x):
    return np.arange(3, 1)


def arange_keywords(x):
    return np.arange(start=1, stop=5)


def eye_square(x):
    return np.eye(4) @ x


def eye_rect(x):
    return np.eye(3, 5, 1, int), np.eye(4, 2, k=-1, dtype=np.float32)


def identity_forms(x):
    return np.identity(3), np.identity(2, np.int8), np.identity(2, dtype=bool)


def likes_of_tensor(x):
    e = np.empty_like(x)  # contents unspecified (staged as zeros): compare what is set
    e[1:] = x[1:]
    return np.zeros_like(x), np.ones_like(x, dtype=int), np.full_like(x, 2.5), e[1:]


W = np.arange(6.0).reshape(2, 3)


def likes_of_array(x):
    e = np.empty_like(W, dtype=np.int64)
    e[:] = 2
    return (np.zeros_like(W) + x[0], np.ones_like(W, np.float32), np.full_like(W, 7, shape=(4,)),
            e)


def likes_of_lists(x):
    return np.zeros_like([1, 2, 3]), np.full_like([[1.0, 2.0]], 4)


CASES = [zeros_tuple, zeros_int_shape, zeros_kw_dtype, zeros_str_dtype, zeros_0d,
         ones_default, ones_int, ones_bool, full_int, full_float32, full_bool,
         full_numpy_scalar, full_complex, full_unsafe_cast, empty_as_zeros, arange_int,
         arange_float, arange_step, arange_dtype, arange_numpy_scalars, arange_empty,
         arange_keywords, eye_square, eye_rect, identity_forms, likes_of_tensor,
         likes_of_array, likes_of_lists]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_creation_matches_numpy(fn, backend):
    check(fn, X4, backend=backend)


# ---- the graph: a creation node, no captured input ---------------------------------------


def _graph(fn, *args, optimize=False):
    return autograph.convert(fn, backend="python", optimize=optimize).lower(*args).graph


def _ops(graph) -> set[Op]:
    return {node.op for node in graph.walk()}


def _assert_no_capture(graph) -> None:
    names = list(graph.input_names)
    assert not [n for n in names if n.startswith("capture")], str(graph)


@pytest.mark.parametrize("fn, op", [
    (zeros_tuple, Op.FULL), (ones_default, Op.FULL), (full_float32, Op.FULL),
    (empty_as_zeros, Op.FULL), (arange_float, Op.ARANGE), (arange_dtype, Op.ARANGE),
    (eye_square, Op.EYE), (identity_forms, Op.EYE), (likes_of_array, Op.FULL),
    (likes_of_tensor, Op.FULL),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_creation_is_a_graph_node_not_a_capture(fn, op):
    graph = _graph(fn, X4)
    _assert_no_capture(graph)
    assert op in _ops(graph), str(graph)


def loop_from_zeros(x, n):
    h = np.zeros((4,), np.float32)
    for i in range(n):
        h = h + x * i
    return h


@pytest.mark.parametrize("backend", BACKENDS)
def test_loop_carried_init_from_zeros(backend):
    for n in (0, 1, 5):
        check(loop_from_zeros, X4, n, backend=backend)
    graph = _graph(loop_from_zeros, X4, 3)
    assert graph.input_names == ["x", "n"], str(graph)
    assert str(graph).startswith("graph loop_from_zeros(x:f32[4], n:i64~[])")
    assert Op.FULL in _ops(graph) and Op.FOR in _ops(graph)


def big_zeros(x):
    return np.zeros((100,), np.float32) + x[0]


def test_optimised_graph_keeps_a_large_full_and_folds_a_small_one():
    big = _graph(big_zeros, X4, optimize=True)
    _assert_no_capture(big)
    assert Op.FULL in _ops(big), str(big)
    small = _graph(loop_from_zeros, X4, 3, optimize=True)
    _assert_no_capture(small)


def test_export_has_no_parameter_for_a_created_array(tmp_path):
    f = autograph.convert(loop_from_zeros, backend="python")
    folder = autograph.export(f, tmp_path / "model", X4, 3)
    with np.load(folder / "params.npz") as params:
        assert list(params.keys()) == []
    loaded = autograph.load(folder, backend="python")
    np.testing.assert_allclose(loaded(X4, 3), loop_from_zeros(X4, 3))


# ---- what stays with NumPy ---------------------------------------------------------------


def test_outside_tracing_converted_code_calls_numpy():
    out = to_function(arange_float)(X4)
    assert type(out) is np.ndarray and out.dtype == np.float64
    out = to_function(zeros_tuple)(X4)
    assert type(out) is np.ndarray and out.dtype == np.float32


def fortran_order(x):
    return np.zeros((2, 2), order="F") + x[0]


def test_options_we_do_not_model_stay_eager():
    graph = _graph(fortran_order, X4)
    assert any(n.startswith("capture") for n in graph.input_names), str(graph)
    check(fortran_order, X4)


def overflowing_fill(x):
    return np.full(2, 300, np.uint8)


def test_numpy_errors_stay_numpy_errors():
    with pytest.raises(OverflowError):
        autograph.convert(overflowing_fill, backend="python")(X4)


def zeros_of(x, n):
    return np.zeros(n) + x


def test_a_traced_shape_still_makes_the_argument_static():
    f = autograph.convert(zeros_of, backend="python")
    check(zeros_of, 1.0, 3)
    np.testing.assert_array_equal(f(1.0, 3), zeros_of(1.0, 3))
    assert "`n` made static" in f.explain()
    graph = f.lower(1.0, 3).graph
    _assert_no_capture(graph)


@pytest.mark.parametrize("call, args, kwargs", [
    (np.zeros, ((2, 2),), {"order": "F"}),
    (np.zeros, (-1,), {}),
    (np.zeros, (True,), {}),
    (np.zeros, (3,), {"dtype": object}),
    (np.full, (2, [1, 2]), {}),
    (np.full, (2, 2 ** 70), {}),
    (np.full, (2, "a"), {}),
    (np.arange, (0, 10, 0), {}),
    (np.arange, (float("inf"),), {}),
    (np.arange, (5,), {"dtype": bool}),
    (np.eye, (-1,), {}),
    (np.zeros_like, (np.ma.masked_array([1, 2]),), {}),
    (np.zeros_like, (np.ones((3, 2)).T,), {}),  # F-ordered template, order='K'
    (np.ones, (3,), {"like": np.ones(1)}),
])
def test_plan_leaves_unmodelled_calls_to_numpy(call, args, kwargs):
    assert creation.plan(call, args, kwargs) is None


@pytest.mark.parametrize("call, args, kwargs, op, attrs", [
    (np.zeros, (3,), {}, Op.FULL, {"shape": (3,), "dtype": np.dtype(np.float64), "value": 0.0}),
    (np.full, ((2,), 3), {}, Op.FULL, {"shape": (2,), "dtype": np.dtype(np.int64), "value": 3}),
    (np.full, (2, 2.7, np.int8), {}, Op.FULL, {"shape": (2,), "dtype": np.dtype(np.int8),
                                                "value": 2}),
    (np.arange, (5,), {}, Op.ARANGE, {"start": 0, "stop": 5, "step": 1,
                                      "dtype": np.dtype(np.int64)}),
    (np.arange, (0.5, 3), {}, Op.ARANGE, {"start": 0.5, "stop": 3, "step": 1,
                                          "dtype": np.dtype(np.float64)}),
    (np.identity, (2,), {}, Op.EYE, {"n": 2, "m": None, "k": 0, "dtype": np.dtype(float)}),
])
def test_plan_attributes(call, args, kwargs, op, attrs):
    planned = creation.plan(call, args, kwargs)
    assert planned == (op, attrs)
    assert type(planned[1].get("value", 0)) is type(attrs.get("value", 0))


def test_every_planned_function_is_routed():
    # np.random.*, np.array of tensors, np.full with a traced fill: routed calls (CALLS)
    assert creation.FUNCTIONS == set(creation.PLANS) | set(creation.CALLS)
    from autograph.operators import creation as routed
    assert routed.FUNCTIONS is creation.FUNCTIONS


@pytest.mark.parametrize("backend", BACKENDS)
def test_created_arrays_inside_staged_branches(backend):
    def branchy(x):
        if x[0] > 0:
            y = np.ones(4, np.float32)
        else:
            y = np.arange(4, dtype=np.float32)
        return y * x

    check(branchy, X4, backend=backend)
    check(branchy, -X4, backend=backend)
    _assert_no_capture(convert(branchy, backend).lower(X4).graph)
