"""Which values depend on the inputs being differentiated ("varied" values).

Reverse mode needs cotangents only for values that are both varied (depend on a `wrt`
input) and useful (the output depends on them). Usefulness falls out of the backward
sweep itself — a node whose outputs received no cotangent is skipped — but variedness
must be known up front: it decides which control-flow nodes need a tape in the forward
pass, and which inputs a rule must produce cotangents for.

The analysis over-approximates, which is safe (an extra zero cotangent, never a wrong
one): a loop-carried value is varied if it is varied on entry or after the body, found by
iterating the body to a fixed point. Only real floating values can be varied; integer
and bool values, and the outputs of `NON_DIFFERENTIABLE` ops, stop dependence.
"""

from __future__ import annotations

from typing import Iterable

from autograph.autodiff.emitter import differentiable
from autograph.autodiff.rules import NON_DIFFERENTIABLE
from autograph.errors import AutographError
from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import Op


def varied_values(graph: Graph, wrt: Iterable[Value]) -> set[Value]:
    """The values of `graph` (nested regions included) that depend on any of `wrt`."""
    varied = set(wrt)
    _region(graph.body, varied)
    return varied


def _region(region: Region, varied: set[Value]) -> None:
    for node in region.nodes:
        if node.op is Op.COND:
            _cond(node, varied)
        elif node.op in (Op.WHILE, Op.FOR):
            _loop(node, varied)
        elif node.op not in NON_DIFFERENTIABLE and any(v in varied for v in node.inputs):
            _mark(node, node.outputs, varied)


def _mark(node: Node, values: Iterable[Value], varied: set[Value]) -> None:
    for value in values:
        if differentiable(value.type):
            varied.add(value)
        elif value.type.dtype.kind == "c":
            raise AutographError(f"cannot differentiate through {node.op}: complex values "
                                 f"({value.type}) are not supported", node.origin)


def _cond(node: Node, varied: set[Value]) -> None:
    for region in node.regions:
        _region(region, varied)
    for j, out in enumerate(node.outputs):
        if any(region.results[j] in varied for region in node.regions):
            _mark(node, [out], varied)


def _loop(node: Node, varied: set[Value]) -> None:
    """Carried value j is varied if its initial value or the body's result j is."""
    body = node.regions[-1]
    skip = 1 if node.op is Op.FOR else 0          # a for body's first param is the index
    carried_in = node.inputs[3:] if node.op is Op.FOR else node.inputs
    param_lists = [body.params[skip:]] + ([node.regions[0].params] if node.op is Op.WHILE else [])
    while True:
        before = len(varied)
        for j, init in enumerate(carried_in):
            if init in varied or body.results[j] in varied:
                for params in param_lists:
                    _mark(node, [params[j]], varied)
        for region in node.regions:
            _region(region, varied)
        if len(varied) == before:
            break
    for j, out in enumerate(node.outputs):
        if body.params[skip + j] in varied:
            varied.add(out)
