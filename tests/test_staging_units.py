"""Unit tests of staging's pieces: pytrees, type unification at joins, tensor attributes,
the trace object, origins."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import autograph
from autograph import staging
from autograph.ir import TensorType, run
from autograph.staging import pytrees, state, tracing
from autograph.staging.context import TraceContext
from autograph.staging.tensor import Tensor, lift

Point = collections.namedtuple("Point", "x y")


@pytest.mark.parametrize("tree", [
    1, (1, 2), [1, [2, 3]], {"a": 1, "b": (2, [3])}, Point(1, [2]), (), [], {},
    (np.ones(2), None, "s"),
])
def test_pytree_round_trip(tree):
    leaves, treedef = pytrees.flatten(tree)
    rebuilt = pytrees.unflatten(treedef, leaves)
    assert type(rebuilt) is type(tree)
    assert pytrees.flatten(rebuilt)[1] == treedef
    assert treedef.num_leaves == len(leaves)
    assert hash(treedef) == hash(pytrees.flatten(rebuilt)[1])


def test_pytree_paths_and_structure_equality():
    _, treedef = pytrees.flatten({"w": [1, 2], "p": Point(3, 4)})
    assert pytrees.paths(treedef, "v") == ["v['w'][0]", "v['w'][1]", "v['p'].x", "v['p'].y"]
    assert pytrees.flatten([1, 2])[1] != pytrees.flatten([1, 2, 3])[1]
    assert pytrees.flatten((1, 2))[1] != pytrees.flatten([1, 2])[1]


F32 = TensorType((3,), np.float32)
W_INT = TensorType.of_python(0)
W_FLOAT = TensorType.of_python(0.0)


@pytest.mark.parametrize("types, expected", [
    ([F32, F32], F32),
    ([W_INT, TensorType((), np.float32)], TensorType((), np.float32)),
    ([W_INT, W_FLOAT], W_FLOAT),
    ([W_FLOAT, TensorType((), np.int32)], None),  # int32 cannot hold the float
    ([F32, TensorType((3,), np.float64)], None),
    ([F32, TensorType((4,), np.float32)], None),
])
def test_unify(types, expected):
    assert state.unify(types) == expected


def test_tensor_static_attributes_and_operators():
    with TraceContext("t") as ctx:
        x = Tensor(ctx.builder.add_input(TensorType((2, 3), np.float32), "x"))
        assert (x.shape, x.ndim, x.size, x.dtype, len(x)) == ((2, 3), 2, 6, np.float32, 2)
        assert x.T.shape == (3, 2) and x.reshape(3, 2).shape == (3, 2)
        assert (x + 1).dtype == np.float32 and (x + np.float64(1)).dtype == np.float64
        assert (2 ** x).dtype == np.float32 and (x @ x.T).shape == (2, 2)
        assert staging.is_tensor(x) and not staging.is_tensor(np.ones(2))
        assert [row.shape for row in x] == [(3,), (3,)]
        n = lift(3)
        assert n.weak and n.dtype == np.int64
        with pytest.raises(TypeError):
            len(n)
        assert repr(x) == "<Tensor f32[2,3]>"
    assert not staging.is_tracing()


def test_trace_object_flattens_arguments_and_rebuilds_results():
    def f(pair, n, mode):
        a, b = pair
        return {"sum": a + b * n, "mode": mode, "n": n}

    trace = staging.trace(f, ((np.ones(2), np.zeros(2)), 3, "fast"), {})
    assert trace.static_args == {"mode": "fast"}
    assert trace.graph.input_names == ["pair_0", "pair_1", "n"]
    bound = tracing.bind(__import__("inspect").signature(f), ((np.ones(2), np.ones(2)), 4, "x"), {})
    flat = trace.flat_inputs(bound)
    result = trace.build_outputs(run(trace.graph, *flat))
    assert result["mode"] == "fast"  # static: as traced
    np.testing.assert_array_equal(result["sum"], np.full(2, 5.0))
    assert result["n"] == 4 and type(result["n"]) is int


def test_signature_keys():
    sig = __import__("inspect").signature(lambda x, n, flag=True: None)
    key = lambda *a: tracing.signature_key(tracing.bind(sig, a, {}), set())  # noqa: E731
    assert key(np.ones(3), 1) == key(np.zeros(3), 7)
    assert key(np.ones(3), 1) != key(np.ones(4), 1)
    assert key(np.ones(3), 1) != key(np.ones(3), 1.0)
    assert key(np.ones(3), 1, True) != key(np.ones(3), 1, False)
    assert key(np.ones(3, np.float32), 1) != key(np.ones(3), 1)


def test_origins_point_at_the_user_line():
    def f(x):
        y = x * 2
        return np.tanh(y)

    graph = autograph.convert(f, backend="python", optimize=False).lower(np.ones(2)).graph
    lines = {node.op.name: node.origin.lineno for node in graph.walk()}
    first = f.__code__.co_firstlineno
    assert lines["MUL"] == first + 1 and lines["TANH"] == first + 2
    assert all(node.origin.function_name == "f" for node in graph.walk())


def test_needs_static_argument_names_the_argument():
    error = staging.NeedsStaticArgument({"n"}, "an integer is needed at line 3: `np.zeros(n)`")
    assert isinstance(error, autograph.StagingError)
    assert error.arg_name == "n" and error.arg_names == ("n",)
    assert "`n` must be static" in str(error)
