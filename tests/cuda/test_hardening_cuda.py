"""CUDA kernels agree with NumPy where a new user first met them disagreeing (issue 19,
item 3): comparisons of two Python scalars (NumPy's object loop, `np.object(...)` in a
kernel) and math functions at the edges of their domains (the simulator runs kernels as
Python, whose `math.log(0.0)` raises where NumPy and the device give -inf)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import autograph
from autograph.ir import Builder, Op, TensorType

EDGES = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 100.0, -100.0, 709.0, 710.0, 711.0,
         1000.0, -1000.0, 1e30, -1e30, np.inf, -np.inf, np.nan]
GUARDED = [Op.EXP, Op.EXPM1, Op.LOG, Op.LOG1P, Op.LOG2, Op.LOG10, Op.SQRT, Op.SIN, Op.COS,
           Op.TAN, Op.ARCSIN, Op.ARCCOS, Op.SINH, Op.COSH, Op.ARCTAN, Op.TANH]


def _unary(op, dtype, n):
    b = Builder(f"edge_{op}_{np.dtype(dtype).name}")
    x = b.add_input(TensorType((n,), dtype), "x")
    return b.finish([b.emit(op, [x])])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", GUARDED, ids=str)
def test_math_at_the_edges_of_its_domain_gives_numpys_answer(op, dtype, compile_cuda):
    x = np.array(EDGES, dtype)
    got = compile_cuda(_unary(op, dtype, len(x)))(x)[0]
    with np.errstate(all="ignore"):
        want = getattr(np, op.printed_name)(x)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=str(x))
    np.testing.assert_array_equal(np.isinf(got) & (got > 0), np.isinf(want) & (want > 0))
    np.testing.assert_array_equal(np.isinf(got) & (got < 0), np.isinf(want) & (want < 0))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=4 * np.finfo(dtype).eps,
                               atol=4 * np.finfo(dtype).eps)


def test_a_while_on_python_int_arguments_runs():
    def count(x, n):
        i = 0
        while i < n:
            i += 1
        return x + i

    f = autograph.convert(count, backend="cuda")
    np.testing.assert_array_equal(f(np.ones(3), 5), np.full(3, 6.0))
    assert "np.object" not in f.lower(np.ones(3), 5).source


@pytest.mark.parametrize("op", ["<", "<=", "==", "!="])
def test_comparing_two_python_scalars_in_a_kernel(op):
    b = Builder("cmp")
    x = b.add_input(TensorType((), np.int64, weak=True), "x")
    y = b.add_input(TensorType((), np.int64, weak=True), "y")
    code = {"<": Op.LT, "<=": Op.LE, "==": Op.EQ, "!=": Op.NE}[op]
    graph = b.finish([b.emit(code, [x, y])])
    from autograph.codegen.cuda import backend as numba_cuda
    text = numba_cuda.generate(graph)
    assert "np.object" not in text


def test_mandelbrot_example_runs_on_the_cuda_backend():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
    try:
        import mandelbrot
    finally:
        sys.path.pop(0)
    on_cuda = autograph.convert(mandelbrot.mandelbrot, backend="cuda")
    np.testing.assert_array_equal(on_cuda(6, 8, 20), mandelbrot.mandelbrot(6, 8, 20))
