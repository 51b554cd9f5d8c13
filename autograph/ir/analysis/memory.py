"""Memory planning: which item assignments write in place, which loops carry one buffer,
which elementwise results may reuse a dead operand's buffer.

Item assignment is functional in the IR (`y = set_index x v i` makes a new array) and
should be in place in the generated code when the old value `x` is dead (DESIGN.md,
semantics contract). Copying is not a detail: Mandelbrot's `out[i, j] = n` inside two
staged loops copied the 400×400 image 160,000 times (4.5 s instead of 18 ms).

The analysis reasons about *buffers* and who holds them:

- A value is **owned** when the program allocated its buffer and no other live value
  shares it: results of allocating ops (elementwise, reductions, products, creation,
  gathers, concatenation), SET_INDEX results, and the carried values of loops that carry
  one buffer (below). Graph inputs, constants and views (basic indexing, reshape,
  transpose, broadcast) are not, nor are cond results (a branch may yield an outer value)
  — except inputs the graph marks `donated`: arrays the function writes in place, whose
  final value goes back into that same buffer anyway (`out[i] = ...` then writes the
  caller's array directly, as hand-written Numba does).
- `x` is **dead at** node `n` of region `R` when `x` is defined in `R`, nothing makes an
  alias of it (a view, a region result, a loop's carried input), and every other use has
  *read* before `n` runs. Reads are placed with `dataflow.DataflowIndex.read_position`,
  which accounts for elementwise producers the code generator computes later, inside
  their consumer's loop.
- `y = set_index x ...` is **in place** when `x` is owned and dead at it.
- A loop slot **carries one buffer** (a *chain*) when, in the body, the parameter's
  buffer passes by in-place SET_INDEXes and inner loops that carry one buffer, each holder
  read only before it is handed on, until it is the body's result for that slot. Then
  every iteration writes into the same array. Its first buffer comes from the initial
  value if that is owned and dead at the loop; otherwise the loop copies it once on entry
  (`entry_copies`) instead of once per assignment.
- An elementwise result may **reuse** the buffer of an operand read at the same index
  when the operand is owned and dead there (`reusable`; the code generator asks, as only
  it knows which producers it fused).

Where the decisions show: the code generator computes this plan on the graph it is
given (memory planning must see the final graph, and what it fuses) and writes them as
comments in the program text (`a[b, d] = ba  # set_index ..., in place`, `a =
capture0.copy()  # copied once: the loop writes into it`, `k = e  # ..., into e`).
The pass `memory_planning` (passes/memory_planning.py) changes nothing in the graph and
reports these decisions in the pass report (`explain()`, `autograph dump --passes`). It does not
mark nodes with attributes: the reference interpreter, the exporter and the CUDA
backend read a node's attributes as the op's parameters, so an `inplace=True` would
break them, and a mark could go stale under a later pass.

Example:

>>> import numpy as np
>>> from autograph.ir import Builder, Op, TensorType
>>> b = Builder("f")
>>> x = b.add_input(TensorType((4,), np.float64), "x")
>>> i, acc = b.open_region([TensorType((), np.int64), x.type], ["i", "acc"])
>>> one = b.emit(Op.CONSTANT, [], value=1.0)
>>> body = b.close_region([b.emit(Op.SET_INDEX, [acc, one, i], index=(("dyn", 0),))])
>>> bounds = [b.emit(Op.CONSTANT, [], value=v) for v in (0, 4, 1)]
>>> y = b.emit(Op.FOR, bounds + [x], regions=[body])
>>> g = b.finish([y])
>>> decisions = plan(g)
>>> loop = g.body.nodes[-1]
>>> decisions.chains(loop), decisions.entry_copies[loop], len(decisions.inplace)
({0: [<Node set_index 3 in, 1 out>]}, {0}, 1)

`x` is a graph input (the caller's array), so the loop copies it once on entry and the
assignment writes into that copy on every iteration, instead of copying the whole
array on every iteration.
"""

from __future__ import annotations

from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import ALLOCATING, Op
from autograph.ir.analysis.dataflow import DataflowIndex, Use

_VIEWS = frozenset({Op.RESHAPE, Op.TRANSPOSE, Op.BROADCAST_TO})
LOOPS = frozenset({Op.FOR, Op.WHILE})


def carried_offset(loop: Node) -> int:
    """Where a loop's carried values start among its inputs (FOR: after the bounds)."""
    return 3 if loop.op is Op.FOR else 0


def _body_param(loop: Node, slot: int) -> Value:
    body = loop.regions[-1]
    return body.params[slot + (1 if loop.op is Op.FOR else 0)]


def _has_array_entry(node: Node) -> bool:
    return any(entry[0] == "array" for entry in node.attrs.get("index", ()))


class MemoryPlan:
    """The decisions for one graph; built once, queried by the code generator."""

    def __init__(self, graph: Graph, index: DataflowIndex | None = None):
        self.graph = graph
        self.index = DataflowIndex(graph) if index is None else index
        self._donated = {graph.inputs[i] for i in graph.donated}
        self._chains: dict[Node, dict[int, list[Node]]] = {}
        self.inplace: set[Node] = set()
        self.entry_copies: dict[Node, set[int]] = {}
        for node in graph.walk():
            if node.op in LOOPS:
                chains = self.chains(node)
                copies = {k for k in chains if not self._transferable(node, k)}
                if copies:
                    self.entry_copies[node] = copies
            elif node.op is Op.SET_INDEX and self._settable(node):
                self.inplace.add(node)

    # -- what a use does with the buffer

    @staticmethod
    def is_alias_use(use: Use) -> bool:
        """Whether the use may keep a reference to the value's buffer (a view, a region
        result, a loop's carried input), rather than read it then and there."""
        node = use.node
        if node is None:
            return True
        op = node.op
        if op is Op.INDEX:
            return use.position == 0 and node.outputs[0].type.shape != () and \
                not _has_array_entry(node)
        if op in _VIEWS:
            return use.position == 0 and node.outputs[0].type.shape != () and \
                node.inputs[0].type.shape != ()
        if op in LOOPS:
            return use.position >= carried_offset(node)
        if op is Op.COND:
            return False  # only the predicate is an operand
        return False

    # -- ownership

    def owned(self, value: Value) -> bool:
        """Whether the program allocated `value`'s buffer and nothing else shares it."""
        if value.type.shape == ():
            return False
        node = value.producer
        if node is None:
            owner = self.index.loop_of_param(value)
            if owner is None:  # a graph input: the caller's, unless donated (Graph.donated)
                return value in self._donated
            loop, region, i = owner
            if loop.op not in LOOPS or region is not loop.regions[-1]:
                return False  # a while's condition parameter, or a cond's
            slot = i - (1 if loop.op is Op.FOR else 0)
            return slot in self.chains(loop)
        if node.op in ALLOCATING:
            return True
        if node.op is Op.INDEX:
            return _has_array_entry(node) or node.inputs[0].type.shape == ()
        if node.op in LOOPS:
            return value.index in self.chains(node)
        return False

    def dead_at(self, value: Value, node: Node, allowed: frozenset | set = frozenset()) -> bool:
        """Whether `value` may be overwritten by `node`: defined in `node`'s region, never
        aliased, and every use except `node`'s (and those of `allowed` nodes, which read
        the same element as `node` writes) has read before `node` runs."""
        region = self.index.region_of[node]
        if self.index.defining_region.get(value) is not region:
            return False
        at = self.index.position[node]
        for use in self.index.uses_of(value):
            if use.node is node or use.node in allowed:
                continue
            if self.is_alias_use(use):
                return False
            if self.index.read_position(use, region) >= at:
                return False
        return True

    def _settable(self, node: Node) -> bool:
        x = node.inputs[0]
        if x.type.shape == () or x in node.inputs[1:]:
            return False
        return self.owned(x) and self.dead_at(x, node)

    # -- loops carrying one buffer

    def chains(self, loop: Node) -> dict[int, list[Node]]:
        """Slot -> the nodes handing the slot's buffer on (SET_INDEXes, inner loops),
        for the slots of `loop` whose body carries one buffer."""
        cached = self._chains.get(loop)
        if cached is not None:
            return cached
        self._chains[loop] = {}  # no recursion through the same loop
        found = {}
        body = loop.regions[-1]
        n_carried = len(loop.inputs) - carried_offset(loop)
        for slot in range(n_carried):
            links = self._chain(body, _body_param(loop, slot), slot)
            if links:
                found[slot] = links
        self._chains[loop] = found
        return found

    def _chain(self, body: Region, param: Value, slot: int) -> list[Node] | None:
        if param.type.shape == ():
            return None
        holder, links = param, []
        while True:
            handover = self._handover(body, holder, slot)
            if handover is None:
                return None
            if handover.is_result:
                return links or None
            node = handover.node
            links.append(node)
            holder = node.outputs[0] if node.op is Op.SET_INDEX else \
                node.outputs[handover.position - carried_offset(node)]

    def _handover(self, body: Region, holder: Value, slot: int) -> Use | None:
        """The one use that hands `holder`'s buffer on, if every other use reads before it."""
        handovers = []
        for use in self.index.uses_of(holder):
            if use.region is body and use.is_result:
                if use.position != slot:
                    return None
                handovers.append(use)
            elif use.region is body and use.node.op is Op.SET_INDEX and use.position == 0:
                handovers.append(use)
            elif use.region is body and use.node.op in LOOPS and self.is_alias_use(use):
                inner = use.node
                if use.position - carried_offset(inner) not in self.chains(inner):
                    return None
                handovers.append(use)
            elif self.is_alias_use(use):
                return None
        if len(handovers) != 1:
            return None
        handover = handovers[0]
        if handover.is_result:
            at = len(body.nodes)
        else:
            node = handover.node
            if holder in node.inputs[:carried_offset(node)] or \
                    node.inputs.count(holder) != 1:
                return None
            at = self.index.position[node]
        for use in self.index.uses_of(holder):
            if use is not handover and self.index.read_position(use, body) >= at:
                return None
        return handover

    def _transferable(self, loop: Node, slot: int) -> bool:
        """Whether the loop may take its initial value's buffer instead of a copy."""
        init = loop.inputs[carried_offset(loop) + slot]
        if not self.owned(init) or loop.inputs.count(init) != 1:
            return False
        return self.dead_at(init, loop)

    # -- elementwise results into dead operands

    def reusable(self, operand: Value, node: Node, fused: frozenset | set = frozenset()) -> bool:
        """Whether elementwise `node` may write its result into `operand`'s buffer:
        same shape and dtype (so it reads element k just before writing element k),
        owned, a node result (not a loop parameter), and dead at `node`; `fused` are
        the producers computed inside `node`'s loop, which read at the same index."""
        out = node.outputs[0].type
        if operand.type != out or operand.type.shape == () or operand.producer is None:
            return False
        return self.owned(operand) and self.dead_at(operand, node, fused)

    def is_inplace(self, node: Node) -> bool:
        return node in self.inplace


def plan(graph: Graph) -> MemoryPlan:
    """The memory plan of `graph` (not modified)."""
    return MemoryPlan(graph)

