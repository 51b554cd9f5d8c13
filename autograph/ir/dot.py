"""Pictures of a graph: Graphviz `dot` text, rendered by the `dot` program when installed.

The text form (`printer.py`) is the one to diff and grep; a picture is the one to look at
when a graph has branches, loops and captured values crossing region boundaries. The
picture follows the text closely so a reader can move between the two:

- an op is a node labelled with its op, its 0-d literal operands (inline, as in the text),
  short attributes and its result types; a value is an edge labelled with its printed
  name (the names of `str(graph)`, from the printer's own namer);
- graph inputs are blue ellipses, outputs green double boxes;
- a COND / WHILE / FOR node is a cluster holding the op and one sub-cluster per region
  (`then`, `body`, ...); region parameters are ellipses, and a region's results flow into
  its `yield` box, which feeds back (dashed) into the op;
- a FUSED node (fusion groups, once a pass makes them) is drawn the same way, as a
  yellow cluster, so a fused group is outlined.

`to_dot(graph)` needs nothing but Python. `render(text, "svg")` runs `dot` (found with
`shutil.which`, killed after a timeout); without it, `GraphvizError` says how to install
Graphviz. The notebook reprs of `Graph` (`_repr_svg_`, `_repr_html_`) live here rather than
in `autograph.views.display` because `ir` must not import the layers above it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import html
import re
import shutil
import subprocess

import numpy as np

from autograph.errors import AutographError
from autograph.ir.indexing import format_index
from autograph.ir.ops import REGION_NAMES, Op
from autograph.ir.types import DTYPE_NAMES

if TYPE_CHECKING:  # annotations only: graph.py imports this module to print itself
    from autograph.ir.graph import Graph, Node, Region, Value

INSTALL_HINT = ("Graphviz's `dot` program is not installed: install it with "
                "`apt-get install graphviz` or `conda install graphviz` "
                "(or write the graph text with `--format dot` / `graph.to_dot()`)")
DEFAULT_TIMEOUT = 60.0
_MAX_ATTR_TEXT = 40

_STYLE = {
    "op": 'shape=box, style="rounded,filled", fillcolor="#f4f4f5"',
    "region_op": 'shape=box, style="rounded,filled,bold", fillcolor="#e4e4e7"',
    "constant": 'shape=note, style=filled, fillcolor="#fafaf9"',
    "input": 'shape=ellipse, style=filled, fillcolor="#dbeafe"',
    "output": 'shape=box, peripheries=2, style=filled, fillcolor="#dcfce7"',
    "param": 'shape=ellipse, style=filled, fillcolor="#ede9fe"',
    "yield": 'shape=box, style="dashed,rounded"',
}
_CLUSTER_STYLE = {
    "control": 'style="rounded"; color="#71717a"',
    "region": 'style="rounded,dashed"; color="#a1a1aa"',
    "fused": 'style="rounded,filled"; color="#ca8a04"; fillcolor="#fef9c3"',
}


class GraphvizError(AutographError):
    """The `dot` program is missing, failed, or took too long."""


def is_fused(node: Node) -> bool:
    """Whether `node` is a fusion group (an op named FUSED, when a pass creates them)."""
    return getattr(node.op, "name", None) == "FUSED"


def _quote(text: str) -> str:
    """A dot string literal; line breaks become dot's centred `\\n`."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n") + '"'


def _attr_text(name: str, value) -> str:
    if name == "index":
        text = format_index(value)
    elif isinstance(value, np.dtype) or (isinstance(value, type)
                                         and issubclass(value, np.generic)):
        text = DTYPE_NAMES.get(np.dtype(value), str(value))
    elif isinstance(value, np.ndarray) and value.ndim > 0:
        text = f"<{DTYPE_NAMES.get(value.dtype, value.dtype)}{list(value.shape)} array>"
    else:
        text = repr(value)
    text = " ".join(text.split())
    if len(text) > _MAX_ATTR_TEXT:
        text = text[:_MAX_ATTR_TEXT - 1] + "…"
    return f"{name}={text}"


def _names(graph: Graph) -> tuple[dict[Value, str], dict[Value, str]]:
    """The printed name of every value and the inline text of every 0-d literal.

    The printer's own namer is used (running it is cheap) so that the picture and
    `str(graph)` always agree on names.
    """
    from autograph.ir.printer import _Printer

    printer = _Printer(graph, with_origins=False)
    printer.print_graph()
    return dict(printer.namer.names), dict(printer.literals)


class _DotWriter:
    """Writes node declarations inside their clusters and every edge at the top level.

    In dot, naming a node in an edge statement inside a subgraph makes it a member of that
    subgraph, so an edge from a graph input to an op inside a loop body, written in the
    body's cluster, would drag the input into the loop's box. Edges are collected and
    written after all clusters instead.
    """

    def __init__(self, graph: Graph):
        self.graph = graph
        self.names, self.literals = _names(graph)
        self.ids: dict[Value, str] = {}       # value -> id of the dot node producing it
        self.counter = 0
        self.lines: list[str] = []
        self.edges: list[str] = []

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def write(self) -> str:
        g = self.graph
        self.lines += [
            f"digraph {_quote(g.name)} {{",
            '  graph [rankdir=TB, fontname="Helvetica", fontsize=11, labeljust=l];',
            '  node [fontname="Helvetica", fontsize=10];',
            '  edge [fontname="Helvetica", fontsize=9, color="#52525b"];',
            f"  label={_quote('graph ' + g.name)}; labelloc=t;",
        ]
        for i, (param, name) in enumerate(zip(g.inputs, g.input_names)):
            node_id = f"in{i}"
            self.ids[param] = node_id
            label = f"{name}\n{param.type}"
            self.lines.append(f"  {node_id} [label={_quote(label)}, {_STYLE['input']}];")
        self.region_nodes(g.body, 1)
        for i, value in enumerate(g.outputs):
            node_id = f"out{i}"
            label = f"output {i}\n{value.type}"
            self.lines.append(f"  {node_id} [label={_quote(label)}, {_STYLE['output']}];")
            self.edge(value, node_id)
        self.lines += [f"  {e}" for e in self.edges]
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"

    def edge(self, value: Value, target: str) -> None:
        source = self.ids.get(value)
        if source is None:  # an inline literal: shown in the consumer's label
            return
        label = f" [label={_quote(self.names.get(value, '?'))}]" if value.producer else ""
        self.edges.append(f"{source} -> {target}{label};")

    def region_nodes(self, region: Region, depth: int) -> None:
        for node in region.nodes:
            if node.op is Op.CONSTANT and node.outputs[0].type.shape == ():
                continue  # inline literal
            if node.regions:
                self.region_op(node, depth)
            else:
                self.plain_op(node, depth)

    def label(self, node: Node) -> str:
        head = [str(node.op)] + [self.literals[v] for v in node.inputs if v in self.literals]
        lines = [" ".join(head)]
        attrs = [_attr_text(k, v) for k, v in sorted(node.attrs.items())
                 if not (node.op is Op.CONSTANT and k == "value") and k != "template"]
        if attrs:
            lines.append(" ".join(attrs))
        if node.outputs:
            lines.append(", ".join(str(v.type) for v in node.outputs))
        return "\n".join(lines)

    def declare(self, node: Node, style: str, depth: int) -> str:
        node_id = self.fresh("n")
        self.lines.append(f"{'  ' * depth}{node_id} [label={_quote(self.label(node))}, {style}];")
        for v in dict.fromkeys(node.inputs):
            self.edge(v, node_id)
        for v in node.outputs:
            self.ids[v] = node_id
        return node_id

    def plain_op(self, node: Node, depth: int) -> None:
        self.declare(node, _STYLE["constant"] if node.op is Op.CONSTANT else _STYLE["op"], depth)

    def region_op(self, node: Node, depth: int) -> None:
        pad = "  " * depth
        fused = is_fused(node)
        self.lines.append(f"{pad}subgraph {self.fresh('cluster_')} {{")
        kind = "fused" if fused else "control"
        self.lines.append(f"{pad}  label={_quote(str(node.op))}; {_CLUSTER_STYLE[kind]};")
        node_id = self.declare(node, _STYLE["region_op"], depth + 1)
        names = REGION_NAMES.get(node.op, ())
        for i, region in enumerate(node.regions):
            role = names[i] if i < len(names) else f"region{i}"
            self.region(region, role, node_id, depth + 1, fused)
        self.lines.append(f"{pad}}}")

    def region(self, region: Region, role: str, owner: str, depth: int, fused: bool) -> None:
        pad = "  " * depth
        self.lines.append(f"{pad}subgraph {self.fresh('cluster_')} {{")
        style = _CLUSTER_STYLE["fused" if fused else "region"]
        self.lines.append(f"{pad}  label={_quote(role)}; {style};")
        for param in region.params:
            param_id = self.fresh("p")
            self.ids[param] = param_id
            label = f"{self.names.get(param, '?')}\n{param.type}"
            self.lines.append(f"{pad}  {param_id} [label={_quote(label)}, {_STYLE['param']}];")
            self.edges.append(f"{owner} -> {param_id} [style=dashed, arrowhead=none];")
        self.region_nodes(region, depth + 1)
        yield_id = self.fresh("y")
        self.lines.append(f"{pad}  {yield_id} [label=\"yield\", {_STYLE['yield']}];")
        if not region.params:
            self.edges.append(f"{owner} -> {yield_id} [style=invis];")
        for v in region.results:
            self.edge(v, yield_id)
        self.lines.append(f"{pad}}}")


def to_dot(graph: Graph) -> str:
    """The Graphviz text of `graph` (deterministic: the same graph gives the same text)."""
    return _DotWriter(graph).write()


def available() -> bool:
    """Whether Graphviz's `dot` program is on PATH."""
    return shutil.which("dot") is not None


def render(dot_text: str, fmt: str = "svg", timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Runs `dot -T<fmt>` on `dot_text`; raises GraphvizError if dot is missing or fails."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizError(INSTALL_HINT)
    if not re.fullmatch(r"[a-z0-9_:]+", fmt):
        raise GraphvizError(f"not a Graphviz output format: {fmt!r}")
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"Graphviz's dot took longer than {timeout:g} s") from None
    except OSError as error:
        raise GraphvizError(f"cannot run Graphviz's dot: {error}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GraphvizError(f"Graphviz's dot failed: {reason[0] if reason else done.returncode}")
    return done.stdout


def to_svg(graph: Graph, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The graph as an SVG document (needs `dot`; raises GraphvizError without it)."""
    return render(to_dot(graph), "svg", timeout).decode("utf-8")


def inline_svg(svg: str) -> str:
    """An SVG document without its XML prologue and doctype, to embed in HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def repr_svg(graph: Graph) -> str | None:
    """`Graph._repr_svg_`: the picture, or None (no picture) when dot is missing or fails."""
    if not available():
        return None
    try:
        return to_svg(graph)
    except GraphvizError:
        return None


def repr_html(graph: Graph) -> str:
    """`Graph._repr_html_`: the picture inline when dot exists, else the text form."""
    svg = repr_svg(graph)
    if svg is not None:
        return f'<div class="autograph-graph">{inline_svg(svg)}</div>'
    return (f'<div class="autograph-graph"><pre>{html.escape(str(graph))}</pre>'
            f"<small>{html.escape(INSTALL_HINT)}</small></div>")
