"""Elementwise ops on the CUDA backend against the interpreter: every op, many dtypes,
broadcasting, weak Python scalars, 0-d and empty arrays, fused groups."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.ir import Builder, Op, TensorType, ops
from cuda_support import (BINARY_PAIRS, DTYPES, binary_graph, binary_inputs, sample,
                          unary_graph)


@pytest.mark.parametrize("op", sorted(ops.UNARY - {Op.CAST}, key=str), ids=str)
def test_unary_op_matches_numpy(op, check_graph):
    rng = np.random.default_rng(1)
    checked = 0
    for dtype in DTYPES:
        graph = unary_graph(op, dtype)
        if graph is None:
            continue
        check_graph(graph, sample(rng, dtype, (3, 2), op))
        checked += 1
    assert checked, f"{op} ran on no dtype"


@pytest.mark.parametrize("op", sorted(ops.BINARY, key=str), ids=str)
def test_binary_op_matches_numpy(op, check_graph):
    rng = np.random.default_rng(2)
    checked = 0
    for left, right in BINARY_PAIRS:
        made = binary_graph(op, left, right)
        if made is None:
            continue
        graph, dtypes = made
        check_graph(graph, *binary_inputs(rng, op, dtypes))
        checked += 1
    assert checked, f"{op} ran on no dtype pair"


@pytest.mark.parametrize("dtype", ["f4", "f8", "i4", "i8", "b1", "f2", "u1"])
@pytest.mark.parametrize("target_dtype", ["f4", "f8", "i4", "u8", "b1", "f2", "i1"])
def test_cast(dtype, target_dtype, check_graph):
    rng = np.random.default_rng(3)
    b = Builder("cast")
    x = b.add_input(TensorType((5,), dtype), "x")
    graph = b.finish([b.emit(Op.CAST, [x], dtype=np.dtype(target_dtype))])
    values = sample(rng, dtype, (5,))
    if np.dtype(dtype).kind == "f" and np.dtype(target_dtype).kind == "u":
        values = np.abs(values)  # negative float -> unsigned is undefined in C and NumPy
    check_graph(graph, values)


def test_where_with_broadcast_and_weak_scalar(check_graph):
    b = Builder("where")
    c = b.add_input(TensorType((2, 3), np.bool_), "c")
    x = b.add_input(TensorType((3,), np.float32), "x")
    graph = b.finish([b.emit(Op.WHERE, [c, x, b.emit(Op.CONSTANT, [], value=-1.5)])])
    check_graph(graph, np.array([[True, False, True], [False, False, True]]),
                np.arange(3, dtype=np.float32))


def test_fused_chain_is_one_kernel_and_matches(check_graph, compile_cuda):
    # W2: np.tanh(x * 0.5 + y) * np.exp(-x * x) + 1.0
    b = Builder("w2")
    x = b.add_input(TensorType((7, 5), np.float32), "x")
    y = b.add_input(TensorType((5,), np.float32), "y")
    half, one = b.emit(Op.CONSTANT, [], value=0.5), b.emit(Op.CONSTANT, [], value=1.0)
    t = b.emit(Op.TANH, [b.emit(Op.ADD, [b.emit(Op.MUL, [x, half]), y])])
    e = b.emit(Op.EXP, [b.emit(Op.NEG, [b.emit(Op.MUL, [x, x])])])
    graph = b.finish([b.emit(Op.ADD, [b.emit(Op.MUL, [t, e]), one])])
    rng = np.random.default_rng(4)
    args = (rng.standard_normal((7, 5)).astype(np.float32),
            rng.standard_normal(5).astype(np.float32))
    check_graph(graph, *args)
    assert len(compile_cuda(graph).kernels) == 1
    check_graph(graph, *args, fuse=False)
    assert len(compile_cuda(graph, fuse=False).kernels) == 8


def test_shared_intermediate_is_computed_once_and_reused(check_graph, compile_cuda):
    b = Builder("shared")
    x = b.add_input(TensorType((4,), np.float64), "x")
    s = b.emit(Op.SQUARE, [x])
    graph = b.finish([b.emit(Op.ADD, [s, b.emit(Op.SIN, [s])]), s])
    check_graph(graph, np.linspace(0, 1, 4))
    program = compile_cuda(graph)
    assert len(program.kernels) == 1  # one kernel storing both results
    assert program.source.count("e0 = np.float64(x0 * x0)") == 1


def test_runs_of_same_shape_trees_share_a_kernel(check_graph, compile_cuda):
    b = Builder("run")
    x = b.add_input(TensorType((3, 4), np.float32), "x")
    y = b.add_input(TensorType((3, 4), np.float32), "y")
    xx, yy = b.emit(Op.MUL, [x, x]), b.emit(Op.MUL, [y, y])   # each used twice
    r2 = b.emit(Op.ADD, [xx, yy])
    inside = b.emit(Op.LE, [r2, b.emit(Op.CONSTANT, [], value=1.0)])
    d = b.emit(Op.SUB, [xx, yy])
    total = b.emit(Op.SUM, [d], axes=(1,))                       # ends the run
    graph = b.finish([inside, r2, total, b.emit(Op.NEG, [total])])
    rng = np.random.default_rng(14)
    check_graph(graph, *(rng.standard_normal((3, 4)).astype(np.float32) for _ in range(2)))
    assert len(compile_cuda(graph).kernels) == 3


def test_zero_d_and_weak_values(check_graph):
    b = Builder("scalars")
    x = b.add_input(TensorType((), np.float32), "x")
    n = b.add_input(TensorType((), np.int64, weak=True), "n")
    y = b.emit(Op.MUL, [x, n])
    z = b.emit(Op.ADD, [n, b.emit(Op.CONSTANT, [], value=2)])
    got = check_graph(b.finish([y, z]), np.float32(1.5), 3)
    assert isinstance(got[0], np.float32) and isinstance(got[1], np.int64)


def test_empty_arrays(check_graph):
    b = Builder("empty")
    x = b.add_input(TensorType((0, 3), np.float32), "x")
    graph = b.finish([b.emit(Op.EXP, [x]), b.emit(Op.SUM, [x], axes=(0,))])
    check_graph(graph, np.zeros((0, 3), np.float32))


def test_strong_zero_d_constant_keeps_its_dtype(check_graph):
    b = Builder("strong")
    x = b.add_input(TensorType((3,), np.float32), "x")
    c = b.emit(Op.CONSTANT, [], value=np.float64(0.1))  # strong: promotes to float64
    check_graph(b.finish([b.emit(Op.ADD, [x, c])]), np.ones(3, np.float32))


def test_special_float_values_where_the_simulator_allows(check_graph):
    values = np.array([0.0, -0.0, 1.5, -2.5, 2.5, np.inf, -np.inf, np.nan, 1e30, -3e-30],
                      np.float64)
    for op in (Op.FLOOR, Op.CEIL, Op.TRUNC, Op.RINT, Op.SIGN, Op.ISNAN, Op.ISINF,
               Op.ISFINITE, Op.ABS, Op.NEG):
        check_graph(unary_graph(op, np.float64, (10,)), values)
    b = Builder("nan_extrema")
    x = b.add_input(TensorType((10,), np.float64), "x")
    y = b.add_input(TensorType((10,), np.float64), "y")
    graph = b.finish([b.emit(Op.MAXIMUM, [x, y]), b.emit(Op.MINIMUM, [x, y])])
    check_graph(graph, values, values[::-1].copy())
