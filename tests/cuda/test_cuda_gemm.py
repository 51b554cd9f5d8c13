"""float32 matmul through `cuda_gemm` (register-blocked and skinny kernels) and products
fused with their elementwise consumers, against the interpreter.

Shapes are chosen against the simulator target's tiles (8x8 blocks of 2x2 micro-tiles,
k slices of 4; skinny for at most 2 columns, 4 lanes, 2 rows a block): exact multiples,
ragged edges on every side, fewer rows or columns than a tile, k shorter than a slice,
empty k, batches with broadcasting, 1-d operands. On a GPU `check_graph` also runs the
device target.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograph.codegen.cuda import runtime as cuda_runtime
from autograph.ir import Builder, Op, TensorType
from cuda_support import sample

TILED_SHAPES = [((16, 8), (8, 16)),          # whole tiles and slices: no bounds checks
                ((13, 9), (9, 11)),          # ragged rows, k and columns
                ((3, 2), (2, 5)),            # smaller than one tile and one slice
                ((8, 0), (0, 8)),            # empty k: zeros
                ((7,), (7, 5)),              # 1-d a
                ((2, 3, 9, 5), (5, 6)),      # batch of a
                ((3, 1, 6, 4), (2, 4, 9)),   # broadcast batches
                ((1, 20), (20, 3))]          # one row, three columns (tiled, not skinny)
SKINNY_SHAPES = [((9, 13), (13, 2)),         # ragged rows, k over several lane passes
                 ((8, 4), (4, 1)),
                 ((5, 7), (7,)),             # 1-d b: one column
                 ((6,), (6,)),               # vector dot vector
                 ((2, 5, 3), (2, 3, 2)),     # batched
                 ((4, 0), (0, 2))]           # empty k


def _inputs(rng, shapes, dtypes=("f4", "f4")):
    return [sample(rng, d, s) - 2 for s, d in zip(shapes, dtypes)]


@pytest.mark.parametrize("shapes", TILED_SHAPES + SKINNY_SHAPES, ids=str)
def test_float32_matmul(shapes, check_graph):
    rng = np.random.default_rng(11)
    b = Builder("matmul32")
    x, w = (b.add_input(TensorType(s, np.float32), n) for s, n in zip(shapes, "xw"))
    check_graph(b.finish([b.emit(Op.MATMUL, [x, w])]), *_inputs(rng, shapes))


def test_mixed_operands_compute_in_float32(check_graph):
    rng = np.random.default_rng(12)
    b = Builder("matmul_mixed")
    x = b.add_input(TensorType((9, 6), np.float16), "x")
    w = b.add_input(TensorType((6, 10), np.float32), "w")
    check_graph(b.finish([b.emit(Op.MATMUL, [x, w])]),
                *_inputs(rng, [(9, 6), (6, 10)], ("f2", "f4")))


def _dense(b, h, out_features, relu, k):
    w = b.add_input(TensorType((h.type.shape[-1], out_features), np.float32), f"w{k}")
    bias = b.add_input(TensorType((out_features,), np.float32), f"b{k}")
    h = b.emit(Op.ADD, [b.emit(Op.MATMUL, [h, w]), bias])
    return b.emit(Op.MAXIMUM, [h, b.emit(Op.CONSTANT, [], value=0.0)]) if relu else h


@pytest.mark.parametrize("rows", [16, 13])
def test_mlp_layers_fuse_bias_and_relu(rows, check_graph, compile_cuda):
    rng = np.random.default_rng(13)
    b = Builder("mlp")
    x = b.add_input(TensorType((rows, 12), np.float32), "x")
    h = _dense(b, x, 10, True, 0)      # ragged tiles
    h = _dense(b, h, 16, True, 1)      # whole column tiles
    h = _dense(b, h, 2, False, 2)      # skinny
    graph = b.finish([h])
    args = [sample(rng, "f4", v.type.shape) - 2 for v in graph.inputs]
    check_graph(graph, *args)
    program = compile_cuda(graph)
    assert list(program.kernels) == ["_k0_matmul_tiled_add_maximum",
                                     "_k1_matmul_tiled_add_maximum", "_k2_matmul_skinny_add"]


def test_epilogues_of_every_kind(check_graph, compile_cuda):
    """Epilogues that use the product twice, change its dtype, read a host scalar, a
    column and a full array, and a product whose consumer takes a second product."""
    rng = np.random.default_rng(14)
    b = Builder("epilogues")
    x = b.add_input(TensorType((9, 5), np.float32), "x")
    w = b.add_input(TensorType((5, 10), np.float32), "w")
    col = b.add_input(TensorType((9, 1), np.float32), "col")
    full = b.add_input(TensorType((9, 10), np.float64), "full")
    s = b.add_input(TensorType((), np.float32), "s")
    p = b.emit(Op.MATMUL, [x, w])
    squared = b.emit(Op.MUL, [p, p])                                   # used twice
    out1 = b.emit(Op.ADD, [b.emit(Op.MUL, [squared, s]), col])         # f32
    q = b.emit(Op.MATMUL, [x, w])
    out2 = b.emit(Op.LT, [b.emit(Op.SUB, [q, full]), b.emit(Op.CONSTANT, [], value=1.0)])
    r1, r2 = b.emit(Op.MATMUL, [x, w]), b.emit(Op.MATMUL, [x, w])
    out3 = b.emit(Op.TANH, [b.emit(Op.ADD, [r1, r2])])                # two products
    graph = b.finish([out1, out2, out3])
    args = [sample(rng, v.type.dtype, v.type.shape) - 2 for v in graph.inputs[:-1]]
    check_graph(graph, *args, np.float32(0.5))
    kernels = list(compile_cuda(graph).kernels)
    assert kernels == ["_k0_matmul_tiled_mul_mul_add", "_k1_matmul_tiled_sub_lt",
                       "_k2_matmul_tiled", "_k3_matmul_tiled_add_tanh"]


def test_products_that_must_stay_unfused(check_graph, compile_cuda):
    """A product that is also a result, has two consumers, or feeds a broadcast to
    another shape keeps its own kernel and buffer."""
    rng = np.random.default_rng(15)
    b = Builder("unfused")
    x = b.add_input(TensorType((6, 4), np.float32), "x")
    w = b.add_input(TensorType((4, 3), np.float32), "w")
    v = b.add_input(TensorType((2, 6, 3), np.float32), "v")
    result = b.emit(Op.MATMUL, [x, w])
    also = b.emit(Op.NEG, [result])
    shared = b.emit(Op.MATMUL, [x, w])
    two = (b.emit(Op.EXP, [shared]), b.emit(Op.SIN, [shared]))
    widened = b.emit(Op.ADD, [b.emit(Op.MATMUL, [x, w]), v])
    graph = b.finish([result, also, *two, widened])
    check_graph(graph, *(sample(rng, "f4", t.type.shape) for t in graph.inputs))
    kernels = list(compile_cuda(graph).kernels)
    assert [k for k in kernels if "matmul" in k] == ["_k0_matmul_tiled"]  # written once
    assert not any("matmul_tiled_" in k for k in kernels)


@pytest.mark.parametrize("dtypes", [("i4", "i4"), ("f8", "f8")], ids=str)
def test_general_kernel_epilogue_and_dot(dtypes, check_graph, compile_cuda):
    rng = np.random.default_rng(16)
    b = Builder("general")
    x = b.add_input(TensorType((5, 6), dtypes[0]), "x")
    w = b.add_input(TensorType((6, 7), dtypes[1]), "w")
    t = b.add_input(TensorType((2, 3, 6), dtypes[0]), "t")
    bias = b.add_input(TensorType((7,), dtypes[1]), "bias")
    out1 = b.emit(Op.MAXIMUM, [b.emit(Op.ADD, [b.emit(Op.MATMUL, [x, w]), bias]),
                              b.emit(Op.CONSTANT, [], value=0)])
    out2 = b.emit(Op.SUB, [b.emit(Op.DOT, [t, w]), bias])
    graph = b.finish([out1, out2])
    check_graph(graph, *(sample(rng, v.type.dtype, v.type.shape) for v in graph.inputs))
    assert list(compile_cuda(graph).kernels) == ["_k0_matmul_add_maximum", "_k1_dot_sub"]


def test_device_sized_tiles_on_small_shapes(check_graph, compile_cuda):
    """A bigger tile than the simulator target's (a 32x32 block of 4x4 micro-tiles, 64
    threads) and 8 skinny lanes for 3 columns, over ragged shapes."""
    target = cuda_runtime.Target(block=8, tile=4, partials=4, gemm_tiles=((32, 32, 8, 4, 4),),
                                 gemm_min_blocks=1, skinny_cols=3, skinny_lanes=8,
                                 skinny_rows=2)
    rng = np.random.default_rng(17)
    b = Builder("bigger_tiles")
    x = b.add_input(TensorType((37, 19), np.float32), "x")
    w = b.add_input(TensorType((19, 33), np.float32), "w")
    w3 = b.add_input(TensorType((19, 3), np.float32), "w3")
    graph = b.finish([b.emit(Op.MATMUL, [x, w]), b.emit(Op.MATMUL, [x, w3])])
    args = [sample(rng, "f4", v.type.shape) - 2 for v in graph.inputs]
    from autograph.ir import run
    from cuda_support import assert_all_same

    assert_all_same(compile_cuda(graph, target=target)(*args), run(graph, *args))
