"""Loop parallelisation: which staged FOR loops may run their iterations in parallel
(`numba.prange`), and the integer ranges that make that provable.

A FOR loop is parallel when its iterations are independent and their order cannot be
observed. With loop-carried state that holds only when every carried value is an array
the loop writes *and never reads*, each iteration into its own part — Mandelbrot's
`out[i, j] = n` inside `for i`. The conditions, all checked on the IR:

1. Bounds are constants, `0 <= start`, `step == 1`, at least two iterations.
2. Every carried value carries one buffer (memory_planning: a chain of in-place
   SET_INDEXes and inner loops doing the same), and every holder of that buffer is only
   handed on, never read (so no iteration sees another's writes). A WHILE's condition
   must not read it either.
3. Every SET_INDEX on the chain indexes one axis with the loop index itself (or a cast
   of it) and that axis is at least `stop` long: iterations write disjoint slices.
4. Nothing in the body can raise: every dynamic index is provably in bounds
   (`index_range`), there are no advanced (array) indices and no integer powers (whose
   helper raises for negative exponents), and no `print`. Numba runs a prange loop
   with a possible exception serially anyway.
5. It is worth it: the work the loop does serially, estimated from the graph
   (`estimated_ns`: elements × a cost per op, transcendental functions weighing ~8
   arithmetic ops, trip counts multiplied through nested loops, `UNKNOWN_TRIPS` for a
   WHILE), reaches the threshold (`DEFAULT_THRESHOLD_NS`, 300 µs). Below it, a parallel
   region costs more than it saves: every region ends in a barrier that waits for the
   slowest thread, and on a loaded machine a descheduled thread stalls the whole call
   for a scheduler slice (issue 17: a 200x200 stencil 1.56x slower on two threads). Only
   the outermost such loop is parallel; Numba would run nested pranges serially.

`index_range(value, index)` bounds integer scalars that are loop indices with constant
bounds, constants, casts and sums/differences of those with constants; the code
generator also uses it to drop index wrap-around and bounds checks it can prove
unnecessary.

The pass `parallel_loops` (passes/parallel_loops.py) changes nothing in the graph: it
reports which loops the code generator runs with `prange` (the program text says `numba.prange` and
`# for, iterations in parallel`).

Example:

>>> import numpy as np
>>> from autograph.ir import Builder, Op, TensorType
>>> b = Builder("f")
>>> x = b.add_input(TensorType((10000, 1000), np.float64), "x")
>>> i, acc = b.open_region([TensorType((), np.int64), x.type], ["i", "acc"])
>>> j, row = b.open_region([TensorType((), np.int64), x.type], ["j", "row"])
>>> one = b.emit(Op.CONSTANT, [], value=1.0)
>>> inner = b.close_region([b.emit(Op.SET_INDEX, [row, one, i, j],
...                                index=(("dyn", 0), ("dyn", 1)))])
>>> bounds = [b.emit(Op.CONSTANT, [], value=v) for v in (0, 1000, 1)]
>>> body = b.close_region([b.emit(Op.FOR, bounds + [acc], regions=[inner])])
>>> bounds = [b.emit(Op.CONSTANT, [], value=v) for v in (0, 10000, 1)]
>>> y = b.emit(Op.FOR, bounds + [x], regions=[body])
>>> g = b.finish([y])
>>> [loop in plan_parallel(g) for loop in g.walk() if loop.op is Op.FOR]
[True, False]
"""

from __future__ import annotations

import numpy as np

from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import Op
from autograph.ir.analysis.dataflow import DataflowIndex
from autograph.ir.analysis.memory import MemoryPlan, carried_offset

# The cost model. Units: estimated nanoseconds of serial work on one core, calibrated on
# the benchmarks (W2's fused float32 chain of 8 ops, two of them transcendental, runs at
# ~3.5 ns per element on one core of the 2-core machine; a Mandelbrot step at ~1 ns).
DEFAULT_THRESHOLD_NS = 300_000  # 300 µs: below it a region stays serial
DEFAULT_THRESHOLD = DEFAULT_THRESHOLD_NS
ARITHMETIC_NS = 0.25            # add, compare, select, cast, ... per element
DIVISION_NS = 1.0               # true division, modulo, square root, integer power
TRANSCENDENTAL_NS = 2.0         # exp, log, tanh, sin, ... (vectorised `vecmath` or libm)
MEMORY_NS = 0.25                # per element a node reads or writes besides its arithmetic
UNKNOWN_TRIPS = 16              # iterations assumed for a loop whose count is unknown
_TRANSCENDENTAL = frozenset({
    Op.EXP, Op.EXPM1, Op.LOG, Op.LOG1P, Op.LOG2, Op.LOG10, Op.SIN, Op.COS, Op.TAN,
    Op.ARCSIN, Op.ARCCOS, Op.ARCTAN, Op.SINH, Op.COSH, Op.TANH, Op.ARCTAN2, Op.HYPOT})
_DIVISION = frozenset({Op.TRUEDIV, Op.FLOORDIV, Op.MOD, Op.SQRT, Op.RECIPROCAL, Op.POW})
_MOVING = frozenset({Op.INDEX, Op.SET_INDEX, Op.RESHAPE, Op.TRANSPOSE, Op.BROADCAST_TO,
                     Op.CONCATENATE, Op.FULL, Op.ARANGE, Op.EYE, Op.CONSTANT})


def op_ns(node: Node) -> float:
    """Estimated serial nanoseconds per output element of `node` (its regions apart)."""
    if node.op in _TRANSCENDENTAL:
        return TRANSCENDENTAL_NS
    if node.op in _DIVISION:
        return DIVISION_NS
    if node.op in _MOVING:
        return MEMORY_NS
    return ARITHMETIC_NS


def node_ns(node: Node) -> float:
    """Estimated serial nanoseconds of one execution of `node`, nested regions included.
    A SET_INDEX costs the elements it stores (it writes in place where memory planning
    allows, and a loop's carried array is never copied per iteration); a loop or a
    branch costs its regions; a constant nothing (literals, hoisted arrays)."""
    out = max((v.type.size for v in node.outputs), default=1) or 1
    if node.op is Op.SET_INDEX:
        out = max(1, node.inputs[1].type.size)
    elif node.op in (Op.FOR, Op.WHILE, Op.COND, Op.CONSTANT):
        out = 0
    if node.op in (Op.MATMUL, Op.DOT) and node.inputs and node.inputs[0].type.shape:
        return out * node.inputs[0].type.shape[-1] * ARITHMETIC_NS
    if node.op in (Op.SUM, Op.PROD, Op.MAX, Op.MIN, Op.MEAN, Op.ANY, Op.ALL, Op.ARGMAX,
                   Op.ARGMIN, Op.CUMSUM, Op.CUMPROD, Op.SORT, Op.ARGSORT):
        return max(out, node.inputs[0].type.size) * ARITHMETIC_NS * (
            8 if node.op in (Op.SORT, Op.ARGSORT) else 1)
    own = out * op_ns(node)
    if node.op is Op.FOR:
        trips = trip_count(node)
        return own + (UNKNOWN_TRIPS if trips is None else trips) * region_ns(node.regions[-1])
    if node.op is Op.WHILE:
        return own + UNKNOWN_TRIPS * sum(region_ns(r) for r in node.regions)
    if node.op is Op.COND:
        return own + max((region_ns(r) for r in node.regions), default=0.0)
    return own


def region_ns(region: Region) -> float:
    """Estimated serial nanoseconds of one run of `region` (its nodes, not walked twice)."""
    return sum(node_ns(node) for node in region.nodes)


def describe_ns(ns: float) -> str:
    """`3.5 ms`, `120 µs` for explain()."""
    if ns >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    return f"{ns / 1e3:.3g} µs"


# ---- integer ranges ---------------------------------------------------------------------

def _constant_int(value: Value) -> int | None:
    node = value.producer
    if node is None or node.op is not Op.CONSTANT or value.type.shape != ():
        return None
    v = node.attrs["value"]
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        return None
    return int(v)


def loop_bounds(loop: Node) -> tuple[int, int, int] | None:
    """(start, stop, step) of a FOR loop whose bounds are constants."""
    bounds = [_constant_int(v) for v in loop.inputs[:3]]
    if any(b is None for b in bounds) or bounds[2] == 0:
        return None
    return bounds[0], bounds[1], bounds[2]  # type: ignore[return-value]


def trip_count(loop: Node) -> int | None:
    bounds = loop_bounds(loop)
    return None if bounds is None else len(range(*bounds))


def index_range(value: Value, index: DataflowIndex) -> tuple[int, int] | None:
    """Inclusive (low, high) bounds of an integer scalar, or None if unknown."""
    if value.type.shape != () or value.type.dtype.kind not in "iu":
        return None
    c = _constant_int(value)
    if c is not None:
        return c, c
    node = value.producer
    if node is None:
        owner = index.loop_of_param(value)
        if owner is None:
            return None
        loop, region, i = owner
        if loop.op is not Op.FOR or i != 0:
            return None
        bounds = loop_bounds(loop)
        if bounds is None or not range(*bounds):
            return None
        r = range(*bounds)
        return min(r[0], r[-1]), max(r[0], r[-1])
    if node.op is Op.CAST:
        inner = index_range(node.inputs[0], index)
        return inner if inner is not None and _fits(inner, value.type.dtype) else None
    if node.op in (Op.ADD, Op.SUB):
        a, b = (index_range(v, index) for v in node.inputs)
        if a is None or b is None:
            return None
        r = (a[0] + b[0], a[1] + b[1]) if node.op is Op.ADD else (a[0] - b[1], a[1] - b[0])
        return r if _fits(r, value.type.dtype) else None
    return None


def _fits(r: tuple[int, int], dtype: np.dtype) -> bool:
    info = np.iinfo(dtype)
    return info.min <= r[0] and r[1] <= info.max


def in_bounds(value: Value, dim: int, index: DataflowIndex) -> bool:
    """Whether `value`, used as an index into an axis of length `dim`, is always in
    [0, dim): no wrap-around, no IndexError."""
    r = index_range(value, index)
    return r is not None and 0 <= r[0] and r[1] < dim


def _axes(entries) -> list[tuple[tuple, int]]:
    """(entry, axis) for each entry that consumes an axis."""
    out, axis = [], 0
    for entry in entries:
        if entry[0] == "newaxis":
            continue
        out.append((entry, axis))
        axis += 1
    return out


def may_raise(node: Node, index: DataflowIndex) -> bool:
    """Whether the code generated for `node` (not its regions) can raise."""
    if node.op in (Op.INDEX, Op.SET_INDEX):
        x = node.inputs[0]
        if x.type.shape == ():
            return False
        dynamic = node.inputs[1:] if node.op is Op.INDEX else node.inputs[2:]
        for entry, axis in _axes(node.attrs["index"]):
            if entry[0] == "array":
                return True
            if entry[0] == "dyn" and not in_bounds(dynamic[entry[1]], x.type.shape[axis], index):
                return True
        return False
    if node.op is Op.POW:
        return node.outputs[0].type.dtype.kind in "iu"
    return node.op in (Op.PRINT, Op.CHECK)


# ---- the loops ---------------------------------------------------------------------------

def _is_loop_index(value: Value, loop_index: Value, index: DataflowIndex) -> bool:
    while value is not loop_index:
        node = value.producer
        if node is None or node.op is not Op.CAST or node.outputs[0].type.dtype.kind not in "iu":
            return False
        value = node.inputs[0]
    return True


def _disjoint(node: Node, loop_index: Value, stop: int, index: DataflowIndex) -> bool:
    """Whether SET_INDEX `node` writes a slice selected by the loop index on some axis
    at least `stop` long."""
    x = node.inputs[0]
    for entry, axis in _axes(node.attrs["index"]):
        if entry[0] == "dyn" and _is_loop_index(node.inputs[2 + entry[1]], loop_index, index) \
                and x.type.shape[axis] >= stop:
            return True
    return False


def _write_only(plan: MemoryPlan, loop: Node, slot: int, loop_index: Value, stop: int) -> bool:
    """Whether slot `slot`'s buffer is only handed on along its chain, never read, and
    every SET_INDEX writing it selects by `loop_index`."""
    links = plan.chains(loop).get(slot)
    if not links:
        return False
    body = loop.regions[-1]
    holder = body.params[slot + (1 if loop.op is Op.FOR else 0)]
    if loop.op is Op.WHILE and plan.index.uses_of(loop.regions[0].params[slot]):
        return False
    for link in links:
        if len(plan.index.uses_of(holder)) != 1:
            return False
        if link.op is Op.SET_INDEX:
            if not _disjoint(link, loop_index, stop, plan.index):
                return False
            holder = link.outputs[0]
        else:
            inner = link.inputs.index(holder) - carried_offset(link)
            if not _write_only(plan, link, inner, loop_index, stop):
                return False
            holder = link.outputs[inner]
    return len(plan.index.uses_of(holder)) == 1


def parallel_safe(loop: Node, plan: MemoryPlan) -> bool:
    """Conditions 1-4 of the module docstring."""
    if loop.op is not Op.FOR:
        return False
    bounds = loop_bounds(loop)
    if bounds is None:
        return False
    start, stop, step = bounds
    if start < 0 or step != 1 or stop - start < 2:
        return False
    body = loop.regions[0]
    n_carried = len(loop.inputs) - 3
    if n_carried == 0 or set(plan.chains(loop)) != set(range(n_carried)):
        return False
    if not all(_write_only(plan, loop, k, body.params[0], stop) for k in range(n_carried)):
        return False
    return not any(may_raise(node, plan.index) for node in body.walk())


def plan_parallel(graph: Graph, plan: MemoryPlan | None = None,
                  threshold: float = DEFAULT_THRESHOLD_NS, notes: list | None = None
                  ) -> set[Node]:
    """The FOR loops to run with `prange` (outermost ones only). `notes` (a list), if
    given, gets one line per independent loop: parallel or serial, and why."""
    plan = MemoryPlan(graph) if plan is None else plan
    chosen: set[Node] = set()

    def visit(region: Region) -> None:
        for node in region.nodes:
            if node.op is Op.FOR and parallel_safe(node, plan):
                work = node_ns(node)
                where = _where(node)
                if work >= threshold:
                    chosen.add(node)
                    if notes is not None:
                        notes.append(f"parallel: the for loop{where} ({trip_count(node)} "
                                     f"independent iterations, ~{describe_ns(work)} of work)")
                    continue  # nested loops stay serial
                if notes is not None:
                    notes.append(f"serial: the for loop{where} has independent iterations "
                                 f"but ~{describe_ns(work)} of work, under the "
                                 f"{describe_ns(threshold)} a parallel region is worth")
            for sub in node.regions:
                visit(sub)

    visit(graph.body)
    return chosen


def _where(node: Node) -> str:
    origin = getattr(node, "origin", None)
    line = getattr(origin, "lineno", None)
    return f" at line {line}" if line else ""

