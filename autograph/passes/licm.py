"""Loop-invariant code motion: compute once, in front of a loop, what every iteration
would compute the same way.

A node directly in a WHILE's condition or body, or a FOR's body, whose inputs are all
defined outside the loop (or by nodes already hoisted) moves to just before the loop
node; since regions capture implicitly, its inputs are visible there. Inner loops are
done first, so an expression invariant in two nested loops climbs out of both in one run.

Hoisting out of a body is speculative: the loop may run zero times. So only nodes that
cannot fault move: pure nodes without regions (never PRINT, never a COND or loop), and
not INDEX/SET_INDEX with dynamic operands (an index may be out of bounds when the loop
would not have run), not division or modulo by an integer that is not a constant free of
zeros (compiled code raises ZeroDivisionError; NumPy gives 0 with a warning, but we stay
conservative), and not an integer power whose exponent is not a constant >= 0 (NumPy
raises on negative integer powers). Nodes inside a COND nested in the body stay there:
moving them out would compute a branch that might never be taken.

Example:

>>> import numpy as np
>>> from autograph.ir import Builder, Op, TensorType
>>> b = Builder("f")
>>> x = b.add_input(TensorType((3,), np.float32), "x")
>>> n = b.add_input(TensorType((), np.int64, True), "n")
>>> i, acc = b.open_region([TensorType((), np.int64), x.type], ["i", "acc"])
>>> body = b.close_region([b.emit(Op.ADD, [acc, b.emit(Op.EXP, [x])])])
>>> zero, one = b.emit(Op.CONSTANT, [], value=0), b.emit(Op.CONSTANT, [], value=1)
>>> g = b.finish([b.emit(Op.FOR, [zero, n, one, x], regions=[body])])
>>> print(g, end="")
graph f(x:f32[3], n:i64~[]) {
  a:f32[3] = for 0:i64~[] n 1:i64~[] x {
    body ^(i:i64[], acc:f32[3]):
      b:f32[3] = exp x
      c:f32[3] = add acc b
      yield c
  }
  return (a,)
}
>>> run(g)
True
>>> print(g, end="")
graph f(x:f32[3], n:i64~[]) {
  a:f32[3] = exp x
  b:f32[3] = for 0:i64~[] n 1:i64~[] x {
    body ^(i:i64[], acc:f32[3]):
      c:f32[3] = add acc a
      yield c
  }
  return (b,)
}
"""

from __future__ import annotations

import numpy as np

from autograph.ir.graph import Graph, Node, Region, Value, defined_values
from autograph.ir.ops import Op
from autograph.passes.common import constant_array, is_pure
from autograph.passes.report import Changes

NAME = "licm"
REQUIRES: tuple[str, ...] = ()

_LOOPS = (Op.FOR, Op.WHILE)
_DIVISIONS = frozenset({Op.TRUEDIV, Op.FLOORDIV, Op.MOD})
# Dynamic operands start after these many fixed inputs (the array; the array and value).
_INDEX_FIXED = {Op.INDEX: 1, Op.SET_INDEX: 2}


def run(graph: Graph, changes: Changes | None = None) -> bool:
    """Hoists invariant nodes out of every loop of `graph` in place; True if any moved."""
    changes = Changes() if changes is None else changes
    hoister = _Hoister(changes)
    hoister.region(graph.body)
    return hoister.changed


class _Hoister:
    def __init__(self, changes: Changes):
        self.changes = changes
        self.changed = False

    def region(self, region: Region) -> None:
        out: list[Node] = []
        for node in region.nodes:
            for sub in node.regions:
                self.region(sub)  # inner loops first: their invariants reach this loop
            if node.op in _LOOPS:
                hoisted = _hoist(node)
                if hoisted:
                    out.extend(hoisted)
                    self.changes.add(f"hoisted {{n}} op{{s}} out of {node.op}", len(hoisted))
                    self.changed = True
            out.append(node)
        region.nodes = out


def _hoist(loop: Node) -> list[Node]:
    """Removes the invariant nodes from `loop`'s regions; returns them in order."""
    inside: set[Value] = set()
    for region in loop.regions:
        inside |= defined_values(region)
    hoisted: list[Node] = []
    for region in loop.regions:
        kept = []
        for node in region.nodes:
            if _can_hoist(node) and not any(v in inside for v in node.inputs):
                hoisted.append(node)
                inside.difference_update(node.outputs)
            else:
                kept.append(node)
        region.nodes = kept
    return hoisted


def _can_hoist(node: Node) -> bool:
    """Pure, no regions, and unable to fault when the loop would not have run."""
    if not is_pure(node):
        return False
    if node.op in _INDEX_FIXED:
        return len(node.inputs) == _INDEX_FIXED[node.op]
    if node.op in _DIVISIONS:
        divisor = node.inputs[1]
        return divisor.type.dtype.kind not in "biu" or _all_constant(divisor, lambda a: a != 0)
    if node.op is Op.POW and node.outputs[0].type.dtype.kind in "biu":
        return _all_constant(node.inputs[1], lambda a: a >= 0)
    return True


def _all_constant(value: Value, test) -> bool:
    array = constant_array(value)
    return array is not None and bool(np.all(test(array)))
