"""Graphs, inputs and comparisons shared by the CUDA backend's tests.

The simulator suite (`tests/cuda/`, its own process with NUMBA_ENABLE_CUDASIM=1) runs these
graphs against the reference interpreter; `test_codegen_cuda_ptx.py` compiles the same
graphs' kernels to PTX for a real device, without one. Inputs stay inside every op's
domain (no log of 0, no integer power with a negative exponent): the simulator runs
kernels as Python, whose `math` raises where a device returns inf or nan.
"""

from __future__ import annotations

import numpy as np

from autograph.errors import StagingError
from autograph.ir import Builder, Op, TensorType, ops

DTYPES = [np.dtype(n) for n in ("f4", "f8", "i4", "i8", "b1", "f2", "u1", "i1", "u8")]
# Binary dtype pairs: same types, promotions, float16 with float64, signed with unsigned,
# uint64 with int64 (NumPy 2's exact mixed comparisons), and weak Python scalars.
BINARY_PAIRS = [("f4", "f4"), ("i4", "i8"), ("b1", "b1"), ("f2", "f8"), ("u1", "i1"),
                ("u8", "i8"), ("i8", "u8"), ("weak_float", "f4"), ("i4", "weak_int"),
                ("f8", "i2")]
_POSITIVE = {Op.LOG, Op.LOG2, Op.LOG10, Op.LOG1P, Op.SQRT, Op.RECIPROCAL}


def sample(rng: np.random.Generator, dtype, shape, op: Op | None = None) -> np.ndarray:
    """Random values of `dtype` inside `op`'s domain."""
    dtype = np.dtype(dtype)
    if op in _POSITIVE and dtype.kind in "iub":
        return rng.integers(1, 7, shape).astype(dtype)
    if op in (Op.ARCSIN, Op.ARCCOS) and dtype.kind in "iub":
        return rng.integers(0, 2, shape).astype(dtype)
    if dtype.kind == "f":
        return rng.uniform(0.1, 0.9, shape).astype(dtype) * (4 if op is None else 1)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind == "u":
        return rng.integers(0, 7, shape).astype(dtype)
    return rng.integers(-6, 7, shape).astype(dtype)


def unary_graph(op: Op, dtype, shape=(3, 2)):
    """`op(x)` for an x of `dtype`, or None when the op is not defined for it."""
    b = Builder(f"{op}_{np.dtype(dtype).name}")
    x = b.add_input(TensorType(shape, dtype), "x")
    try:
        attrs = {"dtype": np.float32} if op is Op.CAST else {}
        y = b.emit(op, [x], **attrs)
    except StagingError:
        return None
    return b.finish([y])


def binary_graph(op: Op, left: str, right: str, shapes=((3, 2), (2,))):
    """`op(x, y)` with y broadcast along x's first axis; "weak_*" sides are Python scalars.

    Returns (graph, [input dtypes]) or None when the op is not defined for the pair."""
    b = Builder(f"{op}_{left}_{right}")
    operands, dtypes = [], []
    for side, shape, name in ((left, shapes[0], "x"), (right, shapes[1], "y")):
        if side == "weak_float":
            operands.append(b.emit(Op.CONSTANT, [], value=0.75))
        elif side == "weak_int":
            operands.append(b.emit(Op.CONSTANT, [], value=3))
        else:
            operands.append(b.add_input(TensorType(shape, side), name))
            dtypes.append((np.dtype(side), shape))
    try:
        z = b.emit(op, operands)
    except StagingError:
        return None
    return b.finish([z]), dtypes


def binary_inputs(rng, op: Op, dtypes) -> list[np.ndarray]:
    arrays = []
    for dtype, shape in dtypes:
        a = sample(rng, dtype, shape, op)
        if op is Op.POW and dtype.kind == "i":
            a = np.abs(a)  # NumPy raises for negative integer exponents
        if op in (Op.LEFT_SHIFT, Op.RIGHT_SHIFT) and dtype.kind == "i":
            a = np.abs(a)
        arrays.append(a)
    return arrays


_TOLERANCE = {np.dtype(np.float16): 2e-3, np.dtype(np.float32): 2e-5,
              np.dtype(np.float64): 1e-12}


def assert_same(got, want, where: str = "") -> None:
    """Same dtype and shape; equal values (floats within their precision, NaN == NaN)."""
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.dtype == want.dtype, f"{where}: dtype {got.dtype} != {want.dtype}"
    assert got.shape == want.shape, f"{where}: shape {got.shape} != {want.shape}"
    if want.dtype.kind == "f":
        tol = _TOLERANCE[want.dtype]
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True,
                                   err_msg=where)
    else:
        np.testing.assert_array_equal(got, want, err_msg=where)


def assert_all_same(got, want, where: str = "") -> None:
    assert len(got) == len(want), f"{where}: {len(got)} results, want {len(want)}"
    for k, (g, w) in enumerate(zip(got, want)):
        assert_same(g, w, f"{where} result {k}")


def elementwise_ops():
    return sorted(ops.UNARY | ops.BINARY, key=str)


def all_ops_graph(left, right=None, shape=(4, 3)):
    """Every unary op (or, with `right`, every binary op) defined for the dtypes, each
    result cast to float64 and summed: the sum's consumers fuse everything into one kernel,
    so one compilation covers every op's code."""
    b = Builder(f"all_{np.dtype(left).name}" + (f"_{np.dtype(right).name}" if right else ""))
    x = b.add_input(TensorType(shape, left), "x")
    y = b.add_input(TensorType(shape[-1:], right), "y") if right else None
    terms = []
    for op in sorted(ops.BINARY if right else ops.UNARY - {Op.CAST}, key=str):
        try:
            value = b.emit(op, [x, y] if right else [x])
        except StagingError:
            continue
        terms.append(b.emit(Op.CAST, [value], dtype=np.float64))
    total = terms[0]
    for term in terms[1:]:
        total = b.emit(Op.ADD, [total, term])
    return b.finish([total]), len(terms)


I32, I64, F32, F64, BOOL = (np.dtype(n) for n in ("i4", "i8", "f4", "f8", "b1"))


def collatz_graph():
    """steps(n): while n != 1: n = n // 2 if n is even else 3n + 1."""
    b = Builder("collatz")
    n0 = b.add_input(TensorType((), I64), "n")
    c0 = b.emit(Op.CONSTANT, [], value=np.array(0, np.int64))
    one = b.emit(Op.CONSTANT, [], value=1)
    n, c = b.open_region([n0.type, c0.type], ["n", "steps"])
    cond = b.close_region([b.emit(Op.NE, [n, one])])
    n, c = b.open_region([n0.type, c0.type], ["n", "steps"])
    two = b.emit(Op.CONSTANT, [], value=2)
    even = b.emit(Op.EQ, [b.emit(Op.MOD, [n, two]), b.emit(Op.CONSTANT, [], value=0)])
    b.open_region([])
    then = b.close_region([b.emit(Op.FLOORDIV, [n, two])])
    b.open_region([])
    up = b.emit(Op.ADD, [b.emit(Op.MUL, [n, b.emit(Op.CONSTANT, [], value=3)]), one])
    orelse = b.close_region([up])
    nxt = b.emit(Op.COND, [even], regions=[then, orelse])
    body = b.close_region([nxt, b.emit(Op.ADD, [c, one])])
    _, steps = b.emit(Op.WHILE, [n0, c0], regions=[cond, body])
    return b.finish([steps])


def loops_graph():
    """FOR with a negative step carrying an array, a COND inside capturing outer values,
    a WHILE inside the FOR, the index cast and used in a kernel, and i32 bounds."""
    b = Builder("loops")
    x = b.add_input(TensorType((4,), F32), "x")
    lo = b.add_input(TensorType((), I32), "lo")
    flag = b.add_input(TensorType((), BOOL), "flag")
    scale = b.emit(Op.MUL, [x, b.emit(Op.CONSTANT, [], value=0.5)])
    start, stop, step = (b.emit(Op.CONSTANT, [], value=np.array(v, np.int64))
                         for v in (9, -1, -2))
    i, acc, count = b.open_region([TensorType((), I64), x.type, TensorType((), I32)],
                                  ["i", "acc", "count"])
    b.open_region([])
    t = b.emit(Op.ADD, [acc, b.emit(Op.MUL, [scale, b.emit(Op.CAST, [i], dtype=F32)])])
    then = b.close_region([t])
    b.open_region([])
    orelse = b.close_region([b.emit(Op.SUB, [acc, x])])
    acc2 = b.emit(Op.COND, [flag], regions=[then, orelse])
    (c,) = b.open_region([count.type], ["c"])
    wcond = b.close_region([b.emit(Op.LT, [c, lo])])
    (c,) = b.open_region([count.type], ["c"])
    one32 = b.emit(Op.CONSTANT, [], value=np.array(1, np.int32))
    wbody = b.close_region([b.emit(Op.ADD, [c, one32])])
    count2 = b.emit(Op.WHILE, [count], regions=[wcond, wbody])
    body = b.close_region([acc2, count2])
    zero = b.emit(Op.CONSTANT, [], value=np.array(0, np.int32))
    out, n = b.emit(Op.FOR, [start, stop, step, x, zero], regions=[body])
    j, total = b.open_region([TensorType((), I64), TensorType((), F64)], ["j", "total"])
    body2 = b.close_region([b.emit(Op.ADD, [total, j])])
    five = b.emit(Op.CONSTANT, [], value=np.array(5, np.int32))
    total = b.emit(Op.FOR, [lo, b.emit(Op.ADD, [lo, five]),
                            b.emit(Op.CONSTANT, [], value=np.array(1, np.int32)),
                            b.emit(Op.CONSTANT, [], value=np.array(0.0))], regions=[body2])
    return b.finish([out, n, total])
