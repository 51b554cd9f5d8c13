"""Property: loading a mutated export either works or raises LoadError, nothing else.

Valid exports are damaged the ways files get damaged or crafted: JSON fields deleted,
replaced, inserted or given another type; bytes truncated, flipped or inserted, in
graph.json and in params.npz. Whatever comes out, `read_graph` (the code behind
`load_graph`) must return a verified graph or raise LoadError — a TypeError, KeyError,
RecursionError or MemoryError from inside would be a hole in the boundary. What loads
must also print.
"""

from __future__ import annotations

import io
import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograph.errors import LoadError
from autograph.ir import Builder, Op, TensorType, format_graph
from autograph.serialization import DEFAULT_LIMITS, read_graph, write_records
from autograph.serialization.npzfile import write_params
from autograph.serialization.writer import dumps

T = TensorType
F32, I64 = np.float32, np.int64


def _model():
    """A param, a large (npz) constant, cond, index, print, reductions."""
    b = Builder("model")
    x = b.add_input(T((4, 3), F32), "x")
    w = b.add_input(T((3,), F32), "w")
    big = b.emit(Op.CONSTANT, [], value=np.linspace(0, 1, 300, dtype=F32).reshape(100, 3))
    s = b.emit(Op.SUM, [b.emit(Op.INDEX, [big], index=(("slice", None, 4, None),))],
               axes=(0, 1), keepdims=False)
    pred = b.emit(Op.GT, [s, b.emit(Op.CONSTANT, [], value=0.5)])
    b.open_region([])
    then = b.close_region([b.emit(Op.MUL, [x, w])])
    b.open_region([])
    other = b.close_region([b.emit(Op.FULL, [], shape=(4, 3), value=1.0, dtype=np.dtype(F32))])
    y = b.emit(Op.COND, [pred], regions=[then, other])
    b.emit_node(Op.PRINT, [y], template=("y", 0), sep=" ", end="\n")
    return b.finish([y, b.emit(Op.ARGMAX, [y], axis=1)]), {"w": np.ones(3, F32)}


def _loops():
    """while and for with carried state, casts, arange, set_index."""
    b = Builder("loops")
    n = b.add_input(T((), I64, True), "n")
    v = b.add_input(T((5,), I64), "v")
    (c,) = b.open_region([T((5,), I64)], ["c"])
    cond = b.close_region([b.emit(Op.LT, [b.emit(Op.SUM, [c], axes=(0,)),
                                          b.emit(Op.CONSTANT, [], value=100)])])
    (c2,) = b.open_region([T((5,), I64)], ["c"])
    i, acc = b.open_region([T((), I64), T((5,), I64)], ["i", "acc"])
    step = b.emit(Op.SET_INDEX, [acc, b.emit(Op.ADD, [i, i]), i], index=(("dyn", 0),))
    loop = b.close_region([step])
    zero, one = (b.emit(Op.CONSTANT, [], value=k) for k in (0, 1))
    five = b.emit(Op.CONSTANT, [], value=np.asarray(np.int64(5)))
    body = b.close_region([b.emit(Op.FOR, [zero, five, one, c2], regions=[loop])])
    out = b.emit(Op.WHILE, [b.emit(Op.ADD, [v, n])], regions=[cond, body])
    r = b.emit(Op.CAST, [b.emit(Op.ARANGE, [], start=0, stop=5, step=1)], dtype=np.dtype(F32))
    return b.finish([out, r]), {}


def _export(graph, params) -> tuple[bytes, bytes]:
    document, arrays = write_records(graph, params)
    npz = io.BytesIO()
    write_params(npz, arrays)
    return dumps(document).encode("ascii"), npz.getvalue()


BASES = [_export(*_model()), _export(*_loops())]

_WORDS = ["id", "type", "shape", "dtype", "weak", "hint", "op", "inputs", "attrs", "regions",
          "outputs", "origin", "name", "params", "nodes", "results", "array", "data", "npz",
          "value", "axes", "keepdims", "index", "template", "kind", "key", "f32", "i64", "b1",
          "c64", "add", "cond", "while", "for", "full", "nan", "-inf", "param", "argument",
          "int", "dyn", "slice", "newaxis", "then", "body", "__const_0", "w", "float"]
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.sampled_from([0, 1, -1, 2, 5, 2**31, 2**63, -(2**63), 10**15]),
    st.integers(-(2**70), 2**70), st.floats(width=64), st.sampled_from(_WORDS),
    st.text(max_size=6))
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(_WORDS), inner, max_size=3),
                     max_leaves=6)


def _pick_container(data, doc):
    """A random container of `doc`, reached by a random walk from the top."""
    node = doc
    for _ in range(data.draw(st.integers(0, 10), label="depth")):
        children = node.values() if isinstance(node, dict) else node
        inner = [c for c in children if isinstance(c, (dict, list)) and c]
        if not inner:
            break
        node = inner[data.draw(st.integers(0, len(inner) - 1), label="child")]
    return node


def _retype(data, value):
    return data.draw(st.sampled_from([
        str(value), [value], {"value": value}, None, 0, 1.5, True, len(str(value))]),
        label="retyped")


def _mutate_json(data, text: bytes) -> bytes:
    doc = json.loads(text)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        node = _pick_container(data, doc)
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        action = data.draw(st.sampled_from(["delete", "replace", "insert", "retype"]),
                           label="action")
        if action == "insert" or not keys:
            value = data.draw(_JSON, label="inserted")
            if isinstance(node, dict):
                node[data.draw(st.sampled_from(_WORDS), label="new key")] = value
            else:
                node.insert(data.draw(st.integers(0, len(node)), label="at"), value)
            continue
        key = keys[data.draw(st.integers(0, len(keys) - 1), label="key")]
        if action == "delete":
            del node[key]
        elif action == "replace":
            node[key] = data.draw(_JSON, label="replacement")
        else:
            node[key] = _retype(data, node[key])
    return json.dumps(doc).encode()


def _mutate_bytes(data, blob: bytes) -> bytes:
    action = data.draw(st.sampled_from(["truncate", "flip", "insert"]), label="byte action")
    at = data.draw(st.integers(0, max(0, len(blob) - 1)), label="offset")
    if action == "truncate":
        return blob[:at]
    if action == "flip":
        bit = data.draw(st.integers(0, 7), label="bit")
        return blob[:at] + bytes([blob[at] ^ (1 << bit)]) + blob[at + 1:]
    return blob[:at] + data.draw(st.binary(min_size=1, max_size=8), label="bytes") + blob[at:]


@settings(max_examples=200, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_mutated_exports_load_or_raise_load_error(data):
    graph_json, npz = BASES[data.draw(st.integers(0, len(BASES) - 1), label="base")]
    target = data.draw(st.sampled_from(["json", "json", "json bytes", "npz bytes"]),
                       label="target")
    if target == "json":
        graph_json = _mutate_json(data, graph_json)
    elif target == "json bytes":
        graph_json = _mutate_bytes(data, graph_json)
    else:
        npz = _mutate_bytes(data, npz)
    try:
        graph, params = read_graph(graph_json, io.BytesIO(npz), DEFAULT_LIMITS)
    except LoadError:
        return
    format_graph(graph)
    assert set(params) <= set(graph.input_names)


def test_the_unmutated_bases_load():
    for graph_json, npz in BASES:
        graph, _ = read_graph(graph_json, io.BytesIO(npz), DEFAULT_LIMITS)
        assert format_graph(graph)


_OP_NAMES = sorted(op.printed_name for op in Op)
_ATTR_VALUES = st.one_of(
    _JSON,
    st.lists(st.integers(-3, 5), max_size=4),
    st.lists(st.sampled_from([["int", -1], ["dyn", 0], ["dyn", 3], ["array", 0], ["newaxis"],
                              ["slice", None, 2, -1], ["slice", 0, 0, 0], ["int", 2**62]]),
             max_size=4),
    st.builds(lambda t, v: {"type": t, "value": v},
              st.sampled_from(["bool", "int", "float", "complex", "f32", "u8", "c64", "f16"]),
              st.one_of(_SCALARS, st.lists(_SCALARS, max_size=2))),
    st.builds(lambda t, shape, data: {"array": t, "shape": shape, "data": data},
              st.sampled_from(["f32", "i8", "b1", "c128"]),
              st.lists(st.integers(0, 3), max_size=3), _JSON),
)


def _nodes(doc):
    stack, found = list(doc["nodes"]), []
    while stack:
        node = stack.pop()
        found.append(node)
        for region in node["regions"]:
            stack.extend(region["nodes"])
    return found


@settings(max_examples=100, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_mutated_ops_and_attributes_load_or_raise_load_error(data):
    """Aimed at the attribute codecs and type rules: ops swapped, attributes rewritten."""
    graph_json, npz = BASES[data.draw(st.integers(0, len(BASES) - 1), label="base")]
    doc = json.loads(graph_json)
    nodes = _nodes(doc)
    node = nodes[data.draw(st.integers(0, len(nodes) - 1), label="node")]
    if data.draw(st.booleans(), label="swap op"):
        node["op"] = data.draw(st.sampled_from(_OP_NAMES), label="op")
    name = data.draw(st.sampled_from(_WORDS + ["start", "stop", "step", "n", "m", "k", "perm",
                                               "axis", "sep", "end"]), label="attr")
    node["attrs"][name] = data.draw(_ATTR_VALUES, label="attr value")
    try:
        graph, _ = read_graph(json.dumps(doc).encode(), io.BytesIO(npz), DEFAULT_LIMITS)
    except LoadError:
        return
    format_graph(graph)
