"""Indexing on the CPU: `x[...]` (INDEX) and the functional `x[...] = v` (SET_INDEX).

Basic indexing (ints, slices, newaxis, dynamic scalar indices) is a view, written as
the same subscript in the program; advanced indexing (integer arrays) is a gather
loop over the output in NumPy's dimension order (`_index_plan`: the advanced
dimensions go first when the advanced entries are not adjacent). Dynamic indices wrap
and are bounds-checked as NumPy does, unless `ir/analysis/parallel.py` proves them in
bounds (`CpuOptions.elide_checks`). SET_INDEX is a copy plus a scatter loop, or a
write in place when memory planning says the old array is dead (`CpuOptions.inplace`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from autograph.codegen.cpu.shapes import alias
from autograph.codegen.cpu.text import (INT64, broadcast_index, convert, dtype_ref, node_comment,
                                        shape_text, strip, subscript)
from autograph.codegen.cpu.writer import ProgramWriter
from autograph.ir.graph import Node, Value
from autograph.ir.indexing import normalize_index
from autograph.ir.types import TensorType
from autograph.ir.analysis import parallel as parallel_loops


def _wrapped_index(p: ProgramWriter, expr: str, dtype: np.dtype, dim: int, axis: int) -> str:
    """A temporary holding index `expr` wrapped like NumPy's (negative counts from the
    end); out of bounds raises IndexError, as NumPy does."""
    t = p.scratch()
    p.em.line(f"{t} = {strip(convert(expr, dtype, INT64))}")
    with p.em.block(f"if {t} < 0"):
        p.em.line(f"{t} += {dim}")
    with p.em.block(f"if {t} < 0 or {t} >= {dim}"):
        p.em.line(f'raise IndexError("index out of bounds for axis {axis} with size {dim}")')
    return t


def _slice_text(entry, dim: int) -> str:
    _, start, stop, step = entry
    if step == 1 and start == 0 and stop == dim:
        return ":"
    text = ("" if start == 0 and step > 0 else str(start)) + ":" + \
        ("" if stop is None or (step > 0 and stop == dim) else str(stop))
    return text + (f":{step}" if step != 1 else "")


def _index_plan(x: TensorType, entries, dynamic: list[Value]):
    """For NumPy indexing with `entries` (normalised): the output dimensions, each
    ("adv", k) / ("slice", entry, axis) / ("new",), in NumPy's order, plus the
    advanced-index shape and the advanced entries' positions."""
    has_array = any(e[0] == "array" for e in entries)
    advanced = [i for i, e in enumerate(entries)
                if e[0] == "array" or (has_array and e[0] in ("int", "dyn"))]
    adv_shape: tuple[int, ...] = ()
    if advanced:
        shapes = [dynamic[entries[i][1]].type.shape if entries[i][0] == "array" else ()
                  for i in advanced]
        adv_shape = tuple(np.broadcast_shapes(*shapes))
    contiguous = advanced == list(range(advanced[0], advanced[-1] + 1)) if advanced else True
    dims: list[tuple] = [] if contiguous else [("adv", k) for k in range(len(adv_shape))]
    axis = 0
    for i, entry in enumerate(entries):
        kind = entry[0]
        if kind == "newaxis":
            dims.append(("new",))
            continue
        if advanced and contiguous and i == advanced[0]:
            dims.extend(("adv", k) for k in range(len(adv_shape)))
        if kind == "slice":
            dims.append(("slice", entry, axis))
        axis += 1
    return dims, adv_shape


def _source_index(p: ProgramWriter, x: TensorType, entries, dynamic: list[Value], dims,
                  adv_shape, index: Sequence[str], wrapped: dict[int, str]) -> list[str]:
    """The element of `x` that output position `index` (over `dims`) reads or writes."""
    adv_index = [index[j] for j, d in enumerate(dims) if d[0] == "adv"]
    slice_index = {d[2]: index[j] for j, d in enumerate(dims) if d[0] == "slice"}
    source = []
    axis = 0
    for entry in entries:
        kind = entry[0]
        if kind == "newaxis":
            continue
        dim = x.shape[axis]
        if kind == "int":
            source.append(str(entry[1]))
        elif kind == "dyn":
            source.append(wrapped[axis])
        elif kind == "slice":
            _, start, _, step = entry
            i = slice_index[axis]
            term = i if step == 1 else f"{i} * {step}"
            source.append(term if start == 0 else f"{start} + {term}" if step > 0
                          else f"{start} - {i if step == -1 else f'{i} * {-step}'}")
        else:
            arr = dynamic[entry[1]]
            element = subscript(p.ref(arr), broadcast_index(arr.type.shape, adv_index,
                                                            adv_shape))
            source.append(_wrapped_index(p, element, arr.type.dtype, dim, axis))
        axis += 1
    return source


def _proven_in_bounds(p: ProgramWriter, value: Value, dim: int) -> bool:
    """Whether index `value` needs no wrap-around or check (a loop index over a
    constant range inside the axis, say)."""
    return p.options.elide_checks and p.plan is not None and \
        parallel_loops.in_bounds(value, dim, p.plan.index)


def _prepare_dynamic(p: ProgramWriter, x: TensorType, entries,
                     dynamic: list[Value]) -> dict[int, str]:
    wrapped = {}
    axis = 0
    for entry in entries:
        if entry[0] == "newaxis":
            continue
        if entry[0] == "dyn":
            v = dynamic[entry[1]]
            if _proven_in_bounds(p, v, x.shape[axis]):
                wrapped[axis] = strip(convert(p.ref(v), v.type.dtype, INT64))
            else:
                wrapped[axis] = _wrapped_index(p, p.ref(v), v.type.dtype, x.shape[axis], axis)
        axis += 1
    return wrapped


def emit_index(p: ProgramWriter, node: Node) -> None:
    x, dynamic = node.inputs[0], list(node.inputs[1:])
    out = node.outputs[0]
    xt, ot = x.type, out.type
    name = p.name(out)
    if not xt.shape:  # only newaxis entries can index a 0-d value
        if ot.shape:
            p.em.line(f"{name} = np.full({shape_text(ot.shape)}, {strip(p.ref(x))}, "
                      f"{dtype_ref(ot.dtype)})", node_comment(node))
        else:
            alias(p, out, x)
        return
    entries = normalize_index(xt.shape, node.attrs["index"])
    wrapped = _prepare_dynamic(p, xt, entries, dynamic)
    if not any(e[0] == "array" for e in entries):
        # Basic indexing: a view, as in NumPy.
        parts, axis = [], 0
        for entry in entries:
            kind = entry[0]
            if kind == "newaxis":
                parts.append("None")
                continue
            if kind == "int":
                parts.append(str(entry[1]))
            elif kind == "dyn":
                parts.append(wrapped[axis])
            else:
                parts.append(_slice_text(entry, xt.shape[axis]))
            axis += 1
        if all(part == ":" for part in parts):
            alias(p, out, x)
            return
        # `d[i]`, not `d[i, :, :]`: the same view, but Numba types the first C-contiguous
        # (layout 'C') and the second 'A', and a loop over an 'A' array does not vectorise
        # (W4's RNN lost 2 ms of 5 to that) and BLAS gets a copy of it.
        while parts[-1] == ":":
            parts.pop()
        leading = all(e[0] in ("int", "dyn") for e in entries[:len(parts)])
        p.em.line(f"{name} = {p.ref(x)}[{', '.join(parts)}]", node_comment(node))
        if leading and x in p.contiguous and ot.shape:
            p.contiguous.add(out)
        if x in p.readonly:
            p.readonly.add(out)
        return
    # Advanced indexing: a gather loop over the output.
    dims, adv_shape = _index_plan(xt, entries, dynamic)
    if ot.shape:
        p.em.line(f"{name} = {p.empty(out)}", node_comment(node))
        p.contiguous.add(out)
    with p.loops(ot.shape) as index:
        source = _source_index(p, xt, entries, dynamic, dims, adv_shape, index, wrapped)
        p.em.line(f"{subscript(name, index)} = {subscript(p.ref(x), source)}")


def emit_set_index(p: ProgramWriter, node: Node) -> None:
    x, value, dynamic = node.inputs[0], node.inputs[1], list(node.inputs[2:])
    out = node.outputs[0]
    xt = x.type
    name = p.name(out)
    if not xt.shape:
        element = p.read(value, ['0'] * value.type.ndim, value.type.shape, xt.dtype)
        p.em.line(f"{name} = {strip(element)}", node_comment(node))
        return
    entries = normalize_index(xt.shape, node.attrs["index"])
    dims, adv_shape = _index_plan(xt, entries, dynamic)
    region = []
    for d in dims:
        if d[0] == "adv":
            region.append(adv_shape[d[1]])
        elif d[0] == "new":
            region.append(1)
        else:
            _, entry, axis = d
            region.append(len(range(*slice(*entry[1:]).indices(xt.shape[axis]))))
    comment = None
    if _inplace(p, node):  # x is dead: write into it, and the result is x
        name = p.ref(x)
        p.namer.alias(out, name)
        comment = f"{node_comment(node)}, in place"
    else:
        p.em.line(f"{name} = {p.ref(x)}.copy()", node_comment(node))
    wrapped = _prepare_dynamic(p, xt, entries, dynamic)
    # Basic indices write distinct elements, so a big region may be split across threads.
    basic = not any(e[0] == "array" for e in entries)
    with p.loops(region, parallel=basic) as index:
        source = _source_index(p, xt, entries, dynamic, dims, adv_shape, index, wrapped)
        element = p.read(value, index, region, xt.dtype)
        p.em.line(f"{subscript(name, source)} = {strip(element)}", comment)


def _inplace(p: ProgramWriter, node: Node) -> bool:
    return p.options.inplace and p.plan is not None and p.plan.is_inplace(node)
