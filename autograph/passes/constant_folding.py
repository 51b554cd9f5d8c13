"""Constant folding: evaluate at compile time what does not depend on the inputs.

A node whose inputs are all CONSTANT (and a FULL / ARANGE / EYE, which has no inputs)
becomes a CONSTANT holding what `reference.NUMPY_IMPL` computes, so the folded value is
by construction what the interpreter would have produced, dtype and NEP 50 weakness
included. Folding stops at `MAX_ELEMENTS` elements per result so graphs stay small, and is
skipped when NumPy raises or warns (`1 // 0`, an overflowing cast): the user then gets
the same error or warning at run time as without the optimiser.

Control flow with a constant decision goes too: a COND whose predicate is a constant is
replaced by the taken branch's nodes, and a FOR over an empty constant range or a WHILE
whose condition is constantly false is replaced by its initial values. Inner regions
are folded before the node that owns them, so a predicate folded inside a loop body is
already constant when the cond is looked at.

The operands and the node they fed are left in place when dead; `dce` removes them.

Example (the 0-d constants print inline, so folding shows as the operand changing):

>>> import numpy as np
>>> from autograph.ir import Builder, Op, TensorType
>>> b = Builder("f")
>>> x = b.add_input(TensorType((3,), np.float32), "x")
>>> c = b.emit(Op.MUL, [b.emit(Op.CONSTANT, [], value=2.0), b.emit(Op.CONSTANT, [], value=3.0)])
>>> g = b.finish([b.emit(Op.MUL, [x, c])])
>>> print(g, end="")
graph f(x:f32[3]) {
  a:f64~[] = mul 2.0:f64~[] 3.0:f64~[]
  b:f32[3] = mul x a
  return (b,)
}
>>> run(g)
True
>>> print(g, end="")
graph f(x:f32[3]) {
  a:f32[3] = mul x 6.0:f64~[]
  return (a,)
}
"""

from __future__ import annotations

import warnings

import numpy as np

from autograph.ir import rules
from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import Op
from autograph.ir.reference import NUMPY_IMPL
from autograph.ir.types import TensorType, python_type_of
from autograph.passes.common import constant_array, is_pure, operand
from autograph.passes.report import Changes

NAME = "constant_folding"
REQUIRES: tuple[str, ...] = ()

# The largest result (in elements) folded into a constant; bigger ones stay computed.
MAX_ELEMENTS = 1024


def run(graph: Graph, changes: Changes | None = None) -> bool:
    """Folds constants throughout `graph` in place; True if anything changed."""
    changes = Changes() if changes is None else changes
    folder = _Folder(changes)
    folder.region(graph.body)
    return folder.changed


class _Folder:
    """One forward walk; `subst` maps the outputs of removed control flow to their values.

    A walk in definition order sees every use of a value after its definition, so the
    substitution is applied to each node's inputs as the node is reached, and to each
    region's results when the region ends.
    """

    def __init__(self, changes: Changes):
        self.changes = changes
        self.changed = False
        self.subst: dict[Value, Value] = {}

    def note(self, kind: str) -> None:
        self.changes.add(kind)
        self.changed = True

    def region(self, region: Region) -> None:
        kept: list[Node] = []
        for node in region.nodes:
            node.inputs = [self.subst.get(v, v) for v in node.inputs]
            if node.op is Op.COND and constant_array(node.inputs[0]) is not None:
                taken = node.regions[0 if bool(constant_array(node.inputs[0])) else 1]
                self.region(taken)
                kept.extend(taken.nodes)  # its nodes now run unconditionally, in place
                self.replace(node, taken.results)
                self.note("inlined {n} cond{s} with a constant predicate")
                continue
            for sub in node.regions:
                self.region(sub)
            if _never_runs(node):
                self.replace(node, node.inputs[3:] if node.op is Op.FOR else node.inputs)
                self.note("removed {n} loop{s} that never run")
                continue
            if _fold(node):
                self.note("folded {n} constant{s}")
            kept.append(node)
        region.nodes = kept
        region.results = [self.subst.get(v, v) for v in region.results]

    def replace(self, node: Node, values) -> None:
        for old, new in zip(node.outputs, values):
            self.subst[old] = new


def _never_runs(node: Node) -> bool:
    """A FOR over an empty constant range, or a WHILE whose condition is constantly false."""
    if node.op is Op.FOR:
        bounds = [constant_array(v) for v in node.inputs[:3]]
        return all(b is not None for b in bounds) and bounds[2] != 0 and \
            len(range(*(int(b) for b in bounds))) == 0
    if node.op is Op.WHILE:
        test = constant_array(node.regions[0].results[0])
        return test is not None and not bool(test)
    return False


def _fold(node: Node) -> bool:
    """Turns `node` into a CONSTANT in place if its value is known; True if it did.

    In place, so the output value keeps its identity (and its users need no rewrite).
    """
    if node.op is Op.CONSTANT or not is_pure(node) or len(node.outputs) != 1:
        return False
    ttype = node.outputs[0].type
    if ttype.size > MAX_ELEMENTS:
        return False
    arrays = [constant_array(v) for v in node.inputs]
    if any(a is None for a in arrays):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="raise"):
                result = NUMPY_IMPL[node.op](*map(operand, node.inputs, arrays), **node.attrs)
    except Exception:  # noqa: BLE001 - whatever NumPy objects to is left for run time
        return False
    value = _constant_value(result, ttype)
    if value is None:
        return False
    node.op, node.inputs, node.attrs = Op.CONSTANT, [], {"value": value}
    return True


def _constant_value(result, ttype: TensorType):
    """The CONSTANT `value` attribute whose type is exactly `ttype`, or None if none is.

    Weak types need a Python scalar (only those are weak); strong ones an array.
    """
    array = np.asarray(result)
    if array.shape != ttype.shape or array.dtype != ttype.dtype:
        return None
    value = python_type_of(ttype)(array.item()) if ttype.weak else np.array(array)
    if rules.infer(Op.CONSTANT, [], {"value": value}) != [ttype]:
        return None  # e.g. a weak f32 (a weak cast): no Python scalar has that type
    return value
