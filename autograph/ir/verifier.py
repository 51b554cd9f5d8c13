"""Checks a graph's invariants; passes and tests run it after every change.

Like torch.fx's `Graph.lint` and JAX's `check_jaxpr`: a pass that breaks the IR is caught
where it happened rather than as a wrong answer three stages later. `verify(graph)` raises
`VerificationError` naming the node (its op, its position, the user's line) when:

- a value is used before it is defined, or outside the region that defines it;
- a value is defined twice (two producers, a param reused, a stale producer/index);
- a node's output types disagree with its op's type rule (which also checks a control-flow
  node's region params and results against the op);
- a node's regions do not point back at it, or an attribute is not hashable.
"""

from __future__ import annotations

import numpy as np

from autograph.errors import AutographError
from autograph.ir import rules
from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import Op


class VerificationError(AutographError):
    """The IR is malformed: a bug in whatever built or last rewrote the graph."""


class _Scope:
    """Values visible at a point: this region's so far, then the enclosing regions'."""

    def __init__(self, parent: _Scope | None = None):
        self.values: set[Value] = set()
        self.parent = parent

    def __contains__(self, value: Value) -> bool:
        scope = self
        while scope is not None:
            if value in scope.values:
                return True
            scope = scope.parent
        return False


class _Verifier:
    def __init__(self):
        self.defined: set[Value] = set()

    def fail(self, where: str, node: Node | None, message: str):
        raise VerificationError(f"verify: {where}: {message}", getattr(node, "origin", None))

    def define(self, value: Value, scope: _Scope, where: str, node: Node | None,
               producer: Node | None, index: int) -> None:
        if value in self.defined:
            self.fail(where, node, f"{value!r} is defined twice")
        if value.producer is not producer or value.index != index:
            self.fail(where, node, f"{value!r} records producer {value.producer!r} and index "
                                   f"{value.index}, but is defined at index {index} of "
                                   f"{producer!r}")
        self.defined.add(value)
        scope.values.add(value)

    def region(self, region: Region, scope: _Scope, where: str, owner: Node | None) -> None:
        for i, param in enumerate(region.params):
            self.define(param, scope, where, owner, None, i)
        for position, node in enumerate(region.nodes):
            self.node(node, scope, f"{where} > node {position} ({node.op})")
        for i, value in enumerate(region.results):
            if value not in scope:
                self.fail(where, owner, f"result {i} {value!r} is used before it is defined "
                                        f"or outside its scope")

    def node(self, node: Node, scope: _Scope, where: str) -> None:
        if not isinstance(node.op, Op):
            self.fail(where, node, f"op {node.op!r} is not an Op")
        for i, value in enumerate(node.inputs):
            if value not in scope:
                problem = ("is used outside its scope (it is defined in another region)"
                           if value in self.defined else "is used before it is defined")
                self.fail(where, node, f"input {i} {value!r} {problem}")
        for name, value in node.attrs.items():
            if isinstance(value, np.ndarray) and node.op is Op.CONSTANT:
                continue
            try:
                hash(value)
            except TypeError:
                self.fail(where, node, f"attribute {name}={value!r} is not hashable")
        for i, region in enumerate(node.regions):
            if region.parent is not node:
                self.fail(where, node, f"region {i} does not record this node as its parent")
            self.region(region, _Scope(scope), f"{where} > region {i}", node)
        sigs = [([p.type for p in r.params], [v.type for v in r.results]) for r in node.regions]
        try:
            expected = rules.infer(node.op, [v.type for v in node.inputs], node.attrs, sigs)
        except AutographError as exc:
            self.fail(where, node, f"type rule fails: {exc.message}")
        got = [v.type for v in node.outputs]
        if got != expected:
            self.fail(where, node, f"output types ({', '.join(map(str, got))}) disagree with "
                                   f"the type rule ({', '.join(map(str, expected))})")
        for i, value in enumerate(node.outputs):
            self.define(value, scope, where, node, node, i)


def verify(graph: Graph) -> None:
    """Raises VerificationError if `graph` breaks an IR invariant; returns None otherwise."""
    if len(graph.input_names) != len(graph.body.params):
        raise VerificationError(f"verify: graph {graph.name} has {len(graph.body.params)} "
                                f"inputs but {len(graph.input_names)} input names")
    _Verifier().region(graph.body, _Scope(), f"graph {graph.name}", None)
