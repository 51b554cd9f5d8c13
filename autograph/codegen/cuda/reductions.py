"""Reductions on CUDA (the REDUCTION ops: sums, extrema, means, any/all, argmax/argmin).

`reduction_kernels.plan_reduction` picks one of three kernel styles from the shapes and the
target's block size, and `emit_reduction` writes it:

- "serial": short reductions, or many outputs along a kept inner axis: a grid-stride
  loop over outputs, each thread folding its output's elements alone;
- "block": one block per output, a shared-memory tree (`reduction_kernels.tree_lines`)
  over the threads' partial folds;
- "split": few outputs over long reductions: `P` blocks per output write partials to a
  pooled scratch buffer, and a second kernel (`..._final`) folds each output's partials.

Accumulator dtypes, identities and the final step (mean's division, the conversion to
NumPy's result dtype) come from `reduction_kernels.reducer`; argmax/argmin carry an index
beside the value (`reduction_kernels.fold_lines`, `tree_step`).
"""

from __future__ import annotations

import numpy as np

from autograph.codegen.cuda import kernel_text as kt, reduction_kernels as rk, scalars as ck
from autograph.codegen.cuda.writer import CudaWriter, KernelParams, params_list
from autograph.ir.graph import Node
from autograph.ir.ops import Op


def emit_reduction(gen: CudaWriter, node: Node) -> None:
    op = node.op
    (x,) = node.inputs
    out = node.outputs[0]
    x_shape = x.type.shape
    if op in (Op.ARGMAX, Op.ARGMIN):
        axis = node.attrs.get("axis")
        axes = tuple(range(len(x_shape))) if axis is None else (axis % len(x_shape),)
    else:
        axes = tuple(node.attrs["axes"])
    arg = op in (Op.ARGMAX, Op.ARGMIN)
    in_dtype = x.type.dtype
    plan = rk.plan_reduction(x_shape, axes, gen.target.block, gen.target.partials)
    fold = None if arg else rk.reducer(op, in_dtype, out.type.dtype, plan.extent)
    acc = ck.compute(in_dtype) if arg else fold.acc
    identity = rk.arg_identity(op, in_dtype) if arg else fold.identity
    kept_shape = tuple(d for a, d in enumerate(x_shape) if a not in axes)
    red_shape = tuple(x_shape[a] for a in axes)
    kept, reduced, x_index = rk.reduction_index(x_shape, axes)
    out_names = [f"o{k}" for k in range(out.type.ndim)]
    gen.allocate(out, f"{op} {out.type}")
    if plan.outputs == 0:
        return

    def value_text(params: KernelParams) -> str:
        return params.read_as(x, x_index, acc) if not arg else ck.convert(
            params.read(x, x_index), in_dtype, acc)

    def final_store(params: KernelParams, m: str, source: str, source_k: str) -> list[str]:
        target = params.output(out)
        result = source_k if arg else ck.store(fold.final(source), out.type.dtype)
        return kt.unflatten(m, out.type.shape, out_names) + [
            f"{kt.index_text(target, out_names)} = {result}"]

    start = [f"acc = {identity}"] + ([f"acck = {plan.extent}"] if arg else [])
    label = op.printed_name
    if plan.style == "serial":
        params = KernelParams(gen)
        loop = kt.unflatten("k", red_shape, reduced) + rk.fold_lines(
            op, in_dtype, fold, value_text(params), "k")
        body = kt.unflatten("m", kept_shape, kept) + start
        body += [f"for k in range({plan.extent}):"] + ["    " + line for line in loop]
        body += final_store(params, "m", "acc", "acck")
        kernel = kt.Kernel(tuple(params_list(params)),
                           (f"for m in range(cuda.grid(1), {plan.outputs}, cuda.gridsize(1)):",)
                           + tuple("    " + line for line in body), label)
        gen.launch(kernel, params, f"rt.grid({plan.outputs})")
        return

    block = gen.target.block
    split = plan.style == "split"
    P = plan.partials
    params = KernelParams(gen)
    value = value_text(params)
    body = rk.shared_lines(block, acc, arg)
    if split:
        body += [f"m = cuda.blockIdx.x // {P}", f"p = cuda.blockIdx.x % {P}"]
        first, stride = f"p * {block} + tid", P * block
    else:
        body += ["m = cuda.blockIdx.x"]
        first, stride = "tid", block
    body += kt.unflatten("m", kept_shape, kept) + start
    body += [f"for k in range({first}, {plan.extent}, {stride}):"]
    body += ["    " + line for line in kt.unflatten("k", red_shape, reduced)
             + rk.fold_lines(op, in_dtype, fold, value, "k")]
    body += ["sv[tid] = acc"] + (["si[tid] = acck"] if arg else [])
    body += rk.tree_lines(block, rk.tree_step(op, in_dtype, fold))
    if split:
        pv = gen.scratch_buffer(plan.outputs * P, acc, "partials")
        tail = [f"{params.buffer(pv, acc)}[cuda.blockIdx.x] = sv[0]"]
        if arg:
            pi = gen.scratch_buffer(plan.outputs * P, np.int64)
            tail.append(f"{params.buffer(pi, np.int64)}[cuda.blockIdx.x] = si[0]")
    else:
        tail = final_store(params, "m", "sv[0]", "si[0]")
    body += ["if tid == 0:"] + ["    " + line for line in tail]
    grid = plan.outputs * (P if split else 1)
    gen.launch(kt.Kernel(tuple(params_list(params)), tuple(body), label), params,
               f"{grid}, {block}")
    if not split:
        return
    # second pass: one block per output folds that output's partials
    params = KernelParams(gen)
    vals = params.buffer(pv, acc)
    body = rk.shared_lines(block, acc, arg) + ["m = cuda.blockIdx.x"] + start
    body += [f"for q in range(tid, {P}, {block}):"]
    if arg:
        idx = params.buffer(pi, np.int64)
        body += ["    " + line for line in rk.fold_lines(
            op, in_dtype, None, f"{vals}[m * {P} + q]", f"{idx}[m * {P} + q]")]
    else:
        body += [f"    acc = {fold.combine('acc', f'{vals}[m * {P} + q]')}"]
    body += ["sv[tid] = acc"] + (["si[tid] = acck"] if arg else [])
    body += rk.tree_lines(block, rk.tree_step(op, in_dtype, fold))
    body += ["if tid == 0:"] + ["    " + line for line in final_store(params, "m", "sv[0]",
                                                                       "si[0]")]
    gen.launch(kt.Kernel(tuple(params_list(params)), tuple(body), label + "_final"), params,
               f"{plan.outputs}, {block}")
    gen.give_back([pv, pi] if arg else [pv])
