"""float32 matmul kernels (`cuda_gemm`) and product epilogues, checked without a GPU:
target validation, tile choice, fusion planning, and the generated text. Running them is
`tests/cuda/test_cuda_gemm.py`; compiling them for a device, `test_codegen_cuda_ptx.py`.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograph.codegen.cuda import (backend as numba_cuda, fusion as cuda_fusion,
                                    gemm as cuda_gemm, runtime as cuda_runtime)
from autograph.codegen.cuda.runtime import DEVICE_TARGET, Target
from autograph.errors import AutographError
from autograph.ir import Builder, Op, TensorType


def _mlp(batch=4096, sizes=(512, 256, 128, 2)):
    b = Builder("mlp")
    h = b.add_input(TensorType((batch, sizes[0]), np.float32), "x")
    for k, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = b.add_input(TensorType((m, n), np.float32), f"w{k}")
        bias = b.add_input(TensorType((n,), np.float32), f"b{k}")
        h = b.emit(Op.ADD, [b.emit(Op.MATMUL, [h, w]), bias])
        if k < len(sizes) - 2:
            h = b.emit(Op.MAXIMUM, [h, b.emit(Op.CONSTANT, [], value=0.0)])
    return b.finish([h])


def _launches(text: str) -> list[str]:
    """The kernels the driver launches, in order (each launch is `_L<n>(...)  # kernel`)."""
    return re.findall(r"^\s+_L\d+\(.*# (_k\d+_\w+)$", text, re.M)


@pytest.mark.parametrize("fields,match", [
    (dict(gemm_tiles=((128, 64, 8, 7, 4),)), "tm must divide bm"),
    (dict(gemm_tiles=((8, 128, 8, 4, 4),)), "threads must be a multiple"),  # 64 < bn
    (dict(gemm_tiles=((128, 128, 8, 2, 2),)), "at most 1024 threads"),
    (dict(gemm_tiles=()), "at least one tile"),
    (dict(skinny_lanes=12), "power of two"),
    (dict(skinny_cols=64), "at least skinny_cols"),
])
def test_target_rejects_unusable_matmul_settings(fields, match):
    with pytest.raises(AutographError, match=match):
        Target(**fields)


def test_tiles_are_chosen_to_fill_the_device():
    tiles = [cuda_gemm.Tile(*t) for t in DEVICE_TARGET.gemm_tiles]
    big, small = tiles
    assert cuda_gemm.choose_tile(tiles, 120, (), 4096, 256) == big      # 128 blocks
    assert cuda_gemm.choose_tile(tiles, 120, (), 4096, 128) == small    # 64 would idle
    assert cuda_gemm.choose_tile(tiles, 120, (), 64, 64) == small       # most blocks


def test_the_mlp_is_three_launches_with_fused_epilogues():
    text = numba_cuda.generate(_mlp(), DEVICE_TARGET)
    assert _launches(text) == ["_k0_matmul_tiled_add_maximum", "_k1_matmul_tiled_add_maximum",
                               "_k2_matmul_skinny_add"]
    assert text.count("_pool.take(") == 2          # no buffer for any product
    assert text.count("_pool.take_result(") == 1   # the result: recycled once let go
    assert "((4, 32, 1), (16, 16)))" in text         # 128x64 tiles for 4096x512 @ 512x256
    assert "((2, 64, 1), (16, 16)))" in text         # 64x64 for 4096x256 @ 256x128
    assert "((512, 1), (32, 8)))" in text            # skinny: 8 rows of 32 lanes a block


def test_the_old_path_is_kept_for_comparison():
    target = Target(fast_matmul=False, epilogues=False)
    labels = [re.sub(r"^_k\d+_", "", k) for k in _launches(numba_cuda.generate(_mlp(), target))]
    assert labels == ["matmul", "add_maximum", "matmul", "add_maximum", "matmul", "add"]
    assert _launches(numba_cuda.generate(_mlp(), Target(epilogues=False)))[0] == (
        "_k0_matmul_tiled")
    no_fusion = numba_cuda.generate_program(_mlp(), DEVICE_TARGET, fuse=False)
    assert not any("_add" in name for name in no_fusion.kernels if "matmul" in name)


def _kernel_text(text: str, name: str) -> str:
    start = text.index(f"def {name}(")
    end = text.find("\n@cuda.jit", start)
    return text[start:end if end > 0 else text.index("\n\ndef ", start)]


def test_bounds_checks_only_on_edges_a_shape_crosses():
    b = Builder("edges")
    whole = b.emit(Op.MATMUL, [b.add_input(TensorType((256, 64), np.float32), "a"),
                               b.add_input(TensorType((64, 128), np.float32), "b")])
    ragged = b.emit(Op.MATMUL, [b.add_input(TensorType((250, 60), np.float32), "c"),
                                b.add_input(TensorType((60, 100), np.float32), "d")])
    text = numba_cuda.generate(b.finish([whole, ragged]), DEVICE_TARGET)
    first, second = (_kernel_text(text, name) for name in _launches(text))
    assert " if " not in first.replace("if k0 + 8 < 64:", "")
    for check in ("< 250", "< 60", "< 100"):
        assert check in second


def test_the_tiled_kernel_reads_shared_memory_without_bank_conflicts():
    """`sa` rows are padded, and a thread's micro-tile is strided by the thread counts."""
    text = numba_cuda.generate(_mlp(), DEVICE_TARGET)
    kernel = _kernel_text(text, "_k0_matmul_tiled_add_maximum")
    assert "sa = cuda.shared.array((8, 132), np.float32)" in kernel
    assert "ra1 = sa[0, ty + 16]" in kernel and "rb1 = sb[0, tx + 16]" in kernel
    assert "for kk" not in kernel  # the k steps are unrolled: constant shared offsets
    assert kernel.count("+= ra") == 8 * 8 * 4


def _fusion_items(graph, target=DEVICE_TARGET):
    gen = numba_cuda._Generator(graph, target, True)
    return cuda_fusion.kernel_items(graph.body, True, gen.fusable_product)


def test_plan_epilogues_takes_single_consumers_of_the_same_shape():
    b = Builder("plan")
    x = b.add_input(TensorType((4, 3), np.float32), "x")
    w = b.add_input(TensorType((3, 5), np.float32), "w")
    v = b.add_input(TensorType((2, 4, 5), np.float32), "v")
    fused = b.emit(Op.TANH, [b.emit(Op.MATMUL, [x, w])])
    widened = b.emit(Op.ADD, [b.emit(Op.MATMUL, [x, w]), v])
    shared = b.emit(Op.MATMUL, [x, w])
    pair = [b.emit(Op.EXP, [shared]), b.emit(Op.SIN, [shared])]
    result = b.emit(Op.MATMUL, [x, w])
    scaled = b.emit(Op.DOT, [x, b.emit(Op.CONSTANT, [], value=2.0)])
    graph = b.finish([fused, widened, *pair, result, b.emit(Op.NEG, [result]),
                      b.emit(Op.COS, [scaled])])
    items = _fusion_items(graph)
    epilogues = [item for item in items if isinstance(item, cuda_fusion.Epilogue)]
    assert [[n.op for n in e.nodes] for e in epilogues] == [[Op.TANH]]
    assert epilogues[0].product.outputs[0] is fused.producer.inputs[0]
    assert sum(1 for item in items if getattr(item, "op", None) is Op.MATMUL) == 3
    assert sum(1 for item in items if getattr(item, "op", None) is Op.DOT) == 1


def test_products_cublas_may_take_are_not_fused():
    big = 1 << 11
    b = Builder("big")
    x = b.add_input(TensorType((big, big), np.float32), "x")
    w = b.add_input(TensorType((big, big), np.float32), "w")
    graph = b.finish([b.emit(Op.NEG, [b.emit(Op.MATMUL, [x, w])])])
    assert 2 * big ** 3 >= cuda_runtime.GEMM_MIN_FLOPS
    assert not any(isinstance(item, cuda_fusion.Epilogue) for item in _fusion_items(graph))
    assert "rt.gemm(" in numba_cuda.generate(graph, DEVICE_TARGET)
    assert "rt.gemm(" not in numba_cuda.generate(_mlp(), DEVICE_TARGET)


def test_fusion_can_be_turned_off_by_the_target():
    graph = _mlp(64, (16, 8, 4))
    assert any(isinstance(i, cuda_fusion.Epilogue) for i in _fusion_items(graph))
    assert not any(isinstance(i, cuda_fusion.Epilogue)
                   for i in _fusion_items(graph, Target(epilogues=False)))
