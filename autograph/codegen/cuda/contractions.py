"""Products on CUDA: matmul and dot, with a fused elementwise epilogue where planned.

Which kernel writes a product, by what it is:

- float32 matmul on a target with `fast_matmul`: `cuda_gemm`'s kernels, the skinny one
  (`lanes` threads share a row, splitting the depth) for a few columns, else the
  register-blocked tiled one, with the tile `cuda_gemm.choose_tile` picks for the shape;
- every other matmul and dot: the general shared-memory tiled kernel of
  `contraction_kernels.contraction_body`, computing in the result dtype as NumPy does;
- dot with a 0-d operand: a broadcast multiply (`emit_scaled`), no product kernel.

`contraction_shapes` maps both ops onto one (batch, rows, cols, depth) form with index
builders for a, b and the result, so the kernels above never see which op it was.

An epilogue (`cuda_fusion.plan_epilogues`: the product's only consumer is an
elementwise group of its shape) is computed in the product's kernel where each element
is stored (`product_store`), so `relu(x @ w + b)` is one launch. A large 2-D float
matmul with no epilogue is offered to cuBLAS first (`rt.gemm`, when CuPy is there),
with our kernel as the fallback in the driver.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from autograph.codegen.cuda import (contraction_kernels as xk, gemm as cuda_gemm,
                                    kernel_text as kt, scalars as ck)
from autograph.codegen.cuda.analysis import blas_candidate
from autograph.codegen.cuda.elementwise import elementwise_lines
from autograph.codegen.cuda.text import kernel_label, loop_dtypes, ops_comment
from autograph.codegen.cuda.writer import CudaWriter, KernelParams, params_list
from autograph.ir.graph import Node, Value
from autograph.ir.ops import Op


def contraction_shapes(node: Node):
    """(batch, rows, cols, depth, read_a, read_b, write) index builders for matmul/dot."""
    a, b = node.inputs
    A, B = a.type.shape, b.type.shape
    if node.op is Op.MATMUL:
        a1, b1 = len(A) == 1, len(B) == 1
        rows = 1 if a1 else A[-2]
        cols = 1 if b1 else B[-1]
        depth = A[-1]
        a_batch = () if a1 else A[:-2]
        b_batch = () if b1 else B[:-2]
        batch = tuple(np.broadcast_shapes(a_batch, b_batch))

        def read_a(zs, i, k):
            return kt.broadcast_indices(a_batch, zs) + ([k] if a1 else [i, k])

        def read_b(zs, k, j):
            return kt.broadcast_indices(b_batch, zs) + ([k] if b1 else [k, j])

        def write(zs, i, j):
            return list(zs) + ([] if a1 else [i]) + ([] if b1 else [j])
        return batch, rows, cols, depth, read_a, read_b, write, []
    # dot: a (..., K) with b (K,) or (..., K, N); a's leading dims are flattened to rows
    lead = A[:-1]
    rows = math.prod(lead)
    depth = A[-1]
    b1 = len(B) == 1
    batch = () if b1 else B[:-2]
    cols = 1 if b1 else B[-1]
    lead_names = [f"q{k}" for k in range(len(lead))]

    def read_a(zs, i, k):
        return lead_names + [k]

    def read_b(zs, k, j):
        return [k] if b1 else list(zs) + [k, j]

    def write(zs, i, j):
        return lead_names + list(zs) + ([] if b1 else [j])
    return batch, rows, cols, depth, read_a, read_b, write, lead


def product_store(gen: CudaWriter, params: KernelParams, node: Node, stored: Value,
                  epilogue: list[Node] | None, index_out) -> Callable:
    """store(zs, i, j, value) -> the lines storing a product's element (i, j), given its
    value in registers: directly, or through the fused elementwise `epilogue` whose root
    value `stored` is what the kernel writes."""
    product = node.outputs[0]
    loops = [loop_dtypes(n) for n in epilogue or ()]

    def store(zs, i, j, value) -> list[str]:
        names = index_out(zs, i, j)
        target = kt.index_text(params.output(stored), names)
        if not epilogue:
            return [f"{target} = {ck.store(value, stored.type.dtype)}"]

        def read(v: Value) -> str:
            return params.read(v, kt.broadcast_indices(v.type.shape, names))
        lines, inside = elementwise_lines(gen, params, epilogue, loops, read,
                                          bound={product: value})
        return lines + [f"{target} = {ck.store(inside[stored], stored.type.dtype)}"]
    return store


def emit_contraction(gen: CudaWriter, node: Node, epilogue: list[Node] | None = None) -> None:
    """matmul or dot; with `epilogue`, an elementwise group that consumes the product
    element by element (`cuda_fusion.plan_epilogues`), computed in the same kernel.

    float32 matmul uses `cuda_gemm`'s kernels: the skinny one for a few columns, else the
    register-blocked one; everything else the general tiled kernel of `scalars`."""
    a, b = node.inputs
    out = node.outputs[0]
    if node.op is Op.DOT and (a.type.ndim == 0 or b.type.ndim == 0):
        return emit_scaled(gen, node)
    dtype = out.type.dtype  # matmul and dot compute in their result dtype
    batch, rows, cols, depth, index_a, index_b, index_out, lead = contraction_shapes(node)
    stored = epilogue[-1].outputs[0] if epilogue else out
    comment = f"{node.op} {a.type} {b.type}"
    name = gen.allocate(stored, comment + (f", then {ops_comment(epilogue)} {stored.type}"
                                           if epilogue else ""))
    if out.type.size == 0:
        return
    params = KernelParams(gen)
    target = gen.target
    store = product_store(gen, params, node, stored, epilogue, index_out)

    def read_a(zs, i, k):
        return params.read_as(a, index_a(zs, i, k), dtype)

    def read_b(zs, k, j):
        return params.read_as(b, index_b(zs, k, j), dtype)
    fast = target.fast_matmul and node.op is Op.MATMUL and dtype == ck.F32
    if fast and cols <= target.skinny_cols:
        body = cuda_gemm.skinny_body(
            lanes=target.skinny_lanes, rows_per_block=target.skinny_rows, batch=batch,
            rows=rows, cols=cols, depth=depth, read_a=read_a, read_b=read_b, store=store)
        (gx, gy), (tx, ty) = cuda_gemm.skinny_grid(target.skinny_lanes, target.skinny_rows,
                                                   batch, rows)
        config, label = f"({gx}, {gy}), ({tx}, {ty})", "matmul_skinny"
    elif fast:
        tile = cuda_gemm.choose_tile([cuda_gemm.Tile(*t) for t in target.gemm_tiles],
                                     target.gemm_min_blocks, batch, rows, cols)
        body = cuda_gemm.tiled_body(tile=tile, batch=batch, rows=rows, cols=cols, depth=depth,
                                    read_a=read_a, read_b=read_b, store=store)
        (gx, gy, gz), (tx, ty) = cuda_gemm.tiled_grid(tile, batch, rows, cols)
        config, label = f"({gx}, {gy}, {gz}), ({tx}, {ty})", "matmul_tiled"
    else:
        row_lines = []
        if lead:  # dot: the row is a flat index over a's leading dims (clamped past the end)
            row_lines = [f"ir = i if i < {rows} else 0"] + kt.unflatten(
                "ir", lead, [f"q{k}" for k in range(len(lead))])
        body = xk.contraction_body(
            tile=target.tile, batch=batch, rows=rows, cols=cols, depth=depth, loop=dtype,
            out=dtype, read_a=read_a, read_b=read_b, store=store, row_lines=row_lines)
        (gx, gy, gz), (tx, ty) = xk.contraction_grid(target.tile, batch, rows, cols)
        config, label = f"({gx}, {gy}, {gz}), ({tx}, {ty})", node.op.printed_name
    if epilogue:
        label += "_" + kernel_label(epilogue)
    kernel = kt.Kernel(tuple(params_list(params)), tuple(body), label)
    blas = (not epilogue and blas_candidate(node)
            and gen.vals[a].kind == "device" and gen.vals[b].kind == "device")
    if blas:
        with gen.out.block(f"if not rt.gemm({gen.vals[a].name}, {gen.vals[b].name}, {name})",
                           "cuBLAS through CuPy when present"):
            gen.launch(kernel, params, config)
    else:
        gen.launch(kernel, params, config)


def emit_scaled(gen: CudaWriter, node: Node) -> None:
    """np.dot with a 0-d operand is a broadcast multiply in dot's result dtype."""
    a, b = node.inputs
    out = node.outputs[0]
    dtype = out.type.dtype
    shape = out.type.shape
    names = kt.index_names(len(shape))
    params = KernelParams(gen)
    x = params.read_as(a, kt.broadcast_indices(a.type.shape, names), dtype)
    y = params.read_as(b, kt.broadcast_indices(b.type.shape, names), dtype)
    product = f"({x} and {y})" if dtype == ck.BOOL else ck.wrap(f"{x} * {y}", dtype)
    gen.allocate(out, f"dot {a.type} {b.type}")
    target = params.output(out)
    body = [f"{kt.index_text(target, names if shape else [])} = {ck.store(product, dtype)}"]
    gen.map_launch(params, shape, body, "dot")
