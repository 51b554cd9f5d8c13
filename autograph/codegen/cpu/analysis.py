"""What a graph's CPU program will contain, decided before a line of it is written.

The writer (`cpu_writer.ProgramWriter`) asks these questions once per graph and the
emitters then consult the answers:

- which nodes are emitted at all (`live_nodes`: used outputs or side effects; dead
  nodes are dropped, as DCE would);
- which elementwise results are never materialised but computed inside their only
  consumer's loop nest (`fused_values`; `passes/dataflow.py` assumes at most this much);
- which 0-d constants are written as literals where used (`is_inline_constant`);
- which outputs may live in buffers the caller recycles (`recyclable_outputs`);
- whether the backend can compile the graph at all (`check_supported`: no float16);
- whether an elementwise loop nest is worth a parallel region (`ParallelChoices`, with
  the cost model of `ir/analysis/parallel.py`), and the reasons explain() shows.

They are plain functions of the final graph, kept apart from the writer so each reads
(and is tested through the generated text) on its own.
"""

from __future__ import annotations

import numpy as np

import math

from autograph.codegen.emitter import CodegenError
from autograph.ir.analysis import parallel as cost_model
from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import ELEMENTWISE, REDUCTION, REGION_NAMES, SIDE_EFFECT, Op

HUGE_PAGE_THRESHOLD = 1 << 22  # cpu_runtime.THRESHOLD, without importing Numba to know it


# ---- constants ----------------------------------------------------------------------------

def const_value(value: Value):
    """The value of a 0-d CONSTANT, or None if `value` is not one."""
    node = value.producer
    if node is not None and node.op is Op.CONSTANT and value.type.shape == ():
        return node.attrs["value"]
    return None


def is_scalar_constant(value: Value) -> bool:
    node = value.producer
    return node is not None and node.op is Op.CONSTANT and value.type.shape == ()


def is_inline_constant(node: Node) -> bool:
    """0-d constants are written as literals where used, never as statements."""
    return node.op is Op.CONSTANT and node.outputs[0].type.shape == ()


# ---- what is emitted, what is fused ---------------------------------------------------

def _has_effect(node: Node) -> bool:
    return node.op in SIDE_EFFECT or any(
        _has_effect(n) for r in node.regions for n in r.nodes)


def live_nodes(graph: Graph) -> set[Node]:
    """Nodes whose outputs are used or that have side effects (a reverse scan)."""
    live_values: set[Value] = set(graph.outputs)
    live: set[Node] = set()

    def scan(region: Region) -> None:
        for node in reversed(region.nodes):
            if _has_effect(node) or any(v in live_values for v in node.outputs):
                live.add(node)
                live_values.update(node.inputs)
                for sub in node.regions:
                    live_values.update(sub.results)
                    scan(sub)

    scan(graph.body)
    return live


# Consumers that read an operand one element at a time at its own full index, so an
# elementwise producer can be computed inside their loops instead of materialised.
_FUSING_CONSUMERS = ELEMENTWISE | REDUCTION


def fused_values(graph: Graph, live: set[Node]) -> set[Value]:
    """Elementwise results computed inside their only consumer's loop nest."""
    count: dict[Value, int] = {}
    consumer: dict[Value, tuple[Node, Region]] = {}
    results: set[Value] = set(graph.outputs)

    def visit(region: Region) -> None:
        for node in region.nodes:
            if node not in live:
                continue
            for v in node.inputs:
                count[v] = count.get(v, 0) + 1
                consumer[v] = (node, region)
            for sub in node.regions:
                results.update(sub.results)
                visit(sub)

    visit(graph.body)
    fused: set[Value] = set()

    def select(region: Region) -> None:
        for node in region.nodes:
            for sub in node.regions:
                select(sub)
            if node not in live or node.op not in ELEMENTWISE:
                continue
            out = node.outputs[0]
            if out in results or count.get(out) != 1:
                continue
            user, where = consumer[out]
            if where is not region or user.op not in _FUSING_CONSUMERS:
                continue
            if user.op in ELEMENTWISE and user.outputs[0].type.shape != out.type.shape:
                continue
            fused.add(out)

    select(graph.body)
    return fused


def check_supported(graph: Graph) -> None:
    def check(value: Value, where: str) -> None:
        if value.type.dtype == np.float16:
            raise CodegenError(f"numba_cpu: float16 is not supported ({where} is "
                               f"{value.type}); cast to float32 first")

    for p in graph.inputs:
        check(p, "an input")

    def visit(region: Region) -> None:
        for node in region.nodes:
            for v in node.outputs:
                check(v, f"the result of {node.op}")
            for sub in node.regions:
                for p in sub.params:
                    check(p, f"a parameter of a {node.op} region")
                visit(sub)

    visit(graph.body)


def recyclable_outputs(graph: Graph) -> frozenset[Value]:
    """The outputs a caller's buffer may hold (`CpuOptions.recycle_results`): made by a
    node of the top level (a region's values may be swapped or reassigned per
    iteration), listed once among the outputs, of `cpu_runtime.THRESHOLD` bytes or more
    (smaller ones cost no page faults worth a pool). One gets a buffer only where its
    emitter would allocate it (`ProgramWriter.empty`), not where it takes an operand's."""
    top = set(graph.body.nodes)
    outputs = list(graph.outputs)
    return frozenset(
        v for v in outputs
        if v.producer in top and v.producer.op not in REGION_NAMES and v.type.shape
        and outputs.count(v) == 1
        and v.type.size * v.type.dtype.itemsize >= HUGE_PAGE_THRESHOLD)


# ---- parallel or serial -------------------------------------------------------------------

def element_ns(node: Node, fused: set[Value]) -> float:
    """Estimated serial nanoseconds per element of `node`'s loop nest: its own op and
    every producer fused into it, plus writing the result."""
    total, stack, seen = cost_model.MEMORY_NS, [node], set()
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        total += cost_model.op_ns(n)
        stack.extend(v.producer for v in n.inputs if v in fused and v.producer is not None)
    return total


class ParallelChoices:
    """Decides, loop nest by loop nest, whether an elementwise nest runs as a `prange`:
    only when its estimated serial work reaches `threshold` nanoseconds (a parallel
    region below a few hundred µs costs more than it saves, and under load much more);
    keeps a line per decision for explain(). `plan_parallel`'s notes on FOR loops are
    added to the same list by the writer."""

    def __init__(self, threshold: float):
        self.threshold = threshold
        self.notes: list[str] = []

    def elementwise(self, shape, per_element: float, what: str = "") -> bool:
        elements = math.prod(shape)
        work = elements * per_element
        parallel = work >= self.threshold
        what = what or "loop nest"
        if parallel:
            self.notes.append(f"parallel: {what} over {elements} elements "
                              f"(~{cost_model.describe_ns(work)} of work)")
        elif work >= self.threshold / 20:  # only those close enough to ask about
            self.notes.append(f"serial: {what} over {elements} elements, "
                              f"~{cost_model.describe_ns(work)} of work, under the "
                              f"{cost_model.describe_ns(self.threshold)} a parallel region "
                              f"is worth")
        return parallel

    def lines(self) -> list[str]:
        return list(self.notes)
