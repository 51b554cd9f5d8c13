"""Ops whose elements are produced in order: scans (cumsum, cumprod), sorts (sort,
argsort) and random draws.

Their own module because none fits an elementwise loop nest: a scan carries an
accumulator along one axis (element k needs element k - 1), a sort needs a whole lane
along its axis before it writes any element, and a random draw has no operand at all but
must run on every call, never be folded or hoisted (`ir.ops` `NONDETERMINISTIC`).

Sorts copy each lane along the axis into one contiguous buffer and call Numba's
`np.sort` / `np.argsort(kind='mergesort')` on it: both order NaN last, as NumPy does, and
the merge sort is stable (NumPy's kind='stable'), which every `kind` allows.

Scans accumulate in the result dtype, sequentially, as NumPy's `np.add.accumulate`
does (so float32 results match NumPy's to the bit, int32 input sums in int64).

Random draws call Numba's `np.random` inside the compiled function, one element at a
time. Numba keeps its own generator state, separate from NumPy's: `np.random.seed(0)`
in plain Python code does not seed the compiled program's draws (Numba seeds its
generator from the operating system's entropy when a process starts; calling
`np.random.seed` inside njit code, which a converted function cannot do, would seed it).
"""

from __future__ import annotations

import contextlib

import numpy as np

from autograph.codegen.cpu.text import (FLOAT64, INT64, arithmetic_result, atom, convert,
                                        dtype_ref, literal, strip, subscript)
from autograph.codegen.cpu.writer import ProgramWriter
from autograph.codegen.emitter import CodegenError
from autograph.ir.graph import Node
from autograph.ir.ops import Op


def _allocate_result(p: ProgramWriter, node: Node) -> str:
    """Names and allocates the node's (C-contiguous) result; returns its name."""
    out = node.outputs[0]
    name = p.name(out)
    p.em.line(f"{name} = {p.empty(out)}", str(node.op))
    p.contiguous.add(out)
    return name


def emit_scan(p: ProgramWriter, node: Node) -> None:
    x, out = node.inputs[0], node.outputs[0]
    xt, ot = x.type, out.type
    if ot.dtype.kind == "c" or xt.dtype.kind == "c":
        raise CodegenError(f"numba_cpu: {node.op} of complex values is not supported")
    axis, name = int(node.attrs["axis"]), _allocate_result(p, node)
    if out.type.size == 0:
        return
    names = [f"i{d}" for d in range(xt.ndim)]
    index = list(names)
    acc = p.scratch("acc")
    symbol = "+" if node.op is Op.CUMSUM else "*"
    with contextlib.ExitStack() as outer:
        for d in range(xt.ndim):
            if d != axis:
                index[d] = p.loop(outer, names[d], xt.shape[d])
        p.em.line(f"{acc} = {strip(literal(0 if node.op is Op.CUMSUM else 1, ot.dtype))}")
        with contextlib.ExitStack() as inner:
            index[axis] = p.loop(inner, names[axis], xt.shape[axis])
            element = convert(p.read(x, index, xt.shape), xt.dtype, ot.dtype)
            combined = arithmetic_result(f"{acc} {symbol} {atom(element)}", ot.dtype, ot.dtype)
            p.em.line(f"{acc} = {strip(combined)}")
            p.em.line(f"{subscript(name, index)} = {acc}")


def emit_sort(p: ProgramWriter, node: Node) -> None:
    """SORT / ARGSORT along `axis`: lane by lane through a contiguous buffer."""
    x, out = node.inputs[0], node.outputs[0]
    xt = x.type
    axis, name = int(node.attrs["axis"]), _allocate_result(p, node)
    if out.type.size == 0:
        return
    n = xt.shape[axis]
    lane, ordered = p.scratch("lane"), p.scratch("ordered")
    p.em.line(f"{lane} = np.empty({n}, {dtype_ref(xt.dtype)})")
    names = [f"i{d}" for d in range(xt.ndim)]
    index = list(names)
    call = (f"np.sort({lane})" if node.op is Op.SORT
            else f"np.argsort({lane}, kind='mergesort')")
    with contextlib.ExitStack() as outer:
        for d in range(xt.ndim):
            if d != axis:
                index[d] = p.loop(outer, names[d], xt.shape[d])
        k = names[axis]
        index[axis] = k
        with p.em.block(f"for {k} in range({n})"):
            p.em.line(f"{lane}[{k}] = {strip(p.read(x, index, xt.shape))}")
        p.em.line(f"{ordered} = {call}")
        with p.em.block(f"for {k} in range({n})"):
            p.em.line(f"{subscript(name, index)} = {ordered}[{k}]")


def _draw(node: Node) -> str:
    """One element's expression, in the result dtype."""
    kind = node.attrs["distribution"]
    dtype = node.outputs[0].type.dtype
    if kind == "uniform":
        return convert("np.random.random()", FLOAT64, dtype)
    if kind == "normal":
        return convert("np.random.standard_normal()", FLOAT64, dtype)
    low, high = int(node.attrs["low"]), int(node.attrs["high"])
    return convert(f"np.random.randint({low}, {high})", INT64, dtype)


def emit_random(p: ProgramWriter, node: Node) -> None:
    out = node.outputs[0]
    name = p.name(out)
    expr = strip(_draw(node))
    if not out.type.shape:
        p.em.line(f"{name} = {expr}", "random")
        return
    p.em.line(f"{name} = {p.empty(out)}", f"random {node.attrs['distribution']}")
    p.contiguous.add(out)
    with p.loops(out.type.shape) as index:
        p.em.line(f"{subscript(name, index)} = {expr}")


__all__ = ["emit_random", "emit_scan", "emit_sort"]
