"""Matrix products on the CPU: `matmul` and `dot`, through BLAS where NumPy would.

Large products are BLAS-bound, and everyone is within 20% there (DESIGN.md's
performance notes): so float and complex products of 1-d/2-d operands are one
`np.dot` (Numba's BLAS binding), fed C- or Fortran-contiguous arrays without copies
(`ProgramWriter.contiguous`, `.fortran`: a 2-d transpose is a free `.T` view);
batched float `matmul` loops over the batch around `np.dot`. Integer and bool
products, and `dot` of N-d arrays, are explicit contraction loops with NumPy's
accumulator dtypes; a 0-d operand makes `dot` a multiplication (`ELEMENTWISE_ROWS`).
"""

from __future__ import annotations

import contextlib

import numpy as np

from autograph.codegen.cpu.elementwise import ELEMENTWISE_ROWS
from autograph.codegen.cpu.text import (FLOAT64, INT64, UINT64, atom, broadcast_index, convert,
                                        dtype_ref, is_cheap, literal, node_comment, shape_text,
                                        strip, subscript, truth)
from autograph.codegen.cpu.writer import ProgramWriter
from autograph.ir.graph import Node, Value
from autograph.ir.ops import Op
from autograph.ir.types import TensorType


def _contiguous(p: ProgramWriter, value: Value, dt: np.dtype) -> str:
    """The value as a C-contiguous array of `dt` (what Numba's BLAS-backed np.dot needs);
    `np.ascontiguousarray` is free in Numba when the array's type is already C."""
    if value.type.dtype != dt:
        return f"{p.ref(value)}.astype({dtype_ref(dt)})"
    if value in p.contiguous:
        return p.ref(value)
    return f"np.ascontiguousarray({p.ref(value)})"


def _blas_operand(p: ProgramWriter, value: Value, dt: np.dtype) -> str:
    """A matrix product operand: C- or Fortran-contiguous arrays go to BLAS as they are."""
    if value in p.fortran and value.type.dtype == dt:
        return p.ref(value)
    return _contiguous(p, value, dt)


def emit_matmul(p: ProgramWriter, node: Node) -> None:
    a, b = node.inputs
    out = node.outputs[0]
    at, bt, ot = a.type, b.type, out.type
    name = p.name(out)
    t = ot.dtype
    if node.op is Op.DOT and (at.ndim == 0 or bt.ndim == 0):
        _emit_scaled(p, node)
        return
    if ot.size == 0 or at.shape[-1] == 0:
        _emit_zeros(p, out, node)
        return
    blas = t.kind in "fc"
    if blas and at.ndim <= 2 and bt.ndim <= 2:
        ac, bc = _blas_operand(p, a, t), _blas_operand(p, b, t)
        p.em.line(f"{name} = np.dot({ac}, {bc})", node_comment(node))
        if ot.shape:
            p.contiguous.add(out)
        return
    if blas and node.op is Op.MATMUL:
        _emit_batched_blas(p, node)
        return
    _emit_contraction(p, node)


def _emit_zeros(p: ProgramWriter, out: Value, node: Node) -> None:
    t = out.type
    if t.shape:
        p.em.line(f"{p.name(out)} = np.zeros({shape_text(t.shape)}, {dtype_ref(t.dtype)})",
                  node_comment(node))
    else:
        p.em.line(f"{p.name(out)} = {strip(literal(0, t.dtype))}", node_comment(node))


def _emit_scaled(p: ProgramWriter, node: Node) -> None:
    """dot with a 0-d operand is multiplication, in dot's result dtype."""
    out = node.outputs[0]
    t = out.type.dtype
    shape = out.type.shape
    name = p.name(out)
    mul = ELEMENTWISE_ROWS[Op.MUL]

    def element(index):
        args = [p.read(v, index, shape, t) for v in node.inputs]
        return mul.build(p, args, (t, t), t)

    if not shape:
        p.em.line(f"{name} = {strip(element([]))}", node_comment(node))
        return
    p.em.line(f"{name} = {p.empty(out)}", node_comment(node))
    with p.loops(shape) as index:
        p.em.line(f"{subscript(name, index)} = {strip(element(index))}")


def _matmul_layout(at: TensorType, bt: TensorType, ot: TensorType):
    """Batch shape, and which of m / n the output has, for matmul's broadcasting."""
    a_core = 1 if at.ndim == 1 else 2
    b_core = 1 if bt.ndim == 1 else 2
    batch = ot.shape[:ot.ndim - (a_core == 2) - (b_core == 2)]
    return batch, a_core, b_core


def _emit_batched_blas(p: ProgramWriter, node: Node) -> None:
    a, b = node.inputs
    out = node.outputs[0]
    at, bt, ot = a.type, b.type, out.type
    t = ot.dtype
    batch, a_core, b_core = _matmul_layout(at, bt, ot)
    ac, bc = _contiguous(p, a, t), _contiguous(p, b, t)
    if not is_cheap(ac):
        ac = _bind(p, ac)
    if not is_cheap(bc):
        bc = _bind(p, bc)
    name = p.name(out)
    p.em.line(f"{name} = {p.empty(out)}", node_comment(node))
    p.contiguous.add(out)
    with p.loops(batch) as index:
        ai = broadcast_index(at.shape[:at.ndim - a_core], index, batch)
        bi = broadcast_index(bt.shape[:bt.ndim - b_core], index, batch)
        product = f"np.dot({subscript(ac, ai)}, {subscript(bc, bi)})"
        p.em.line(f"{subscript(name, index)} = {product}")


def _bind(p: ProgramWriter, expr: str) -> str:
    t = p.scratch()
    p.em.line(f"{t} = {strip(expr)}")
    return t


def _emit_contraction(p: ProgramWriter, node: Node) -> None:
    """matmul / dot as explicit loops: integers, bools, and dot of N-d arrays."""
    a, b = node.inputs
    out = node.outputs[0]
    at, bt, ot = a.type, b.type, out.type
    t = ot.dtype
    name = p.name(out)
    k = at.shape[-1]
    acc_dt = t if t.kind in "bc" else (FLOAT64 if t.kind == "f" else
                                        (UINT64 if t.kind == "u" else INT64))
    if ot.shape:
        p.em.line(f"{name} = {p.empty(out)}", node_comment(node))
        p.contiguous.add(out)
    acc = p.scratch()
    with contextlib.ExitStack() as stack:
        index = [p.loop(stack, f"i{d}", n) for d, n in enumerate(ot.shape)]
        if node.op is Op.MATMUL:
            batch, a_core, b_core = _matmul_layout(at, bt, ot)
            nb = len(batch)
            m_i = [index[nb]] if a_core == 2 else []
            n_i = [index[-1]] if b_core == 2 else []
            a_index = broadcast_index(at.shape[:at.ndim - a_core], index[:nb], batch) + m_i
            b_index = broadcast_index(bt.shape[:bt.ndim - b_core], index[:nb], batch)
        else:
            na = at.ndim - 1
            a_index, rest = index[:na], index[na:]
            m_i, n_i = [], rest[-1:] if bt.ndim >= 2 else []
            b_index = rest[:-1] if bt.ndim >= 2 else []
        p.em.line(f"{acc} = {strip(literal(0, acc_dt))}", None if ot.shape else node_comment(node))
        with contextlib.ExitStack() as inner:
            j = p.loop(inner, "j0", k)
            x = subscript(p.ref(a), a_index + [j])
            y = subscript(p.ref(b), b_index + [j] + n_i)
            if t.kind == "b":
                p.em.line(f"{acc} = {acc} or ({truth(x, at.dtype)} and {truth(y, bt.dtype)})")
            else:
                x, y = convert(x, at.dtype, acc_dt), convert(y, bt.dtype, acc_dt)
                p.em.line(f"{acc} += {atom(x)} * {atom(y)}")
        final = strip(convert(acc, acc_dt, t))
        p.em.line(f"{subscript(name, index)} = {final}" if ot.shape else f"{name} = {final}")
