"""Ops whose result has a size known only when the program runs, bounded by a static
capacity (issue 15, `staging/dynamic.py`): COMPRESS.

COMPRESS(x, mask) is a serial loop: each row of x whose mask element holds is copied to
the next free row of the result, and the rows past the last one kept are zeroed, so the
buffer is fully defined (the interpreter's zeros, to the bit) whatever reads it later.
Small rows are copied without a branch: every row is written to the next free row, which
advances by the mask element, so a random mask costs no mispredictions (3-5x faster at
half selected than `if mask[i]:`). A serial loop is the fast form on a CPU: one pass, no
prefix sums. The count itself is not this op's: the tracer computes it as `sum(mask)`, an
ordinary reduction that fuses with the mask's producer.
"""

from __future__ import annotations

import math

import numpy as np

from autograph.codegen.cpu.text import convert, literal, strip, subscript
from autograph.codegen.cpu.writer import ProgramWriter
from autograph.ir.graph import Node

# Rows of at most this many elements are copied without a branch (see emit_compress).
BRANCHLESS_ROW = 16


def emit_compress(p: ProgramWriter, node: Node) -> None:
    x, mask = node.inputs
    out = node.outputs[0]
    xt = x.type
    name = p.name(out)
    p.em.line(f"{name} = {p.empty(out)}", "compress")
    p.contiguous.add(out)
    if xt.size == 0:
        return
    n, rest = xt.shape[0], xt.shape[1:]
    row, k = p.scratch("row"), p.scratch("kept")
    p.em.line(f"{k} = 0")
    with p.em.block(f"for {row} in range({n})"):
        keep = strip(p.read(mask, [row], (n,)))
        if math.prod(rest) <= BRANCHLESS_ROW:
            # Every row is copied to the next free row, which advances only when kept: no
            # branch to mispredict on a random mask (3-5x faster at half selected), and
            # the write stays in bounds (kept <= row). The tail is zeroed below.
            with p.loops(rest, prefix=p.scratch("j")) as index:
                value = strip(p.read(x, [row, *index], xt.shape))
                p.em.line(f"{subscript(name, [k, *index])} = {value}")
            p.em.line(f"{k} += {strip(convert(keep, np.bool_, np.int64))}")
        else:
            with p.em.block(f"if {keep}"):
                with p.loops(rest, prefix=p.scratch("j")) as index:
                    value = strip(p.read(x, [row, *index], xt.shape))
                    p.em.line(f"{subscript(name, [k, *index])} = {value}")
                p.em.line(f"{k} += 1")
    zero = strip(literal(0, xt.dtype))
    with p.em.block(f"for {row} in range({k}, {n})"):
        with p.loops(rest, prefix=p.scratch("j")) as index:
            p.em.line(f"{subscript(name, [row, *index])} = {zero}")


__all__ = ["emit_compress"]
