"""Arrays made from nothing but attributes: constants, `full`, `arange`, `eye`.

Their own module because each reproduces a NumPy constructor's exact values rather
than computing from operands: `arange` fills as NumPy's `fill` does (first two elements
from Python values, then `first + i * delta` in the result dtype), a constant array
becomes a module-level constant of the program (`ProgramWriter.constant`, frozen into
the machine code by Numba) while 0-d constants are never emitted (they are literals
where used, `cpu_analysis.is_inline_constant`).
"""

from __future__ import annotations

import warnings

import numpy as np

from autograph.codegen.cpu.text import (INT64, arithmetic_result, atom, convert, dtype_ref,
                                        literal, shape_text, strip)
from autograph.codegen.cpu.writer import ProgramWriter
from autograph.codegen.emitter import CodegenError
from autograph.ir.graph import Node


def emit_constant(p: ProgramWriter, node: Node) -> None:
    out = node.outputs[0]
    array = np.asarray(node.attrs["value"])
    if array.size == 0:
        p.em.line(f"{p.name(out)} = np.empty({shape_text(out.type.shape)}, "
                  f"{dtype_ref(out.type.dtype)})", "constant")
        return
    p.namer.alias(out, p.constant(array.astype(out.type.dtype, copy=False)))
    p.readonly.add(out)


def emit_full(p: ProgramWriter, node: Node) -> None:
    out = node.outputs[0]
    t = out.type
    value = literal(node.attrs["value"], t.dtype)
    if not t.shape:
        p.em.line(f"{p.name(out)} = {strip(value)}", "full")
        return
    zero = not np.asarray(node.attrs["value"]).astype(t.dtype).any() if t.dtype.kind != "c" \
        else False
    if zero:
        text = f"np.zeros({shape_text(t.shape)}, {dtype_ref(t.dtype)})"
    else:
        text = f"np.full({shape_text(t.shape)}, {strip(value)}, {dtype_ref(t.dtype)})"
    p.em.line(f"{p.name(out)} = {text}", "full")


def emit_arange(p: ProgramWriter, node: Node) -> None:
    """NumPy's arange: the first two elements set from Python values, the rest filled
    as `first + i * (second - first)` in the result dtype (its `fill` function)."""
    out = node.outputs[0]
    t = out.type.dtype
    (n,) = out.type.shape
    name = p.name(out)
    if t.kind in "bc":
        raise CodegenError(f"numba_cpu: arange of {t} is not supported")
    start, step = node.attrs["start"], node.attrs.get("step", 1)
    p.em.line(f"{name} = np.empty(({n},), {dtype_ref(t)})", "arange")
    if n == 0:
        return
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        first = np.asarray(start).astype(t)[()]
        second = np.asarray(start + step).astype(t)[()]
        delta = (np.asarray(second, t) - np.asarray(first, t))[()]
    if n == 1:
        p.em.line(f"{name}[0] = {strip(literal(first, t))}")
        return
    with p.loops((n,)) as (i,):
        index = i if t.kind in "iu" else convert(i, INT64, t)
        step_text = literal(delta, t)
        term = index if step_text == "1" else f"{atom(index)} * {step_text}"
        expr = term if first == 0 and t.kind in "iu" else f"{literal(first, t)} + {term}"
        p.em.line(f"{name}[{i}] = {strip(arithmetic_result(expr, t, t))}")
    if t.kind == "f":  # NumPy sets the second element itself, not as first + delta
        p.em.line(f"{name}[1] = {strip(literal(second, t))}")


def emit_eye(p: ProgramWriter, node: Node) -> None:
    out = node.outputs[0]
    n, m = out.type.shape
    k = int(node.attrs.get("k", 0))
    t = out.type.dtype
    name = p.name(out)
    p.em.line(f"{name} = np.zeros({shape_text((n, m))}, {dtype_ref(t)})", "eye")
    lo, hi = max(0, -k), min(n, m - k)
    if hi > lo:
        with p.em.block(f"for i0 in range({f'{lo}, ' if lo else ''}{hi})"):
            col = "i0" if k == 0 else f"i0 + {k}" if k > 0 else f"i0 - {-k}"
            p.em.line(f"{name}[i0, {col}] = {strip(literal(1, t))}")
