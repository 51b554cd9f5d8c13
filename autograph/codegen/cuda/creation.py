"""Ops that create arrays from attributes alone on CUDA: constant, full, arange, eye.

A 0-d constant is no array at all: it becomes a literal (`Place("literal")`) written
into every kernel that reads it, typed as NumPy would type it. An array constant is
written into the program text once and copied to the device once per program
(`_consts[k]`, see `cuda_text.constant_lines`). `full`, `arange` and `eye` are a
grid-stride kernel each that computes an element from its index (`emit_fill`), in
NumPy's dtypes: `arange` of non-integers is computed in float64 and converted, as
NumPy's own is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograph.codegen.cuda import kernel_text as kt, scalars as ck
from autograph.codegen.cuda.writer import CudaWriter, KernelParams, Place
from autograph.ir.graph import Node


def emit_constant(gen: CudaWriter, node: Node) -> None:
    value = node.attrs["value"]
    out = node.outputs[0]
    if out.type.shape == ():
        gen.vals[out] = Place("literal", None, np.asarray(value)[()] if isinstance(
            value, (np.ndarray, np.generic)) else value)
        return
    k = gen.add_constant(np.asarray(value, out.type.dtype))
    name = gen.define(out)
    gen.out.line(f"{name} = _consts[{k}]", f"constant {out.type}")


def emit_fill(gen: CudaWriter, node: Node, element: Callable[[list[str]], str]) -> None:
    """A new array of the node's output type whose element at `names` is `element(names)`."""
    out = node.outputs[0]
    shape = out.type.shape
    names = kt.index_names(len(shape))
    gen.allocate(out, f"{node.op} {out.type}")
    params = KernelParams(gen)
    target = params.output(out)
    body = [f"{kt.index_text(target, names if shape else [])} = "
            f"{ck.store(element(names), out.type.dtype)}"]
    gen.map_launch(params, shape, body, node.op.printed_name)


def emit_full(gen: CudaWriter, node: Node) -> None:
    dtype = node.outputs[0].type.dtype
    emit_fill(gen, node, lambda names: ck.literal(node.attrs["value"], dtype))


def emit_arange(gen: CudaWriter, node: Node) -> None:
    dtype = node.outputs[0].type.dtype
    start, step = node.attrs["start"], node.attrs.get("step", 1)
    if all(isinstance(v, (int, np.integer)) for v in (start, step)) and dtype.kind in "iu":
        def element(names):
            return ck.wrap(f"{ck.literal(start, ck.I64)} + {ck.literal(step, ck.I64)} * "
                           f"{names[0]}", dtype)
    else:  # computed in float64 like NumPy's arange, then converted
        def element(names):
            value = f"{ck.literal(start, ck.F64)} + {ck.literal(step, ck.F64)} * {names[0]}"
            return ck.convert(f"np.float64({value})", ck.F64, dtype)
    emit_fill(gen, node, element)


def emit_eye(gen: CudaWriter, node: Node) -> None:
    dtype = node.outputs[0].type.dtype
    k = int(node.attrs.get("k", 0) or 0)
    one, zero = ck.literal(1, dtype), ck.literal(0, dtype)
    emit_fill(gen, node, lambda names: f"({one} if {names[1]} - {names[0]} == {k} else {zero})")
