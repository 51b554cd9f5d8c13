"""Contraction kernels for the CUDA backend: a tiled shared-memory product.

`tile x tile` threads per block, with grid-stride loops over row tiles and batches (dot,
and matmul of dtypes other than float32: float32 matmul has faster kernels of its own in
`gemm`).
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from autograph.codegen.cuda.kernel_text import unflatten
from autograph.codegen.cuda.scalars import BOOL, compute, convert, ctor, literal, wrap


def contraction_body(*, tile: int, batch: Sequence[int], rows: int, cols: int, depth: int,
                     loop: np.dtype, out: np.dtype, read_a: Callable[[list[str], str, str], str],
                     read_b: Callable[[list[str], str, str], str],
                     store: Callable[[list[str], str, str, str], list[str]],
                     row_lines: Sequence[str] = ()) -> list[str]:
    """The body of a tiled product: out[z, i, j] = sum_k a[z, i, k] * b[z, k, j].

    `read_a(zs, i, k)` and `read_b(zs, k, j)` give the operand reads (in `loop` registers),
    `store(zs, i, j, value)` the lines that store output element (i, j) given its value
    (in `out` registers; a fused epilogue computes more from it first); `zs` are the batch
    index names. `row_lines` run once the row `i` is known (dot unflattens it into a's
    leading indices there).
    """
    acc = compute(loop)
    zero = "False" if acc == BOOL else literal(0, acc)
    if acc == BOOL:
        step = "acc = acc or (sa[ty, kk] and sb[kk, tx])"
    else:
        step = f"acc = {wrap('acc + ' + wrap('sa[ty, kk] * sb[kk, tx]', acc), acc)}"
    zs = [f"z{k}" for k in range(len(batch))]
    n_batch = max(1, math.prod(batch))
    row_tiles = -(-rows // tile)
    lines = [f"sa = cuda.shared.array(({tile}, {tile}), {ctor(acc)})",
             f"sb = cuda.shared.array(({tile}, {tile}), {ctor(acc)})",
             "tx = cuda.threadIdx.x",
             "ty = cuda.threadIdx.y",
             "j = cuda.blockIdx.x * {} + tx".format(tile),
             f"for z in range(cuda.blockIdx.z, {n_batch}, cuda.gridDim.z):"]
    inner = unflatten("z", batch, zs)
    inner += [f"for by in range(cuda.blockIdx.y, {row_tiles}, cuda.gridDim.y):",
              f"    i = by * {tile} + ty",
              *["    " + line for line in row_lines],
              f"    acc = {zero}",
              f"    for k0 in range(0, {depth}, {tile}):",
              "        ka = k0 + tx",
              "        kb = k0 + ty",
              f"        if i < {rows} and ka < {depth}:",
              f"            sa[ty, tx] = {read_a(zs, 'i', 'ka')}",
              "        else:",
              f"            sa[ty, tx] = {zero}",
              f"        if kb < {depth} and j < {cols}:",
              f"            sb[ty, tx] = {read_b(zs, 'kb', 'j')}",
              "        else:",
              f"            sb[ty, tx] = {zero}",
              "        cuda.syncthreads()",
              f"        for kk in range({tile}):",
              f"            {step}",
              "        cuda.syncthreads()",
              f"    if i < {rows} and j < {cols}:",
              *["        " + line for line in store(zs, "i", "j", convert("acc", acc, out))]]
    return lines + ["    " + line for line in inner]


def contraction_grid(tile: int, batch: Sequence[int], rows: int, cols: int) -> tuple:
    """((blocks x, y, z), (tile, tile)) for `contraction_body`; y and z are capped, the
    kernel loops over the rest."""
    return ((-(-cols // tile), min(-(-rows // tile), 65535), min(max(1, math.prod(batch)),
                                                                  65535)), (tile, tile))
