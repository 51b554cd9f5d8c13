"""Dead-code elimination: drop what no result and no side effect needs.

Two phases, so the decision is made on the whole graph before anything is removed:

1. Liveness, a backward walk from the graph's results. A node is needed when one of its
   outputs is live or it has a side effect (a PRINT, or a control-flow node with one
   inside); a needed node makes its inputs live. Loops carry values around: carried value
   k of a FOR/WHILE is needed when the loop's output k is live, or when the condition or
   some needed value in the body reads it. That is a fixed point, found by re-walking the
   body as the set of needed carries grows (monotone, so it ends); a loop variable that
   only feeds itself (`k = k + 1` with `k` unused after the loop) is not needed.
2. Pruning: unneeded nodes go, needed control flow loses its dead parts: unused COND
   outputs (and the branch results yielding them), unneeded carried values of WHILE/FOR
   (the input, the region params, the body result and the output).

A loop with no live output and no side effect is removed whole, as compilers assume
loops terminate (a WHILE that would never end then ends).

Example:

>>> import numpy as np
>>> from autograph.ir import Builder, Op, TensorType
>>> b = Builder("f")
>>> x = b.add_input(TensorType((3,), np.float32), "x")
>>> n = b.add_input(TensorType((), np.int64, True), "n")
>>> i, acc, k = b.open_region([TensorType((), np.int64), x.type, n.type], ["i", "acc", "k"])
>>> body = b.close_region([b.emit(Op.ADD, [acc, x]), b.emit(Op.ADD, [k, n])])
>>> zero, one = b.emit(Op.CONSTANT, [], value=0), b.emit(Op.CONSTANT, [], value=1)
>>> s, _ = b.emit(Op.FOR, [zero, n, one, x, n], regions=[body])
>>> _unused = b.emit(Op.EXP, [x])
>>> g = b.finish([s])
>>> print(g, end="")
graph f(x:f32[3], n:i64~[]) {
  a:f32[3] b:i64~[] = for 0:i64~[] n 1:i64~[] x n {
    body ^(i:i64[], acc:f32[3], k:i64~[]):
      c:f32[3] = add acc x
      d:i64~[] = add k n
      yield c d
  }
  e:f32[3] = exp x
  return (a,)
}
>>> run(g)
True
>>> print(g, end="")
graph f(x:f32[3], n:i64~[]) {
  a:f32[3] = for 0:i64~[] n 1:i64~[] x {
    body ^(i:i64[], acc:f32[3]):
      b:f32[3] = add acc x
      yield b
  }
  return (a,)
}
"""

from __future__ import annotations

from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import Op
from autograph.passes.common import has_side_effects, renumber_outputs, renumber_params
from autograph.passes.report import Changes

NAME = "dce"
REQUIRES: tuple[str, ...] = ()


def run(graph: Graph, changes: Changes | None = None) -> bool:
    """Removes dead nodes and dead loop/cond state from `graph` in place; True if any."""
    changes = Changes() if changes is None else changes
    liveness = _Liveness()
    liveness.region(graph.body, [True] * len(graph.body.results))
    pruner = _Pruner(liveness, changes)
    pruner.region(graph.body)
    return pruner.changed


class _Liveness:
    """Which values are live, and for each loop which carried values are needed."""

    def __init__(self):
        self.live: set[Value] = set()
        self.carried: dict[Node, list[bool]] = {}
        self._effects: dict[Node, bool] = {}

    def effects(self, node: Node) -> bool:
        if node not in self._effects:
            self._effects[node] = has_side_effects(node)
        return self._effects[node]

    def needed(self, node: Node) -> bool:
        return self.effects(node) or any(v in self.live for v in node.outputs)

    def region(self, region: Region, live_results: list[bool]) -> None:
        self.live.update(v for v, live in zip(region.results, live_results) if live)
        for node in reversed(region.nodes):
            if self.needed(node):
                self.node(node)

    def node(self, node: Node) -> None:
        outputs = [v in self.live for v in node.outputs]
        if node.op is Op.COND:
            for branch in node.regions:
                self.region(branch, outputs)
            self.live.add(node.inputs[0])
        elif node.op is Op.FOR:
            (body,) = node.regions
            mask = self.loop(body, outputs, offset=1)
            self.carried[node] = mask
            self.live.update(node.inputs[:3])
            self.live.update(v for v, m in zip(node.inputs[3:], mask) if m)
        elif node.op is Op.WHILE:
            cond, body = node.regions
            self.region(cond, [True])
            outputs = [o or p in self.live for o, p in zip(outputs, cond.params)]
            mask = self.loop(body, outputs, offset=0)
            self.carried[node] = mask
            self.live.update(v for v, m in zip(node.inputs, mask) if m)
        else:
            self.live.update(node.inputs)

    def loop(self, body: Region, mask: list[bool], offset: int) -> list[bool]:
        """The needed carried values: grows `mask` until the body needs no other param."""
        while True:
            self.region(body, mask)
            grown = [m or p in self.live for m, p in zip(mask, body.params[offset:])]
            if grown == mask:
                return mask
            mask = grown


class _Pruner:
    """Removes what `_Liveness` found unneeded, counting each kind of removal."""

    def __init__(self, liveness: _Liveness, changes: Changes):
        self.liveness = liveness
        self.changes = changes
        self.changed = False

    def note(self, kind: str, count: int) -> None:
        if count:
            self.changes.add(kind, count)
            self.changed = True

    def region(self, region: Region) -> None:
        kept = []
        for node in region.nodes:
            if not self.liveness.needed(node):
                self.note("removed {n} dead node{s}", 1 + sum(1 for r in node.regions
                                                             for _ in r.walk()))
                continue
            if node.op is Op.COND:
                self.prune_cond(node)
            elif node.op in (Op.FOR, Op.WHILE):
                self.prune_loop(node)
            for sub in node.regions:
                self.region(sub)
            kept.append(node)
        region.nodes = kept

    def prune_cond(self, node: Node) -> None:
        keep = [v in self.liveness.live for v in node.outputs]
        if all(keep):
            return
        for branch in node.regions:
            branch.results = [v for v, k in zip(branch.results, keep) if k]
        node.outputs = [v for v, k in zip(node.outputs, keep) if k]
        renumber_outputs(node)
        self.note("dropped {n} unused cond output{s}", keep.count(False))

    def prune_loop(self, node: Node) -> None:
        keep = self.liveness.carried[node]
        if all(keep):
            return
        fixed = 3 if node.op is Op.FOR else 0  # start, stop, step
        node.inputs = node.inputs[:fixed] + [v for v, k in zip(node.inputs[fixed:], keep) if k]
        node.outputs = [v for v, k in zip(node.outputs, keep) if k]
        renumber_outputs(node)
        for region in node.regions:
            offset = 1 if node.op is Op.FOR else 0  # the FOR body's index param stays
            region.params = region.params[:offset] + [
                p for p, k in zip(region.params[offset:], keep) if k]
            renumber_params(region)
        body = node.regions[-1]
        body.results = [v for v, k in zip(body.results, keep) if k]
        self.note("dropped {n} unused loop-carried value{s}", keep.count(False))
