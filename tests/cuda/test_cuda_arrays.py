"""Matmul and dot, shape ops, creation, constants and indexing on the CUDA backend."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.ir import Builder, Op, TensorType
from cuda_support import sample


def _one(op, types, *, name=None, **attrs):
    b = Builder(name or str(op))
    xs = [b.add_input(TensorType(shape, dtype), f"x{k}") for k, (shape, dtype) in
          enumerate(types)]
    return b.finish([b.emit(op, xs, **attrs)])


MATMUL_SHAPES = [((5, 7), (7, 6)), ((9,), (9, 3)), ((4, 9), (9,)), ((6,), (6,)),
                 ((2, 3, 5, 4), (4, 2)), ((3, 1, 5, 4), (2, 4, 3)), ((5, 0), (0, 3))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("dtypes", [("f4", "f4"), ("f8", "i4"), ("i8", "i8"), ("b1", "b1")],
                         ids=str)
def test_matmul(shapes, dtypes, check_graph):
    rng = np.random.default_rng(7)
    graph = _one(Op.MATMUL, list(zip(shapes, dtypes)))
    check_graph(graph, *(sample(rng, d, s) for s, d in zip(shapes, dtypes)))


DOT_SHAPES = [((5, 7), (7, 6)), ((6,), (6,)), ((2, 3, 4), (4,)), ((2, 3, 4), (2, 4, 5)),
              ((4,), (3, 4, 2)), ((), (3, 2)), ((3,), ())]


@pytest.mark.parametrize("shapes", DOT_SHAPES, ids=str)
def test_dot(shapes, check_graph):
    rng = np.random.default_rng(8)
    graph = _one(Op.DOT, [(shapes[0], "f4"), (shapes[1], "f8")])
    check_graph(graph, *(sample(rng, "f4", shapes[0]), sample(rng, "f8", shapes[1])))
    graph = _one(Op.DOT, [(shapes[0], "i4"), (shapes[1], "i4")])
    check_graph(graph, *(sample(rng, "i4", s) for s in shapes))


def test_matmul_with_weak_dot_scalar(check_graph):
    b = Builder("dot_weak")
    x = b.add_input(TensorType((3,), np.float32), "x")
    graph = b.finish([b.emit(Op.DOT, [x, b.emit(Op.CONSTANT, [], value=2.5)])])
    check_graph(graph, np.arange(3, dtype=np.float32))


def test_shape_ops(check_graph):
    rng = np.random.default_rng(9)
    x = sample(rng, "f4", (2, 3, 4))
    check_graph(_one(Op.RESHAPE, [((2, 3, 4), "f4")], shape=(4, -1)), x)
    check_graph(_one(Op.RESHAPE, [((2, 3, 4), "f4")], shape=(24,)), x)
    check_graph(_one(Op.TRANSPOSE, [((2, 3, 4), "f4")], perm=(2, 0, 1)), x)
    check_graph(_one(Op.BROADCAST_TO, [((3, 1), "i4")], shape=(2, 3, 5)),
                sample(rng, "i4", (3, 1)))
    check_graph(_one(Op.BROADCAST_TO, [((), "b1")], shape=(4,)), np.bool_(True))
    check_graph(_one(Op.RESHAPE, [((), "f8")], shape=(1, 1)), np.float64(2.5))


def test_concatenate_promotes(check_graph):
    rng = np.random.default_rng(10)
    types = [((2, 3), "i4"), ((2, 1), "f4"), ((2, 2), "i1")]
    graph = _one(Op.CONCATENATE, types, axis=1)
    check_graph(graph, *(sample(rng, d, s) for s, d in types))
    graph = _one(Op.CONCATENATE, [((1, 3), "f8"), ((2, 3), "f8")], axis=-2)
    check_graph(graph, sample(rng, "f8", (1, 3)), sample(rng, "f8", (2, 3)))


def test_creation_ops(check_graph):
    for attrs in [dict(shape=(2, 3), value=1.5, dtype=np.float32),
                  dict(shape=(4,), value=7, dtype=np.int8),
                  dict(shape=(), value=True, dtype=np.bool_)]:
        check_graph(_one(Op.FULL, [], **attrs))
    for attrs in [dict(start=2, stop=11, step=3, dtype=None),
                  dict(start=5, stop=-3, step=-2, dtype=np.int32),
                  dict(start=0.5, stop=2.0, step=0.25, dtype=np.float32),
                  dict(start=0, stop=0, step=1, dtype=None)]:
        check_graph(_one(Op.ARANGE, [], **attrs))
    for attrs in [dict(n=3, m=None, k=0, dtype=None), dict(n=2, m=4, k=1, dtype=np.int32),
                  dict(n=4, m=3, k=-2, dtype=np.bool_)]:
        check_graph(_one(Op.EYE, [], **attrs))


def test_array_constants_small_and_large(check_graph, compile_cuda):
    rng = np.random.default_rng(11)
    small = rng.standard_normal((2, 3)).astype(np.float32)
    large = rng.integers(-9, 9, (10, 20)).astype(np.int16)
    b = Builder("consts")
    x = b.add_input(TensorType((10, 20), np.int16), "x")
    s = b.emit(Op.CONSTANT, [], value=small)
    graph = b.finish([b.emit(Op.ADD, [x, b.emit(Op.CONSTANT, [], value=large)]),
                      b.emit(Op.MUL, [s, s]), s])
    check_graph(graph, large)
    source = compile_cuda(graph).source
    assert "base64" in source and "np.array([" in source


INDEXES = [
    ((("int", 1),), []),
    ((("int", -1), ("slice", None, None, -2)), []),
    ((("slice", 1, None, None), ("newaxis",), ("int", 0)), []),
    ((("dyn", 0), ("slice", 3, 0, -1)), [("i8", -2)]),
    ((("slice", None, None, 2), ("dyn", 0)), [("i4", 3)]),
    ((("array", 0),), [("i8", [2, -1, 0, 2])]),
    ((("slice", None, None, None), ("array", 0), ("int", 1)), [("i4", [[0, 1], [2, 0]])]),
    ((("array", 0), ("slice", 1, 3, None), ("array", 1)), [("i8", [0, 2]), ("i8", [1])]),
]
X_SHAPE = (3, 4, 5)


@pytest.mark.parametrize("index,dynamic", INDEXES, ids=str)
def test_index(index, dynamic, check_graph):
    b = Builder("index")
    x = b.add_input(TensorType(X_SHAPE, np.float32), "x")
    operands, args = [], [np.arange(60, dtype=np.float32).reshape(X_SHAPE)]
    for k, (dtype, value) in enumerate(dynamic):
        value = np.asarray(value, dtype)
        operands.append(b.add_input(TensorType(value.shape, dtype), f"d{k}"))
        args.append(value)
    graph = b.finish([b.emit(Op.INDEX, [x] + operands, index=index)])
    check_graph(graph, *args)


@pytest.mark.parametrize("index,dynamic", INDEXES[:6], ids=str)
def test_set_index(index, dynamic, check_graph):
    b = Builder("set_index")
    x = b.add_input(TensorType(X_SHAPE, np.int32), "x")
    v = b.add_input(TensorType((), np.float64), "v")
    operands, args = [], [np.zeros(X_SHAPE, np.int32), np.float64(7.9)]
    for k, (dtype, value) in enumerate(dynamic):
        value = np.asarray(value, dtype)
        operands.append(b.add_input(TensorType(value.shape, dtype), f"d{k}"))
        args.append(value)
    graph = b.finish([b.emit(Op.SET_INDEX, [x, v] + operands, index=index), x])
    check_graph(graph, *args)


def test_set_index_broadcasts_the_value(check_graph):
    b = Builder("set_rows")
    x = b.add_input(TensorType((4, 3), np.float32), "x")
    v = b.add_input(TensorType((1, 1, 3), np.float32), "v")
    graph = b.finish([b.emit(Op.SET_INDEX, [x, v], index=(("slice", 1, 3, None),))])
    check_graph(graph, np.zeros((4, 3), np.float32),
                np.arange(3, dtype=np.float32).reshape(1, 1, 3))
