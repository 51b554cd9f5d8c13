"""Reductions on the CPU (sum, mean, prod, max, min, argmax, argmin, any, all) as loops.

One loop nest per reduction: the kept axes outside, the reduced axes inside around one
accumulator, so an elementwise producer fuses into the inner loop
(`cpu_analysis.fused_values`) and no temporary array is made. Kept apart because
matching NumPy needs its own rules: float sums accumulate in float64 (closer to NumPy's
pairwise sum than a float32 running sum), max/min start from the order's identity and
let NaN win, argmax/argmin keep the first extreme (or first NaN) and count its position
in the reduced axes' C order, the mean of nothing is NaN.
"""

from __future__ import annotations

import contextlib
import math
from typing import Sequence

import numpy as np

from autograph.codegen.cpu.text import (COMPLEX128, FLOAT64, arithmetic_result, atom, convert,
                                        literal, strip, subscript, truth)
from autograph.codegen.cpu.writer import ProgramWriter
from autograph.codegen.emitter import CodegenError
from autograph.ir.graph import Node
from autograph.ir.ops import MULTI_AXIS_REDUCTION, Op


def _reduced_axes(node: Node) -> tuple[int, ...]:
    ndim = node.inputs[0].type.ndim
    if node.op in MULTI_AXIS_REDUCTION:
        return tuple(node.attrs["axes"])
    axis = node.attrs.get("axis")
    return tuple(range(ndim)) if axis is None else (int(axis) % ndim,)


def _accumulator_dtype(op: Op, x: np.dtype, out: np.dtype) -> np.dtype:
    if op in (Op.SUM, Op.MEAN):
        # float32 sums are accumulated in float64 (closer to NumPy's pairwise sum than a
        # float32 running sum), then cast.
        if out.kind == "f":
            return FLOAT64
        if out.kind == "c":
            return COMPLEX128
    return out


def emit_reduction(p: ProgramWriter, node: Node) -> None:
    op = node.op
    x = node.inputs[0]
    out = node.outputs[0]
    xt, ot = x.type, out.type
    if xt.dtype.kind == "c" and op in (Op.MAX, Op.MIN, Op.ARGMAX, Op.ARGMIN):
        raise CodegenError(f"numba_cpu: {op} of complex values is not supported")
    axes = _reduced_axes(node)
    kept = [d for d in range(xt.ndim) if d not in axes]
    names = [f"i{d}" for d in range(xt.ndim)]
    index = list(names)
    keepdims = bool(node.attrs.get("keepdims", False))
    name = p.name(out)
    acc_dt = _accumulator_dtype(op, xt.dtype, ot.dtype)
    count = math.prod(xt.shape[d] for d in axes)
    comment = ", ".join(p.fused_ops(node))
    scalar_out = not ot.shape
    acc = name if scalar_out and acc_dt == ot.dtype and op not in (Op.ARGMAX, Op.ARGMIN) \
        else p.scratch()
    if not scalar_out:
        p.em.line(f"{name} = {p.empty(out)}", comment)
        comment = None
        p.contiguous.add(out)
    with contextlib.ExitStack() as stack:
        for d in kept:
            index[d] = p.loop(stack, names[d], xt.shape[d])
        out_index = [("0" if d in axes else index[d]) for d in range(xt.ndim)] if keepdims \
            else [index[d] for d in kept]
        best = None
        if op in (Op.ARGMAX, Op.ARGMIN):
            best = p.scratch()
            first = [("0" if d in axes else index[d]) for d in range(xt.ndim)]
            p.em.line(f"{best} = {strip(p.read(x, first, xt.shape))}", comment)
            p.em.line(f"{acc} = 0")
        else:
            p.em.line(f"{acc} = {strip(_initial(op, acc_dt))}", comment)
        with contextlib.ExitStack() as inner:
            for d in axes:
                index[d] = p.loop(inner, names[d], xt.shape[d])
            element = p.read(x, index, xt.shape)
            _combine(p, op, acc, best, element, xt.dtype, acc_dt, index, axes, xt.shape)
        final = _finish(op, acc, acc_dt, ot.dtype, count)
        if scalar_out:
            if final != name:
                p.em.line(f"{name} = {strip(final)}")
        else:
            p.em.line(f"{subscript(name, out_index)} = {strip(final)}")


def _initial(op: Op, dt: np.dtype) -> str:
    if op in (Op.SUM, Op.MEAN):
        return literal(0, dt)
    if op is Op.PROD:
        return literal(1, dt)
    if op is Op.ANY:
        return "False"
    if op is Op.ALL:
        return "True"
    # MAX / MIN start from the identity of the order, so NaN and the first element need
    # no special case.
    high = op is Op.MIN
    if dt.kind == "b":
        return "True" if high else "False"
    if dt.kind == "f":
        return literal(np.inf if high else -np.inf, dt)
    info = np.iinfo(dt)
    return literal(info.max if high else info.min, dt)


def _combine(p: ProgramWriter, op: Op, acc: str, best: str | None, element: str,
             x_dt: np.dtype, acc_dt: np.dtype, index, axes, shape) -> None:
    em = p.em
    if op in (Op.SUM, Op.MEAN):
        em.line(f"{acc} += {strip(convert(element, x_dt, acc_dt))}")
    elif op is Op.PROD:
        product = f"{acc} * {atom(convert(element, x_dt, acc_dt))}"
        em.line(f"{acc} = {strip(arithmetic_result(product, acc_dt, acc_dt))}")
    elif op is Op.ANY:
        with em.block(f"if {strip(truth(element, x_dt))}"):
            em.line(f"{acc} = True")
    elif op is Op.ALL:
        with em.block(f"if not {atom(truth(element, x_dt))}"):
            em.line(f"{acc} = False")
    elif op in (Op.MAX, Op.MIN):
        v = p.once(element)
        cmp = ">" if op is Op.MAX else "<"
        if x_dt.kind == "b":
            em.line(f"{acc} = {acc} {'or' if op is Op.MAX else 'and'} {v}")
            return
        test = f"{v} {cmp} {acc}" + (f" or {v} != {v}" if x_dt.kind == "f" else "")
        with em.block(f"if {test}"):
            em.line(f"{acc} = {v}")
    else:  # ARGMAX / ARGMIN: the first extreme element, or the first NaN
        v = p.once(element)
        cmp = ">" if op is Op.ARGMAX else "<"
        if x_dt.kind == "b":
            test = f"{v} and not {best}" if op is Op.ARGMAX else f"{best} and not {v}"
        else:
            test = f"{v} {cmp} {best}"
            if x_dt.kind == "f":
                test += f" or ({v} != {v} and {best} == {best})"
        strides = _strides([shape[d] for d in axes])
        position = " + ".join(index[d] if s == 1 else f"{index[d]} * {s}"
                              for d, s in zip(axes, strides) if index[d] != "0") or "0"
        with em.block(f"if {test}"):
            em.line(f"{best} = {v}")
            em.line(f"{acc} = {position}")


def _strides(shape: Sequence[int]) -> list[int]:
    strides, s = [], 1
    for d in reversed(shape):
        strides.append(s)
        s *= d
    return strides[::-1]


def _finish(op: Op, acc: str, acc_dt: np.dtype, out: np.dtype, count: int) -> str:
    if op is Op.MEAN and count == 0:  # 0 / 0 (Numba raises for complex; NumPy gives nan)
        return literal(complex(np.nan, np.nan) if out.kind == "c" else np.nan, out)
    if op is Op.MEAN:
        return convert(f"({acc} / {count})", acc_dt, out)
    return convert(acc, acc_dt, out)
