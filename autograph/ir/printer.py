"""The one text form of a graph, modelled on `jax.make_jaxpr`.

    graph f(x:f32[3], n:i64~[]) {
      a:f32[3] = mul x 2.0:f64~[]
      b:f32[3] = for 0 n 1 a {
        body ^(i:i64~[], acc:f32[3]):
          c:f32[3] = add acc x
          yield c
      }
      return (b,)
    }

One op per line with typed results; attributes as `[name=value ...]` sorted by name; 0-d
constants inline as `literal:type` (their own lines are dropped); regions indented under
their node, named after their role. Values are named `a, b, ..., z, ba, bb, ...` in order
of definition, or by their `hint` (`acc`, then `acc_1`, ...) when they have one. The text is
deterministic: `str(graph)`, golden tests and the CLI all use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from autograph.ir.indexing import format_index
from autograph.ir.ops import REGION_NAMES, Op
from autograph.ir.types import DTYPE_NAMES

if TYPE_CHECKING:  # annotations only: graph.py imports this module to print itself
    from autograph.ir.graph import Graph, Node, Region, Value

_INDENT = "  "


def letters(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> ba, ... (jaxpr's scheme: base 26, 'a' as the zero digit)."""
    out = ""
    while True:
        out = chr(ord("a") + n % 26) + out
        n //= 26
        if n == 0:
            return out


def _is_inline(node: Node) -> bool:
    return node.op is Op.CONSTANT and node.outputs[0].type.shape == ()


def _literal(node: Node) -> str:
    value = node.attrs["value"]
    strong = isinstance(value, (np.ndarray, np.generic))
    text = str(np.asarray(value)[()]) if strong else repr(value)
    return f"{text}:{node.outputs[0].type}"


class _Namer:
    """Assigns every value its printed name, in order of definition in the text."""

    def __init__(self, graph: Graph):
        self.names: dict[Value, str] = {}
        self.taken: set[str] = set()
        self.counter = 0
        self.hints = {v.hint for v in _defined_in_text_order(graph) if _usable(v.hint)}
        self.hints.update(n for n in graph.input_names if _usable(n))

    def define(self, value: Value, preferred: str | None = None) -> str:
        base = preferred if _usable(preferred) else value.hint
        if _usable(base):
            name, k = base, 0
            while name in self.taken:
                k += 1
                name = f"{base}_{k}"
        else:
            while True:
                name = letters(self.counter)
                self.counter += 1
                if name not in self.taken and name not in self.hints:
                    break
        self.taken.add(name)
        self.names[value] = name
        return name


def _usable(hint) -> bool:
    return isinstance(hint, str) and hint.isidentifier()


def _defined_in_text_order(graph: Graph):
    yield from graph.body.params

    def visit(region: Region):
        for node in region.nodes:
            yield from node.outputs
            for sub in node.regions:
                yield from sub.params
                yield from visit(sub)

    yield from visit(graph.body)


def _format_attr(name: str, value) -> str:
    if name == "index":
        return f"index={format_index(value)}"
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return f"{name}={DTYPE_NAMES.get(np.dtype(value), str(value))}"
    if isinstance(value, np.ndarray):
        text = np.array2string(value, separator=",", threshold=16, max_line_width=10**6)
        return f"{name}={' '.join(text.split())}"
    return f"{name}={value!r}"


class _Printer:
    def __init__(self, graph: Graph, with_origins: bool):
        self.graph = graph
        self.namer = _Namer(graph)
        self.literals: dict[Value, str] = {}
        self.with_origins = with_origins
        self.lines: list[str] = []

    def use(self, value: Value) -> str:
        if value in self.literals:
            return self.literals[value]
        return self.namer.names.get(value, "<undefined>")

    def typed(self, value: Value, preferred: str | None = None) -> str:
        return f"{self.namer.define(value, preferred)}:{value.type}"

    def print_graph(self) -> str:
        g = self.graph
        params = ", ".join(self.typed(p, n) for p, n in zip(g.body.params, g.input_names))
        self.lines.append(f"graph {g.name}({params}) {{")
        self.print_nodes(g.body, 1)
        results = [self.use(v) for v in g.body.results]
        self.lines.append(f"{_INDENT}return ({', '.join(results)}{',' * (len(results) == 1)})")
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"

    def print_nodes(self, region: Region, depth: int) -> None:
        for node in region.nodes:
            if _is_inline(node):
                self.literals[node.outputs[0]] = _literal(node)
                continue
            self.print_node(node, depth)

    def print_node(self, node: Node, depth: int) -> None:
        pad = _INDENT * depth
        defs = [self.typed(v) for v in node.outputs] + ["="] * bool(node.outputs)
        line = " ".join(defs + [str(node.op)] + [self.use(v) for v in node.inputs])
        attrs = " ".join(_format_attr(k, v) for k, v in sorted(node.attrs.items()))
        if attrs:
            line += f" [{attrs}]"
        if self.with_origins and node.origin is not None:
            line += f"  # {node.origin.filename}:{node.origin.lineno}"
        if not node.regions:
            self.lines.append(pad + line)
            return
        self.lines.append(pad + line + " {")
        names = REGION_NAMES.get(node.op, ())
        for i, region in enumerate(node.regions):
            label = names[i] if i < len(names) else f"region{i}"
            params = ", ".join(self.typed(p) for p in region.params)
            self.lines.append(f"{pad}{_INDENT}{label} ^({params}):")
            self.print_nodes(region, depth + 2)
            results = " ".join(self.use(v) for v in region.results)
            self.lines.append(f"{pad}{_INDENT * 2}yield {results}".rstrip())
        self.lines.append(pad + "}")


def format_graph(graph: Graph, with_origins: bool = False) -> str:
    """The graph's text; `with_origins` appends `# file:line` of each node's user line."""
    return _Printer(graph, with_origins).print_graph()
