"""The graph data structure: SSA values, nodes, regions, graphs, and a builder.

A `Graph` is one `Region` (its params are the graph's inputs, its results the outputs).
A `Node` applies an `Op` to input `Value`s and defines output `Value`s; control-flow nodes
own `Region`s, their sub-graphs. Regions capture implicitly (MLIR / JAX-closure style): a
node may use any value defined earlier in an enclosing region, so the tracer never has to
thread captured values by hand; `free_values` recovers them where a backend or autodiff
needs them explicitly.

Values are identity-hashed: two values are the same only if they are the same object.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from autograph.errors import AutographError
from autograph.ir import rules
from autograph.ir.ops import Op
from autograph.ir.types import TensorType


class Value:
    """One SSA value: the output of a node, or a parameter of a region."""

    __slots__ = ("type", "producer", "index", "hint")

    def __init__(self, type: TensorType, producer: Node | None = None, index: int = 0,
                 hint: str | None = None):
        self.type = type
        self.producer = producer
        self.index = index
        self.hint = hint

    def __repr__(self) -> str:
        name = self.hint or f"v{id(self) & 0xFFFF:04x}"
        return f"<Value {name}:{self.type}>"


class Node:
    """An op applied to values; control-flow nodes own regions."""

    __slots__ = ("op", "inputs", "attrs", "outputs", "regions", "origin")

    def __init__(self, op: Op, inputs: Sequence[Value], attrs: dict | None = None,
                 output_types: Sequence[TensorType] = (), regions: Sequence[Region] = (),
                 origin=None):
        self.op = op
        self.inputs = list(inputs)
        self.attrs = dict(attrs or {})
        self.outputs = [Value(t, self, i) for i, t in enumerate(output_types)]
        self.regions = list(regions)
        self.origin = origin
        for region in self.regions:
            region.parent = self

    def attrs_key(self) -> tuple:
        """The attributes as a hashable, comparable key (CSE, hashing); arrays by content."""
        items = []
        for name, value in sorted(self.attrs.items()):
            if isinstance(value, np.ndarray):
                value = ("ndarray", value.dtype.str, value.shape, value.tobytes())
            elif isinstance(value, np.dtype):
                value = ("dtype", value.str)
            elif isinstance(value, float):  # -0.0 is not 0.0 (and NaN is one key)
                value = ("float", value.hex())
            elif isinstance(value, complex):
                value = ("complex", value.real.hex(), value.imag.hex())
            items.append((name, type(value).__name__, value))
        return tuple(items)

    def __repr__(self) -> str:
        return f"<Node {self.op} {len(self.inputs)} in, {len(self.outputs)} out>"


class Region:
    """A list of nodes with parameters and results; the body of a graph or of a node."""

    __slots__ = ("params", "nodes", "results", "parent")

    def __init__(self, params: Sequence[Value] = (), nodes: Sequence[Node] = (),
                 results: Sequence[Value] = (), parent: Node | None = None):
        self.params = list(params)
        self.nodes = list(nodes)
        self.results = list(results)
        self.parent = parent

    @classmethod
    def with_params(cls, types: Sequence[TensorType],
                    hints: Sequence[str | None] | None = None) -> Region:
        hints = list(hints) if hints is not None else [None] * len(types)
        return cls([Value(t, None, i, h) for i, (t, h) in enumerate(zip(types, hints))])

    def add_node(self, op: Op, inputs: Sequence[Value], attrs: dict | None = None,
                 regions: Sequence[Region] = (), origin=None) -> Node:
        """Appends `op(inputs)`, its output types given by the op's type rule.

        A StagingError from the rule gets `origin` attached, so it names the user's line.
        """
        attrs = dict(attrs or {})
        sigs = [([p.type for p in r.params], [v.type for v in r.results]) for r in regions]
        try:
            types = rules.infer(op, [v.type for v in inputs], attrs, sigs)
        except AutographError as exc:
            raise exc.with_origin(origin)
        node = Node(op, inputs, attrs, types, regions, origin)
        self.nodes.append(node)
        return node

    def walk(self) -> Iterator[Node]:
        """Every node in this region and nested regions, pre-order."""
        for node in self.nodes:
            yield node
            for region in node.regions:
                yield from region.walk()

    def __repr__(self) -> str:
        return f"<Region {len(self.params)} params, {len(self.nodes)} nodes>"


class Graph:
    """A whole traced function: its body region and the names of its inputs.

    `donated` are the positions of inputs whose buffers the program may write into: arrays
    the function writes in place, whose final values the runtime would otherwise copy
    back into the caller's very same arrays (runtime/writeback.py). Memory planning treats
    them as the program's own; nothing else does."""

    __slots__ = ("name", "body", "input_names", "donated")

    def __init__(self, name: str, body: Region | None = None,
                 input_names: Sequence[str] | None = None, donated: frozenset = frozenset()):
        self.name = name
        self.body = Region() if body is None else body
        if input_names is None:
            input_names = [p.hint or f"arg{i}" for i, p in enumerate(self.body.params)]
        self.input_names = list(input_names)
        self.donated = frozenset(donated)

    @property
    def inputs(self) -> list[Value]:
        return self.body.params

    @property
    def outputs(self) -> list[Value]:
        return self.body.results

    def walk(self) -> Iterator[Node]:
        """Every node, pre-order, descending into regions."""
        return self.body.walk()

    def copy(self) -> Graph:
        """A deep copy: new nodes, regions and values (constants' arrays are shared)."""
        mapping: dict[Value, Value] = {}
        body = _copy_region(self.body, mapping)
        return Graph(self.name, body, list(self.input_names), self.donated)

    def __str__(self) -> str:
        from autograph.ir.printer import format_graph

        return format_graph(self)

    def to_dot(self) -> str:
        """The graph as Graphviz text (`autograph.ir.dot`): ops as nodes, values as edges."""
        from autograph.ir import dot

        return dot.to_dot(self)

    def _repr_svg_(self):
        from autograph.ir import dot

        return dot.repr_svg(self)

    def _repr_html_(self) -> str:
        from autograph.ir import dot

        return dot.repr_html(self)

    def __repr__(self) -> str:
        return (f"<Graph {self.name}: {len(self.body.params)} inputs, "
                f"{len(self.body.results)} outputs>")


def _copy_region(region: Region, mapping: dict[Value, Value]) -> Region:
    new = Region([_copy_value(p, None, mapping) for p in region.params])
    for node in region.nodes:
        regions = [_copy_region(r, mapping) for r in node.regions]
        copy = Node(node.op, [mapping.get(v, v) for v in node.inputs], node.attrs, (),
                    regions, node.origin)
        copy.outputs = [_copy_value(v, copy, mapping) for v in node.outputs]
        new.nodes.append(copy)
    new.results = [mapping.get(v, v) for v in region.results]
    return new


def _copy_value(value: Value, producer: Node | None, mapping: dict[Value, Value]) -> Value:
    new = Value(value.type, producer, value.index, value.hint)
    mapping[value] = new
    return new


def _regions_of(graph_or_region) -> Region:
    return graph_or_region.body if isinstance(graph_or_region, Graph) else graph_or_region


def _all_regions(region: Region) -> Iterator[Region]:
    yield region
    for node in region.nodes:
        for sub in node.regions:
            yield from _all_regions(sub)


def replace_all_uses(old: Value, new: Value, graph: Graph | Region) -> int:
    """Makes every use of `old` (node inputs, region results) a use of `new`; returns how many.

    The types must be equal: a replacement that changed a type would silently invalidate
    every type computed downstream.
    """
    if old.type != new.type:
        raise AutographError(f"replace_all_uses: cannot replace a {old.type} value "
                             f"with a {new.type} value")
    count = 0
    for region in _all_regions(_regions_of(graph)):
        for node in region.nodes:
            for i, v in enumerate(node.inputs):
                if v is old:
                    node.inputs[i] = new
                    count += 1
        for i, v in enumerate(region.results):
            if v is old:
                region.results[i] = new
                count += 1
    return count


def uses(graph: Graph | Region) -> dict[Value, list[Node]]:
    """For each value used as a node input, the nodes using it (each once, in walk order).

    Region results are not node uses; a pass that needs them reads `region.results`.
    """
    found: dict[Value, list[Node]] = {}
    for node in _regions_of(graph).walk():
        for v in dict.fromkeys(node.inputs):
            found.setdefault(v, []).append(node)
    return found


def defined_values(region: Region) -> set[Value]:
    """Every value defined inside `region`: its params, node outputs, nested regions' too."""
    defined: set[Value] = set()
    for r in _all_regions(region):
        defined.update(r.params)
        for node in r.nodes:
            defined.update(node.outputs)
    return defined


def free_values(region: Region) -> list[Value]:
    """Values used inside `region` (nested regions included) but defined outside it.

    In first-use order: a node's inputs, then its regions, then the region's results.
    These are the implicit captures a backend must pass in, or autodiff must differentiate
    with respect to.
    """
    defined = defined_values(region)
    free: dict[Value, None] = {}

    def visit(r: Region) -> None:
        for node in r.nodes:
            for v in node.inputs:
                if v not in defined:
                    free.setdefault(v)
            for sub in node.regions:
                visit(sub)
        for v in r.results:
            if v not in defined:
                free.setdefault(v)

    visit(region)
    return list(free)


class Builder:
    """Builds a graph one op at a time, with a stack of regions being filled.

    The tracer emits into `current`; a control-flow construct opens a region for each
    branch or body, traces into it, closes it, and emits the control-flow node with the
    closed regions. `origin`, when set, is attached to every node emitted without one.
    """

    def __init__(self, name: str = "main"):
        self.graph = Graph(name)
        self._stack: list[Region] = [self.graph.body]
        self.origin = None

    @property
    def current(self) -> Region:
        return self._stack[-1]

    @property
    def depth(self) -> int:
        """How many regions are open besides the graph body."""
        return len(self._stack) - 1

    def add_input(self, type: TensorType, name: str | None = None) -> Value:
        """Appends a graph input (arguments first, then captured arrays)."""
        body = self.graph.body
        value = Value(type, None, len(body.params), name)
        body.params.append(value)
        self.graph.input_names.append(name or f"arg{value.index}")
        return value

    def open_region(self, param_types: Sequence[TensorType],
                    hints: Sequence[str | None] | None = None) -> list[Value]:
        region = Region.with_params(param_types, hints)
        self._stack.append(region)
        return list(region.params)

    def close_region(self, results: Sequence[Value]) -> Region:
        if len(self._stack) == 1:
            raise AutographError("close_region: no region is open")
        region = self._stack.pop()
        region.results = list(results)
        return region

    def emit_node(self, op: Op, inputs: Sequence[Value], *, regions: Sequence[Region] = (),
                  origin=None, **attrs) -> Node:
        return self.current.add_node(op, inputs, attrs, regions,
                                     self.origin if origin is None else origin)

    def emit(self, op: Op, inputs: Sequence[Value], *, regions: Sequence[Region] = (),
             origin=None, **attrs) -> Value | tuple[Value, ...]:
        """Appends `op`; returns its value if it has exactly one output, else a tuple."""
        node = self.emit_node(op, inputs, regions=regions, origin=origin, **attrs)
        return node.outputs[0] if len(node.outputs) == 1 else tuple(node.outputs)

    def finish(self, results: Sequence[Value]) -> Graph:
        """Sets the graph's outputs and returns the graph; every region must be closed."""
        if len(self._stack) != 1:
            raise AutographError(f"finish: {len(self._stack) - 1} region(s) still open")
        self.graph.body.results = list(results)
        return self.graph
