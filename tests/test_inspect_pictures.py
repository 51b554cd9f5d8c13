"""Graph pictures: the structure of `graph.to_dot()` (no Graphviz needed) and the SVG that
Graphviz renders from it (skipped where `dot` is not installed)."""

from __future__ import annotations

import enum
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from autograph.cli import stages
from autograph.ir import Builder, Op, TensorType, dot
from autograph.ir.graph import Node, Region

T = TensorType
F32 = np.float32
ROOT = Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.skipif(not dot.available(),
                               reason="Graphviz's dot is not installed (apt-get install graphviz)")


def parse_dot(text: str):
    """(clusters {id: label}, nodes {id: label}, edges [(src, dst, attrs)], depth {id: n}).

    depth: how many subgraph blocks enclose each node declaration.
    """
    clusters, nodes, depth, edges = {}, {}, {}, []
    level, current = 0, []
    for line in text.splitlines()[1:-1]:
        stripped = line.strip()
        if m := re.fullmatch(r"subgraph (cluster_\w+) \{", stripped):
            level += 1
            current.append(m.group(1))
        elif stripped == "}":
            level -= 1
            current.pop()
        elif m := re.fullmatch(r'label="((?:[^"\\]|\\.)*)"; .*', stripped):
            if current:
                clusters[current[-1]] = m.group(1)
        elif m := re.fullmatch(r'(\w+) -> (\w+)(?: \[(.*)\])?;', stripped):
            assert level == 0, f"edge inside a cluster: {line}"
            edges.append(m.groups())
        elif m := re.fullmatch(r'(\w+) \[label="((?:[^"\\]|\\.)*)".*\];', stripped):
            nodes[m.group(1)] = m.group(2)
            depth[m.group(1)] = level
    assert level == 0
    return clusters, nodes, edges, depth


def mlp_graph():
    b = Builder("mlp")
    x = b.add_input(T((1, 4), F32), "x")
    w = b.add_input(T((4, 2), F32), "w")
    h = b.emit(Op.MATMUL, [x, w])
    r = b.emit(Op.MAXIMUM, [h, b.emit(Op.CONSTANT, [], value=0.0)])
    s = b.emit(Op.SUM, [r], axes=(0, 1), keepdims=False)
    return b.finish([r, s])


def loop_graph():
    """for i in range(n): acc = acc + x if i % 2 == 1 else acc (as in test_ir_printer)."""
    b = Builder("loop")
    x = b.add_input(T((3,), F32), "x")
    n = b.add_input(T((), np.int64, True), "n")
    i, acc = b.open_region([T((), np.int64, True), T((3,), F32)], ["i", "acc"])
    odd = b.emit(Op.EQ, [b.emit(Op.MOD, [i, b.emit(Op.CONSTANT, [], value=2)]),
                         b.emit(Op.CONSTANT, [], value=1)])
    b.open_region([])
    then = b.close_region([b.emit(Op.ADD, [acc, x])])
    b.open_region([])
    other = b.close_region([acc])
    new = b.emit(Op.COND, [odd], regions=[then, other])
    body = b.close_region([new])
    out = b.emit(Op.FOR, [b.emit(Op.CONSTANT, [], value=0), n,
                          b.emit(Op.CONSTANT, [], value=1), x], regions=[body])
    return b.finish([out])


def test_ops_are_nodes_values_are_edges():
    g = mlp_graph()
    clusters, nodes, edges, depth = parse_dot(g.to_dot())
    assert clusters == {}
    assert nodes["in0"] == "x\\nf32[1,4]" and nodes["in1"] == "w\\nf32[4,2]"
    assert nodes["out0"] == "output 0\\nf32[1,2]" and nodes["out1"] == "output 1\\nf32[]"
    ops = sorted(label.split("\\n")[0] for name, label in nodes.items()
                 if not name.startswith(("in", "out")))
    # the 0-d constant is inline in its consumer's label, not a node
    assert ops == ["matmul", "maximum 0.0:f64~[]", "sum"]
    assert any("axes=(0, 1) keepdims=False" in label for label in nodes.values())
    by_target = {}
    for src, dst, attrs in edges:
        by_target.setdefault(dst, []).append((src, attrs))
    matmul = next(k for k, v in nodes.items() if v.startswith("matmul"))
    assert sorted(by_target[matmul]) == [("in0", None), ("in1", None)]
    # values are labelled with their printed names, as in str(graph)
    labels = {re.search(r'label="(\w+)"', a).group(1) for _, _, a in edges if a}
    assert labels == {"a", "b", "c"}
    assert "a:f32[1,2] = matmul x w" in str(g)


def test_regions_are_clusters_and_inputs_stay_outside():
    g = loop_graph()
    text = g.to_dot()
    clusters, nodes, edges, depth = parse_dot(text)
    assert sorted(clusters.values()) == ["body", "cond", "else", "for", "then"]
    assert depth["in0"] == depth["in1"] == depth["out0"] == 0
    params = {k: v for k, v in nodes.items() if k.startswith("p")}
    assert sorted(params.values()) == ["acc\\nf32[3]", "i\\ni64~[]"]
    assert all(depth[p] == 2 for p in params)  # in the for cluster's body cluster
    yields = [k for k in nodes if k.startswith("y")]
    assert len(yields) == 3  # body, then, else
    # `x` is used inside the `then` region: an edge from the graph input into the cluster
    add = next(k for k, v in nodes.items() if v.startswith("add"))
    assert ("in0", add, None) in edges and depth[add] == 4
    for_node = next(k for k, v in nodes.items() if v.startswith("for "))
    assert nodes[for_node] == "for 0:i64~[] 1:i64~[]\\nf32[3]"
    assert (for_node, "out0", None) in [(s, d, None) for s, d, _ in edges]


def test_to_dot_is_deterministic_and_quotes_names():
    g = loop_graph()
    assert g.to_dot() == g.copy().to_dot() == dot.to_dot(g)
    g.name = 'say "hi"\\now'
    assert g.to_dot().startswith('digraph "say \\"hi\\"\\\\now" {')


class _FakeOps(enum.Enum):
    FUSED = 1


def test_fused_groups_are_outlined_as_clusters():
    b = Builder("fused")
    x = b.add_input(T((3,), F32), "x")
    region = Region.with_params([T((3,), F32)], ["y"])
    inner = region.add_node(Op.TANH, [region.params[0]])
    region.results = [inner.outputs[0]]
    node = Node(_FakeOps.FUSED, [x], {}, [T((3,), F32)], [region])
    b.current.nodes.append(node)
    g = b.finish(node.outputs)
    assert dot.is_fused(node)
    text = g.to_dot()
    clusters, nodes, edges, depth = parse_dot(text)
    assert len(clusters) == 2
    assert text.count('fillcolor="#fef9c3"') == 2  # the group and its region
    tanh = next(k for k, v in nodes.items() if v.startswith("tanh"))
    assert depth[tanh] == 2


def _lowered(path: str, args):
    module = stages.import_file(str(ROOT / path))
    name = Path(path).stem if path.endswith("mandelbrot.py") else "mlp"
    return stages.lower(stages.converted(module, name), args, name)


@pytest.fixture
def mandelbrot():
    return _lowered("examples/mandelbrot.py", ["4", "6", "20"])


@needs_dot
def test_svg_has_the_nodes_and_clusters(mandelbrot):
    svg = dot.to_svg(mandelbrot.graph)
    root = ET.fromstring(svg)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    groups = root.findall(".//svg:g", ns)
    clusters = [g for g in groups if g.get("class") == "cluster"]
    nodes = [g for g in groups if g.get("class") == "node"]
    titles = {g.find("svg:title", ns).text for g in nodes}
    _, dot_nodes, _, _ = parse_dot(mandelbrot.graph.to_dot())
    assert titles == set(dot_nodes)
    assert {"in0", "out0"} <= titles
    # for, body, for, body, while, cond, body, cond, then, else
    assert len(clusters) == 10
    texts = {t.text for g in clusters for t in g.findall("svg:text", ns)}
    assert {"for", "body", "while", "cond", "then", "else"} <= texts


@needs_dot
def test_graph_reprs_with_graphviz(mandelbrot):
    svg = mandelbrot.graph._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    html = mandelbrot.graph._repr_html_()
    assert html.startswith('<div class="autograph-graph"><svg')
    assert "<?xml" not in html


def test_graph_reprs_without_graphviz(monkeypatch):
    monkeypatch.setattr(dot.shutil, "which", lambda name: None)
    g = loop_graph()
    assert g._repr_svg_() is None
    html = g._repr_html_()
    assert "<pre>graph loop(x:f32[3], n:i64~[]) {" in html
    assert "apt-get install graphviz" in html
    with pytest.raises(dot.GraphvizError, match="conda install graphviz"):
        dot.to_svg(g)


@needs_dot
def test_render_reports_dot_failures():
    with pytest.raises(dot.GraphvizError, match="dot failed"):
        dot.render("digraph {", "svg")
    with pytest.raises(dot.GraphvizError, match="not a Graphviz output format"):
        dot.render("digraph {}", "svg; rm")
