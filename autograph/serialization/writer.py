"""Graph -> records: the JSON document of graph.json and the arrays of params.npz.

Values get integer ids in order of definition (graph inputs first, then each node's
outputs, a region's params before its nodes), so a reader can check every use against
what is defined at that point. Names from the graph appear only as data (`name`, `hint`);
the reader decides what, if anything, they may become.
"""

from __future__ import annotations

import json
from typing import Mapping

import numpy as np

from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import REGION_NAMES
from autograph.serialization import attrs as attr_codecs
from autograph.serialization.npzfile import RESERVED_KEYS
from autograph.serialization.schema import (ATTR_SPECS, CONSTANT_KEY_PREFIX,
                                            DYNAMIC_VERSION, FORMAT,
                                            INLINE_CONSTANT_ELEMENTS, PARAM_KEY, VERSION,
                                            ExportError)
from autograph.serialization.values import encode_type
from autograph.version import __version__


def _generator() -> str:
    return f"autograph {__version__}"


class _Writer:
    def __init__(self, inline_limit: int):
        self.ids: dict[Value, int] = {}
        self.arrays: dict[str, np.ndarray] = {}
        self.constants = 0
        self.origins: dict[tuple, int] = {}  # origin record (as a key) -> its index
        self.ctx = attr_codecs.WriteContext(inline_limit, self._store_constant)

    def _store_constant(self, array: np.ndarray) -> str:
        key = f"{CONSTANT_KEY_PREFIX}{self.constants}"
        self.constants += 1
        self.arrays[key] = array
        return key

    def define(self, value: Value) -> int:
        if value in self.ids:
            raise ExportError(f"{value!r} is defined twice in the graph")
        self.ids[value] = len(self.ids)
        return self.ids[value]

    def use(self, value: Value, where: str) -> int:
        if value not in self.ids:
            raise ExportError(f"{where}: {value!r} is used before it is defined")
        return self.ids[value]

    def value_record(self, value: Value) -> dict:
        hint = value.hint if isinstance(value.hint, str) else None
        return {"id": self.define(value), "type": encode_type(value.type), "hint": hint}

    def region(self, region: Region, name: str, where: str) -> dict:
        record: dict = {"name": name}
        record["params"] = [self.value_record(p) for p in region.params]
        record["nodes"] = [self.node(n, f"{where} > node {i}") for i, n in enumerate(region.nodes)]
        record["results"] = [self.use(v, f"{where} > results") for v in region.results]
        return record

    def node(self, node: Node, where: str) -> dict:
        where = f"{where} ({node.op})"
        spec = ATTR_SPECS[node.op]
        unknown = sorted(set(node.attrs) - set(spec))
        if unknown:
            raise ExportError(f"{where}: attribute(s) {unknown} have no place in the format")
        attrs = {}
        for name, value in sorted(node.attrs.items()):
            try:
                attrs[name] = attr_codecs.encode_attr(spec[name][0], value, self.ctx)
            except ExportError as exc:
                raise ExportError(f"{where}: attribute {name}: {exc.message}") from None
        record = {"op": node.op.printed_name,
                  "inputs": [self.use(v, where) for v in node.inputs],
                  "attrs": attrs}
        names = REGION_NAMES.get(node.op, ())
        record["regions"] = [self.region(r, names[i] if i < len(names) else f"region{i}",
                                         f"{where} > region {i}")
                             for i, r in enumerate(node.regions)]
        record["outputs"] = [self.value_record(v) for v in node.outputs]
        record["origin"] = self.origin(node.origin)
        return record

    def origin(self, origin) -> int | None:
        """The index of the node's origin in the file's table of origins (shared by nodes)."""
        record = origin_record(origin)
        if record is None:
            return None
        return self.origins.setdefault(tuple(record.items()), len(self.origins))


def origin_record(origin) -> dict | None:
    """The user's line of a node (any object with Origin's fields), or None."""
    if origin is None or not hasattr(origin, "filename") or not hasattr(origin, "lineno"):
        return None
    return {"file": str(origin.filename), "line": int(origin.lineno),
            "column": int(getattr(origin, "col_offset", 0) or 0),
            "function": str(getattr(origin, "function_name", "") or ""),
            "source": str(getattr(origin, "source_line", "") or "")}


def _param_keys(graph: Graph, params: Mapping[str, np.ndarray]) -> dict[int, str]:
    """npz key per input index that is a parameter: its name when usable, else `param_<i>`."""
    names = graph.input_names
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise ExportError(f"params {unknown} name no input of graph {graph.name} "
                          f"(inputs: {names})")
    duplicated = sorted({n for n in params if names.count(n) > 1})
    if duplicated:
        raise ExportError(f"params {duplicated} name more than one input of graph {graph.name}")
    keys: dict[int, str] = {}
    taken: set[str] = set()
    for i, name in enumerate(names):
        if name not in params:
            continue
        key = name
        if (not PARAM_KEY.fullmatch(key) or key.startswith("__") or key in RESERVED_KEYS
                or key in taken):
            k = i
            while f"param_{k}" in taken or f"param_{k}" in params:
                k += 1
            key = f"param_{k}"
        keys[i] = key
        taken.add(key)
    return keys


def write_records(graph: Graph, params: Mapping[str, np.ndarray],
                  inline_limit: int = INLINE_CONSTANT_ELEMENTS,
                  dynamic_outputs: tuple = ()) -> tuple[dict, dict]:
    """(graph.json document, params.npz arrays by key) for `graph` with `params`.

    `params` maps input names to the arrays stored for them; every other input is an
    argument of the loaded function. Each array must match its input's type.
    """
    keys = _param_keys(graph, params)
    writer = _Writer(inline_limit)
    inputs = []
    for i, (value, name) in enumerate(zip(graph.inputs, graph.input_names)):
        kind, key = ("param", keys[i]) if i in keys else ("argument", None)
        if key is not None:
            array = np.asarray(params[name])
            if array.shape != value.type.shape or array.dtype != value.type.dtype:
                raise ExportError(f"param {name!r} is {array.dtype}{list(array.shape)}, but "
                                  f"input {i} of graph {graph.name} is {value.type}")
            writer.arrays[key] = np.ascontiguousarray(array)
        record = writer.value_record(value)
        inputs.append({"id": record["id"], "name": str(name), "kind": kind, "key": key,
                       "type": record["type"], "hint": record["hint"]})
    nodes = [writer.node(n, f"node {i}") for i, n in enumerate(graph.body.nodes)]
    document = {
        "format": FORMAT,
        "version": VERSION,
        "generator": _generator(),
        "name": str(graph.name),
        "inputs": inputs,
        "nodes": nodes,
        "outputs": [writer.use(v, "outputs") for v in graph.outputs],
        "origins": [dict(key) for key in writer.origins],
    }
    if dynamic_outputs:  # [buffer, count] output pairs: schema version 2 (schema.py)
        document["version"] = DYNAMIC_VERSION
        document["dynamic_outputs"] = [[int(b), int(c)] for b, c in dynamic_outputs]
    return document, writer.arrays


def dumps(document, width: int = 100) -> str:
    """JSON text for people too: a container goes on one line when it fits in `width`."""
    lines: list[str] = []

    def emit(value, indent: int, prefix: str, suffix: str) -> None:
        pad = " " * indent
        flat = json.dumps(value, allow_nan=False, separators=(", ", ": "))
        if not isinstance(value, (dict, list)) or not value or \
                indent + len(prefix) + len(flat) + len(suffix) <= width:
            lines.append(f"{pad}{prefix}{flat}{suffix}")
            return
        items = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
        lines.append(f"{pad}{prefix}{'{' if isinstance(value, dict) else '['}")
        for i, (key, item) in enumerate(items):
            inner = "" if key is None else json.dumps(key) + ": "
            emit(item, indent + 1, inner, "," if i < len(items) - 1 else "")
        lines.append(f"{pad}{'}' if isinstance(value, dict) else ']'}{suffix}")

    emit(document, 0, "", "")
    return "\n".join(lines) + "\n"
