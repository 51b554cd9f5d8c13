"""Every kind of generated kernel compiles for a real device, checked without one.

The simulator runs kernels as Python and accepts what a device compiler would reject
(untyped unifications, unsupported calls); `numba.cuda.compile_ptx` runs Numba's CUDA
typing and NVVM for a compute capability without a GPU (it needs the CUDA toolkit
wheels, `numba-cuda[cu13]`). Each graph here is generated for the default device target
and every kernel of it compiled, with C-contiguous arrays as arguments.

Elementwise ops are checked many per kernel: `all_ops_graph` fuses every op for a dtype
pair into one kernel, so one compilation covers them all.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograph.codegen import cache
from autograph.codegen.cuda import backend as numba_cuda, runtime as cuda_runtime
from autograph.ir import Builder, Op, TensorType
from cuda_support import all_ops_graph, collatz_graph, loops_graph

CC = (7, 5)  # the oldest architecture CUDA 13 builds for


@pytest.fixture(scope="module")
def ptx(tmp_path_factory):
    """compile(graph): compiles every kernel of graph's program to PTX."""
    try:
        if cuda_runtime.simulating():
            pytest.skip("NUMBA_ENABLE_CUDASIM is set: compile_ptx needs the real CUDA target")
        from numba import cuda
        from numba.cuda import types
        from numba.cuda.np.numpy_support import from_dtype

        cuda.compile_ptx(lambda a: None, (types.float32[::1],), cc=CC)
    except pytest.skip.Exception:
        raise
    except Exception as exc:  # toolchain wheels missing, or numba-cuda itself
        pytest.skip(f"numba.cuda.compile_ptx cannot run here: {type(exc).__name__}: {exc}")
    folder = tmp_path_factory.mktemp("cuda_ptx")

    def arg_type(spec):
        scalar = from_dtype(spec.dtype)
        return types.Array(scalar, spec.ndim, "C") if spec.ndim else scalar

    def compile_all(graph) -> int:
        program = numba_cuda.generate_program(graph)
        module = cache.load_module(program.text, folder)
        for name, specs in program.kernels.items():
            kernel = getattr(module, name)
            try:
                cuda.compile_ptx(kernel.py_func, tuple(arg_type(s) for s in specs), cc=CC)
            except Exception as exc:
                pytest.fail(f"kernel {name} of graph {graph.name} does not compile for "
                            f"sm_{CC[0]}{CC[1]}: {type(exc).__name__}: {exc}\n{program.text}")
        return len(program.kernels)

    return compile_all


@pytest.mark.parametrize("dtype", ["f4", "i4", "b1", "f2"])
def test_every_unary_op(dtype, ptx):
    graph, n_ops = all_ops_graph(dtype)
    assert n_ops > 10
    assert ptx(graph) == 1


@pytest.mark.parametrize("left,right", [("f4", "f4"), ("i4", "i8"), ("b1", "b1"),
                                        ("f2", "f8"), ("u8", "i8")])
def test_every_binary_op(left, right, ptx):
    graph, n_ops = all_ops_graph(left, right)
    assert n_ops > 10
    assert ptx(graph) == 1


def test_casts_and_where(ptx):
    b = Builder("casts")
    dtypes = ["f4", "f8", "i4", "u8", "b1", "f2", "i1"]
    xs = [b.add_input(TensorType((5,), d), f"x{k}") for k, d in enumerate(dtypes)]
    outs = [b.emit(Op.CAST, [x], dtype=np.dtype(d)) for x in xs for d in dtypes]
    outs.append(b.emit(Op.WHERE, [xs[4], xs[0], b.emit(Op.CONSTANT, [], value=2)]))
    assert ptx(b.finish(outs)) == 1  # one run of same-shape elementwise nodes: one kernel


_ALL_REDUCTIONS = (Op.SUM, Op.PROD, Op.MEAN, Op.MAX, Op.MIN, Op.ANY, Op.ALL, Op.ARGMAX,
                   Op.ARGMIN)


@pytest.mark.parametrize("shape,axes,dtype,ops", [
    ((5, 3), (1,), "f4", _ALL_REDUCTIONS),         # a thread per output
    ((300, 4), (0,), "f4", _ALL_REDUCTIONS),       # a block per output
    ((3, 50_000), (1,), "f4", _ALL_REDUCTIONS),    # partial blocks, then a second pass
    ((100_000,), (0,), "i4", (Op.SUM, Op.PROD, Op.MAX, Op.ARGMAX)),
    ((100_000,), (0,), "b1", (Op.ANY, Op.ALL, Op.SUM, Op.ARGMIN)),
    ((100_000,), (0,), "f2", (Op.MEAN, Op.MIN, Op.ARGMAX)),
], ids=str)
def test_reductions(shape, axes, dtype, ops, ptx):
    b = Builder("reductions")
    x = b.add_input(TensorType(shape, dtype), "x")
    outs = [b.emit(op, [x], axis=axes[0]) if op in (Op.ARGMAX, Op.ARGMIN) else
            b.emit(op, [x], axes=axes) for op in ops]
    assert ptx(b.finish(outs)) >= len(outs)


@pytest.mark.parametrize("dtypes", [("f4", "f4"), ("i8", "i4"), ("b1", "b1"), ("f2", "f2")])
def test_products(dtypes, ptx):
    b = Builder("products")
    a2 = b.add_input(TensorType((33, 17), dtypes[0]), "a")
    b2 = b.add_input(TensorType((17, 40), dtypes[1]), "b")
    batch = b.add_input(TensorType((3, 1, 5, 17), dtypes[0]), "batch")
    v = b.add_input(TensorType((17,), dtypes[1]), "v")
    outs = [b.emit(Op.MATMUL, [a2, b2]), b.emit(Op.MATMUL, [batch, b2]),
            b.emit(Op.MATMUL, [v, b2]), b.emit(Op.MATMUL, [a2, v]),
            b.emit(Op.DOT, [batch, v]), b.emit(Op.DOT, [v, v]),
            b.emit(Op.DOT, [a2, b.emit(Op.CONSTANT, [], value=2)])]
    assert ptx(b.finish(outs)) == len(outs)


def test_shape_creation_and_indexing(ptx):
    b = Builder("arrays")
    x = b.add_input(TensorType((3, 4, 5), np.float32), "x")
    n = b.add_input(TensorType((), np.int64), "n")
    m = b.add_input(TensorType((), np.int32), "m")
    idx = b.add_input(TensorType((2, 2), np.int64), "idx")
    v = b.add_input(TensorType((4,), np.float64), "v")
    outs = [
        b.emit(Op.RESHAPE, [x], shape=(12, 5)),
        b.emit(Op.TRANSPOSE, [x], perm=(2, 0, 1)),
        b.emit(Op.BROADCAST_TO, [v], shape=(3, 4)),
        b.emit(Op.CONCATENATE, [x, b.emit(Op.CAST, [x], dtype=np.float16)], axis=1),
        b.emit(Op.FULL, [], shape=(2, 3), value=1.5, dtype=np.float32),
        b.emit(Op.ARANGE, [], start=0.5, stop=3.0, step=0.5, dtype=np.float32),
        b.emit(Op.ARANGE, [], start=5, stop=-3, step=-2, dtype=np.int32),
        b.emit(Op.EYE, [], n=3, m=4, k=1, dtype=np.bool_),
        b.emit(Op.INDEX, [x, n, m], index=(("dyn", 0), ("slice", 3, 0, -1), ("dyn", 1))),
        b.emit(Op.INDEX, [x, idx], index=(("slice", None, None, None), ("array", 0),
                                          ("newaxis",))),
        b.emit(Op.SET_INDEX, [x, v, n], index=(("dyn", 0), ("slice", None, None, None),
                                               ("int", -1))),
        b.emit(Op.CONSTANT, [], value=np.arange(100, dtype=np.float32).reshape(10, 10)),
    ]
    assert ptx(b.finish(outs)) >= 10


def test_control_flow_graphs(ptx):
    assert ptx(collatz_graph()) >= 3
    assert ptx(loops_graph()) >= 3


def test_fast_float32_products_and_epilogues(ptx, tmp_path):
    """`cuda_gemm`'s kernels with ragged and whole tiles, batches, 1-d operands, and
    epilogues of several dtypes; the tiled kernel keeps its accumulators in registers
    (no local memory)."""
    from numba import cuda
    from numba.cuda import types
    from numba.cuda.np.numpy_support import from_dtype

    b = Builder("fast_products")
    x = b.add_input(TensorType((250, 60), np.float32), "x")
    w = b.add_input(TensorType((60, 100), np.float32), "w")
    bias = b.add_input(TensorType((100,), np.float32), "bias")
    batch = b.add_input(TensorType((2, 128, 64), np.float16), "batch")
    w2 = b.add_input(TensorType((64, 64), np.float32), "w2")
    s = b.add_input(TensorType((), np.float32), "s")
    w3 = b.add_input(TensorType((60, 3), np.float32), "w3")
    col = b.add_input(TensorType((250, 1), np.float64), "col")
    v = b.add_input(TensorType((60,), np.float32), "v")
    relu = b.emit(Op.MAXIMUM, [b.emit(Op.ADD, [b.emit(Op.MATMUL, [x, w]), bias]),
                               b.emit(Op.CONSTANT, [], value=0.0)])
    outs = [b.emit(Op.CAST, [relu], dtype=np.float16),
            b.emit(Op.MUL, [b.emit(Op.MATMUL, [batch, w2]), s]),
            b.emit(Op.LT, [b.emit(Op.MATMUL, [x, w3]), col]),
            b.emit(Op.MATMUL, [x, v])]
    graph = b.finish(outs)
    assert ptx(graph) == 4
    program = numba_cuda.generate_program(graph)
    (name, specs), = [(k, s) for k, s in program.kernels.items() if "tiled_add" in k]
    module = cache.load_module(program.text, tmp_path)
    arg_types = tuple(types.Array(from_dtype(spec.dtype), spec.ndim, "C") for spec in specs)
    text, _ = cuda.compile_ptx(getattr(module, name).py_func, arg_types, cc=CC)
    assert ".local" not in text and text.count("fma.rn.f32") >= 8 * 4 * 4  # 64x64 tiles
