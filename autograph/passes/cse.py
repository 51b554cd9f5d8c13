"""Common-subexpression elimination by hash-consing, scoped by region.

Two pure nodes with the same op, the same input values and the same attributes compute
the same thing; the later one is dropped and its outputs replaced by the earlier one's.
Each region has its own table chained to the enclosing region's: a node in a loop body
may be replaced by an equal node computed before the loop (its value is visible there),
but a node computed inside a region is never reused outside it, nor in a sibling branch
(it may never have run). Side-effect ops (PRINT) and control-flow ops are never merged.

Keys are `(op, inputs, attrs)`. Inputs of commutative ops are taken as a set (`a+b` is
`b+a`), except MAXIMUM/MINIMUM, whose result on `-0.0` and `+0.0` depends on the order.
Attribute floats are keyed by their `repr`, so `0.0` and `-0.0` (equal as floats) stay two
constants, and constant arrays by dtype, shape and bytes.

Example:

>>> import numpy as np
>>> from autograph.ir import Builder, Op, TensorType
>>> b = Builder("f")
>>> x = b.add_input(TensorType((3,), np.float32), "x")
>>> y = b.add_input(TensorType((3,), np.float32), "y")
>>> s = b.emit(Op.ADD, [b.emit(Op.EXP, [x]), y])
>>> g = b.finish([b.emit(Op.MUL, [s, b.emit(Op.ADD, [y, b.emit(Op.EXP, [x])])])])
>>> print(g, end="")
graph f(x:f32[3], y:f32[3]) {
  a:f32[3] = exp x
  b:f32[3] = add a y
  c:f32[3] = exp x
  d:f32[3] = add y c
  e:f32[3] = mul b d
  return (e,)
}
>>> run(g)
True
>>> print(g, end="")
graph f(x:f32[3], y:f32[3]) {
  a:f32[3] = exp x
  b:f32[3] = add a y
  c:f32[3] = mul b b
  return (c,)
}
"""

from __future__ import annotations

import numpy as np

from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import COMMUTATIVE, Op
from autograph.passes.common import is_pure
from autograph.passes.report import Changes

NAME = "cse"
REQUIRES: tuple[str, ...] = ()

# Commutative in value for every input, signed zeros and NaNs included.
_SYMMETRIC = COMMUTATIVE - {Op.MAXIMUM, Op.MINIMUM}


def run(graph: Graph, changes: Changes | None = None) -> bool:
    """Merges equal pure nodes throughout `graph` in place; True if any were merged."""
    changes = Changes() if changes is None else changes
    eliminator = _Eliminator()
    eliminator.region(graph.body, None)
    changes.add("merged {n} common subexpression{s}", eliminator.merged)
    return eliminator.merged > 0


class _Scope:
    """The keys seen in one region, falling back to the enclosing region's."""

    def __init__(self, parent: _Scope | None):
        self.table: dict[tuple, Node] = {}
        self.parent = parent

    def find(self, key: tuple) -> Node | None:
        scope = self
        while scope is not None:
            found = scope.table.get(key)
            if found is not None:
                return found
            scope = scope.parent
        return None


class _Eliminator:
    """One forward walk; `subst` maps the outputs of dropped nodes to their twins'."""

    def __init__(self):
        self.subst: dict[Value, Value] = {}
        self.merged = 0

    def region(self, region: Region, parent: _Scope | None) -> None:
        scope = _Scope(parent)
        kept: list[Node] = []
        for node in region.nodes:
            node.inputs = [self.subst.get(v, v) for v in node.inputs]
            for sub in node.regions:
                self.region(sub, scope)
            if is_pure(node) and node.outputs:
                key = _key(node)
                twin = scope.find(key)
                if twin is not None:
                    self.subst.update(zip(node.outputs, twin.outputs))
                    self.merged += 1
                    continue
                scope.table[key] = node
            kept.append(node)
        region.nodes = kept
        region.results = [self.subst.get(v, v) for v in region.results]


def _key(node: Node) -> tuple:
    inputs = (frozenset(node.inputs) if node.op in _SYMMETRIC and len(node.inputs) == 2
              else tuple(node.inputs))
    if node.op is Op.CONSTANT:
        return node.op, inputs, _canonical(node.attrs["value"])
    return node.op, inputs, _canonical(node.attrs_key())


def _canonical(item):
    """A key in which equal keys mean identical values: floats by repr, arrays by bytes."""
    if isinstance(item, tuple):
        return tuple(_canonical(x) for x in item)
    if isinstance(item, (np.ndarray, np.generic)):
        array = np.asarray(item)
        return "array", type(item).__name__, array.dtype.str, array.shape, array.tobytes()
    if isinstance(item, (bool, int, float, complex)):
        return type(item).__name__, repr(item)
    return item
