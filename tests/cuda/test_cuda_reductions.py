"""Reductions on the CUDA backend: every reduction op, axes and keepdims, NumPy's result
dtypes, and each kernel style (a thread per output, a block per output, partial blocks
and a second pass)."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.codegen.cuda import reduction_kernels as rk, runtime as cuda_runtime
from autograph.ir import Builder, Op, TensorType
from cuda_support import sample

FOLDS = [Op.SUM, Op.PROD, Op.MEAN, Op.MAX, Op.MIN, Op.ANY, Op.ALL]
TARGET = cuda_runtime.SIMULATOR_TARGET


def _reduce_graph(op, dtype, shape, axes, keepdims=False):
    b = Builder(f"{op}")
    x = b.add_input(TensorType(shape, dtype), "x")
    if op in (Op.ARGMAX, Op.ARGMIN):
        y = b.emit(op, [x], axis=axes, keepdims=keepdims)
    else:
        y = b.emit(op, [x], axes=axes, keepdims=keepdims)
    return b.finish([y])


def _values(rng, op, dtype, shape):
    x = sample(rng, dtype, shape)
    if op is Op.PROD and np.dtype(dtype).kind == "f":
        x = (1 + x / 40).astype(dtype)  # long float products stay finite
    return x


@pytest.mark.parametrize("op", FOLDS + [Op.ARGMAX, Op.ARGMIN], ids=str)
@pytest.mark.parametrize("dtype", ["f4", "f8", "i4", "i8", "b1", "f2", "u1"])
def test_reduction_over_every_axis_choice(op, dtype, check_graph):
    rng = np.random.default_rng(5)
    shape = (3, 4, 5)
    x = _values(rng, op, dtype, shape)
    if op in (Op.ARGMAX, Op.ARGMIN):
        choices = [None, 0, 2]
    else:
        choices = [(), (0,), (1,), (2,), (0, 2), (0, 1, 2)]
    for axes in choices:
        for keepdims in (False, True):
            check_graph(_reduce_graph(op, dtype, shape, axes, keepdims), x)


@pytest.mark.parametrize("shape,axes,style", [
    ((5, 3), (1,), "serial"),          # tiny extent: one thread per output
    ((25, 4), (0,), "block"),          # 25 values, few outputs: one block each
    ((200,), (0,), "split"),           # one output, many values: partials + second pass
    ((3, 600), (1,), "split"),
    ((20, 2100), (0,), "serial"),       # many outputs, innermost axis kept: coalesced
])
@pytest.mark.parametrize("op", [Op.SUM, Op.MEAN, Op.MAX, Op.ALL, Op.ARGMIN], ids=str)
def test_kernel_styles(shape, axes, style, op, check_graph):
    plan = rk.plan_reduction(shape, axes, TARGET.block, TARGET.partials)
    assert plan.style == style
    rng = np.random.default_rng(6)
    dtype = "b1" if op is Op.ALL else "f4"
    x = sample(rng, dtype, shape)
    if op is Op.ALL:
        x = np.ones(shape, bool)
        x.flat[len(x.flat) // 2] = False
    axis = axes[0] if op is Op.ARGMIN else axes
    check_graph(_reduce_graph(op, dtype, shape, axis), x)


def test_nan_propagates_and_argmax_finds_the_first_nan(check_graph):
    x = np.array([[1.0, np.nan, 3.0, np.nan], [2.0, 5.0, 5.0, -1.0]] * 20, np.float32)
    for op in (Op.MAX, Op.MIN):
        check_graph(_reduce_graph(op, "f4", x.shape, (1,)), x)
        check_graph(_reduce_graph(op, "f4", x.shape, (0, 1)), x)
    for op in (Op.ARGMAX, Op.ARGMIN):
        check_graph(_reduce_graph(op, "f4", x.shape, 1), x)
        check_graph(_reduce_graph(op, "f4", x.shape, None), x)


def test_ties_give_the_first_index(check_graph):
    x = np.zeros((3, 50), np.int32)
    x[:, [7, 30]] = 4
    check_graph(_reduce_graph(Op.ARGMAX, "i4", x.shape, 1), x)
    check_graph(_reduce_graph(Op.ARGMIN, "i4", x.shape, None), -x)


def test_integer_sums_accumulate_in_numpy_dtype(check_graph):
    x = np.full((300,), 2 ** 30, np.int32)  # int32 sum is int64 in NumPy: no overflow
    got = check_graph(_reduce_graph(Op.SUM, "i4", x.shape, (0,)), x)
    assert got[0] == 300 * 2 ** 30
