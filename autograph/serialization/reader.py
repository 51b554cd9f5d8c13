"""Records -> graph: the security boundary. A loaded file is data, never code.

Everything read is checked before it is used (`validate.py`), then the graph is rebuilt
the way the tracer builds one: each node through `Region.add_node`, so its output types
are recomputed by the op's type rule and must equal the recorded ones; every value use
is resolved against what is defined at that point (no dangling or out-of-scope ids);
finally `ir.verify` checks the whole. Nothing from the file is evaluated, unpickled or
placed into program text: value names are left to the code generators' namers, and only
strings matching `schema.IDENTIFIER` survive as hints (others are dropped; graph and
input names, which must exist, are sanitised to identifiers). Every failure is a
LoadError saying where in the file it is.
"""

from __future__ import annotations

import math
import re
from typing import Any, BinaryIO

import numpy as np

from autograph.errors import AutographError, LoadError
from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import REGION_NAMES, Op
from autograph.ir.types import TensorType
from autograph.ir.verifier import verify
from autograph.serialization import attrs as attr_codecs, safejson
from autograph.serialization.npzfile import read_params
from autograph.serialization.schema import (ATTR_SPECS, FORMAT, IDENTIFIER, OPS_BY_NAME,
                                            PARAM_KEY, READABLE_VERSIONS, VERSION, Limits,
                                            SavedOrigin,
                                            sanitize_name)
from autograph.serialization.validate import (expect_int, expect_list, expect_object,
                                              expect_str, fail)
from autograph.serialization.values import decode_type

_TOP_FIELDS = ("format", "version", "generator", "name", "inputs", "nodes", "outputs",
               "origins")
_INPUT_FIELDS = ("id", "name", "kind", "key", "type", "hint")
_VALUE_FIELDS = ("id", "type", "hint")
_NODE_FIELDS = ("op", "inputs", "attrs", "regions", "outputs", "origin")
_REGION_FIELDS = ("name", "params", "nodes", "results")
_ORIGIN_FIELDS = ("file", "line", "column", "function", "source")
_MAX_ID = 2**53
# Everything Python or str.splitlines could take for a line break, and other controls.
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
# What a type rule may raise on attributes it was never meant to see; all mean "invalid".
_RULE_ERRORS = (AutographError, TypeError, ValueError, OverflowError, ArithmeticError,
                IndexError, KeyError)


class _Scope:
    """The values visible at a point: ids defined so far here, then in enclosing regions."""

    def __init__(self, parent: _Scope | None = None):
        self.values: dict[int, Value] = {}
        self.parent = parent

    def find(self, value_id: int) -> Value | None:
        scope = self
        while scope is not None:
            if value_id in scope.values:
                return scope.values[value_id]
            scope = scope.parent
        return None


class _Reader:
    def __init__(self, limits: Limits, stored: dict[str, np.ndarray]):
        self.limits = limits
        self.stored = stored
        self.used_keys: set[str] = set()
        self.defined: set[int] = set()
        self.node_count = 0
        self.value_bytes = 0
        self.origin_table: list[SavedOrigin] = []
        self.ctx = attr_codecs.ReadContext(limits, self.load_stored)

    # -- params.npz -----------------------------------------------------------------

    def load_stored(self, key: str, where: str) -> np.ndarray:
        if key not in self.stored:
            raise fail(where, f"params.npz has no member {key!r}")
        if key in self.used_keys:
            raise fail(where, f"params.npz member {key!r} is used twice")
        self.used_keys.add(key)
        return self.stored[key]

    # -- values ---------------------------------------------------------------------

    def hint(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        text = expect_str(value, where, self.limits.max_string)
        return text if IDENTIFIER.fullmatch(text) else None  # anything else is dropped

    def new_id(self, value: Any, where: str) -> int:
        value_id = expect_int(value, where, 0, _MAX_ID)
        if value_id in self.defined:
            raise fail(where, f"value id {value_id} is defined twice")
        self.defined.add(value_id)
        return value_id

    def use(self, value: Any, scope: _Scope, where: str) -> Value:
        value_id = expect_int(value, where, 0, _MAX_ID)
        found = scope.find(value_id)
        if found is None:
            problem = ("is defined in another region and is not visible here"
                       if value_id in self.defined else "is not defined before this point")
            raise fail(where, f"value id {value_id} {problem}")
        return found

    def value_records(self, records: Any, where: str) -> list[tuple[int, TensorType, str | None]]:
        out = []
        for i, rec in enumerate(expect_list(records, where, self.limits.max_list)):
            at = f"{where}[{i}]"
            rec = expect_object(rec, at, _VALUE_FIELDS)
            out.append((self.new_id(rec["id"], f"{at} > id"),
                        decode_type(rec["type"], f"{at} > type", self.limits),
                        self.hint(rec["hint"], f"{at} > hint")))
        return out

    def origins(self, value: Any) -> list[SavedOrigin]:
        return [self.origin_record(rec, f"origins[{i}]") for i, rec in
                enumerate(expect_list(value, "origins", self.limits.max_list))]

    def origin(self, value: Any, where: str) -> SavedOrigin | None:
        """A node's origin: null, or an index into the file's `origins` table."""
        if value is None:
            return None
        return self.origin_table[expect_int(value, where, 0, len(self.origin_table) - 1)]

    def origin_record(self, value: Any, where: str) -> SavedOrigin:
        """One line of user source. Its texts lose line breaks and control characters: a
        code generator or message that quotes them can never be made to start a new line."""
        rec = expect_object(value, where, _ORIGIN_FIELDS)

        def text(field: str) -> str:
            raw = expect_str(rec[field], f"{where} > {field}", self.limits.max_string)
            return _CONTROL.sub(" ", raw)

        return SavedOrigin(text("file"),
                           expect_int(rec["line"], f"{where} > line", 0, 2**31),
                           expect_int(rec["column"], f"{where} > column", 0, 2**31),
                           text("function"), text("source"))

    # -- graph structure ------------------------------------------------------------

    def nodes(self, records: Any, region: Region, scope: _Scope, where: str, depth: int):
        records = expect_list(records, where, self.limits.max_nodes)
        self.node_count += len(records)
        if self.node_count > self.limits.max_nodes:
            raise fail(where, f"more than the limit of {self.limits.max_nodes} nodes")
        for i, rec in enumerate(records):
            self.node(rec, region, scope, f"{where}[{i}]", depth)

    def region(self, value: Any, expected_name: str, scope: _Scope, where: str,
               depth: int) -> Region:
        if depth > self.limits.max_region_depth:
            raise fail(where, f"regions nested deeper than the limit of "
                              f"{self.limits.max_region_depth}")
        rec = expect_object(value, where, _REGION_FIELDS)
        name = expect_str(rec["name"], f"{where} > name", 64)
        if name != expected_name:
            raise fail(where, f"region is named {name[:64]!r}, expected {expected_name!r}")
        inner = _Scope(scope)
        params = []
        for index, (value_id, ttype, hint) in enumerate(
                self.value_records(rec["params"], f"{where} > params")):
            param = Value(ttype, None, index, hint)
            inner.values[value_id] = param
            params.append(param)
        region = Region(params)
        self.nodes(rec["nodes"], region, inner, f"{where} > nodes", depth)
        results = expect_list(rec["results"], f"{where} > results", self.limits.max_list)
        region.results = [self.use(v, inner, f"{where} > results[{i}]")
                          for i, v in enumerate(results)]
        return region

    def attrs(self, op: Op, value: Any, where: str) -> dict:
        spec = ATTR_SPECS[op]
        required = tuple(name for name, (_, req) in spec.items() if req)
        optional = tuple(name for name, (_, req) in spec.items() if not req)
        rec = expect_object(value, where, required, optional)
        return {name: attr_codecs.decode_attr(spec[name][0], v, f"{where} > {name}", self.ctx)
                for name, v in rec.items()}

    def node(self, value: Any, region: Region, scope: _Scope, where: str, depth: int) -> None:
        rec = expect_object(value, where, _NODE_FIELDS)
        op_name = expect_str(rec["op"], f"{where} > op", 32)
        if op_name not in OPS_BY_NAME:
            raise fail(f"{where} > op", f"unknown op {op_name!r}")
        op = OPS_BY_NAME[op_name]
        where = f"{where} ({op_name})"
        inputs = [self.use(v, scope, f"{where} > inputs[{i}]") for i, v in
                  enumerate(expect_list(rec["inputs"], f"{where} > inputs", self.limits.max_list))]
        attrs = self.attrs(op, rec["attrs"], f"{where} > attrs")
        names = REGION_NAMES.get(op, ())
        region_recs = expect_list(rec["regions"], f"{where} > regions", len(names),
                                  exact=len(names))
        regions = [self.region(r, names[i], scope, f"{where} > regions[{i}]", depth + 1)
                   for i, r in enumerate(region_recs)]
        outputs = self.value_records(rec["outputs"], f"{where} > outputs")
        origin = self.origin(rec["origin"], f"{where} > origin")
        node = self.add(region, op, inputs, attrs, regions, origin, where)
        got = [v.type for v in node.outputs]
        recorded = [t for _, t, _ in outputs]
        if got != recorded:
            raise fail(where, f"recorded output types ({', '.join(map(str, recorded))}) differ "
                              f"from the op's type rule ({', '.join(map(str, got))})")
        self.budget(node.outputs, where)
        for (value_id, _, hint), out in zip(outputs, node.outputs):
            out.hint = hint
            scope.values[value_id] = out

    def add(self, region: Region, op: Op, inputs, attrs, regions, origin, where) -> Node:
        try:
            return region.add_node(op, inputs, attrs, regions, origin)
        except _RULE_ERRORS as exc:
            message = exc.message if isinstance(exc, AutographError) else str(exc)
            raise fail(where, f"the op's type rule rejects it: {message}") from None

    def budget(self, outputs: list[Value], where: str) -> None:
        """Counts the bytes a call would allocate for these outputs: every constant and
        intermediate of the graph together (each node once, however often a loop runs it)
        must fit `max_value_bytes`, so no file makes a call allocate what it claims."""
        self.value_bytes += sum(math.prod(v.type.shape) * v.type.dtype.itemsize
                                for v in outputs)
        if self.value_bytes > self.limits.max_value_bytes:
            raise fail(where, f"the graph's values need more than the limit of "
                              f"{self.limits.max_value_bytes} bytes together")

    # -- the whole file -------------------------------------------------------------

    def inputs(self, records: Any, scope: _Scope) -> tuple[list[Value], list[str], dict]:
        params: list[Value] = []
        names: list[str] = []
        arrays: dict[int, np.ndarray] = {}
        for i, rec in enumerate(expect_list(records, "inputs", self.limits.max_list)):
            at = f"inputs[{i}]"
            rec = expect_object(rec, at, _INPUT_FIELDS)
            value_id = self.new_id(rec["id"], f"{at} > id")
            name = expect_str(rec["name"], f"{at} > name", self.limits.max_name)
            ttype = decode_type(rec["type"], f"{at} > type", self.limits)
            value = Value(ttype, None, i, self.hint(rec["hint"], f"{at} > hint"))
            kind = expect_str(rec["kind"], f"{at} > kind", 16)
            if kind == "param":
                key = expect_str(rec["key"], f"{at} > key", 64)
                if not PARAM_KEY.fullmatch(key):
                    raise fail(f"{at} > key", f"{key!r} is not a valid params key")
                array = self.load_stored(key, f"{at} ({name[:64]!r})")
                if array.dtype != ttype.dtype or array.shape != ttype.shape:
                    raise fail(at, f"param {name[:64]!r} in params.npz is "
                                   f"{array.dtype}{list(array.shape)}, but the input is {ttype}")
                arrays[i] = array
            elif kind == "argument":
                if rec["key"] is not None:
                    raise fail(f"{at} > key", "an argument has no params key (null)")
            else:
                raise fail(f"{at} > kind", f"expected 'argument' or 'param', got {kind[:32]!r}")
            scope.values[value_id] = value
            params.append(value)
            names.append(sanitize_name(name, f"arg{i}"))
        return params, _unique(names), arrays

    def dynamic(self, pairs: Any, outputs: list[Value]) -> tuple:
        """[buffer, count] output pairs (version 2): distinct outputs, an i64[] count."""
        out, seen = [], set()
        for i, pair in enumerate(expect_list(pairs, "dynamic_outputs", self.limits.max_list)):
            at = f"dynamic_outputs[{i}]"
            b, c = (expect_int(k, at, 0, len(outputs) - 1)
                    for k in expect_list(pair, at, 2, exact=2))
            if b == c or {b, c} & seen or outputs[b].type.ndim == 0 \
                    or outputs[c].type != TensorType((), np.int64):
                raise fail(at, "expected distinct [buffer, i64[] count] outputs")
            seen |= {b, c}
            out.append((b, c))
        return tuple(out)

    def graph(self, doc: Any) -> tuple[Graph, dict[str, np.ndarray]]:
        _check_header(doc)
        expect_object(doc, "graph.json", _TOP_FIELDS,
                      ("dynamic_outputs",) if doc["version"] != VERSION else ())
        expect_str(doc["generator"], "generator", self.limits.max_name)
        name = sanitize_name(expect_str(doc["name"], "name", self.limits.max_name), "loaded")
        self.origin_table = self.origins(doc["origins"])
        scope = _Scope()
        params, names, arrays = self.inputs(doc["inputs"], scope)
        body = Region(params)
        graph = Graph(name, body, names)
        self.nodes(doc["nodes"], body, scope, "nodes", 0)
        outputs = expect_list(doc["outputs"], "outputs", self.limits.max_list)
        body.results = [self.use(v, scope, f"outputs[{i}]") for i, v in enumerate(outputs)]
        self.dynamic_outputs = self.dynamic(doc.get("dynamic_outputs", []), body.results)
        extra = sorted(set(self.stored) - self.used_keys)
        if extra:
            shown = ", ".join(repr(k) for k in extra[:5])
            raise LoadError(f"params.npz holds member(s) {shown} that the graph does not use")
        try:
            verify(graph)
        except AutographError as exc:
            raise LoadError(f"the loaded graph is invalid: {exc.message}") from None
        return graph, {names[i]: array for i, array in arrays.items()}


def _check_header(doc: Any) -> None:
    if not isinstance(doc, dict):
        raise LoadError("graph.json: expected a JSON object at the top level")
    if doc.get("format") != FORMAT:
        shown = doc.get("format")
        shown = shown[:40] if isinstance(shown, str) else shown
        raise LoadError(f"graph.json: not an autograph graph (format is {shown!r}, "
                        f"expected {FORMAT!r})")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) \
            or version not in READABLE_VERSIONS:
        shown = version if isinstance(version, (int, float)) else type(version).__name__
        raise LoadError(f"graph.json: unsupported version {shown!r}; this autograph reads "
                        f"versions {', '.join(map(str, READABLE_VERSIONS))}")


def _unique(names: list[str]) -> list[str]:
    """Names made distinct by suffixes `_1`, `_2`, ... (sanitising may merge two names)."""
    taken: set[str] = set()
    wanted = set(names)
    out = []
    for name in names:
        candidate, k = name, 0
        while candidate in taken or (candidate != name and candidate in wanted):
            k += 1
            candidate = f"{name[:58]}_{k}"
        taken.add(candidate)
        out.append(candidate)
    return out


def read_graph(graph_json: bytes, params_file: str | BinaryIO,
               limits: Limits) -> tuple[Graph, dict[str, np.ndarray]]:
    """The graph in `graph_json` with its params from `params_file` (a path or binary file).

    Returns (graph, params by input name); LoadError on anything invalid or unsafe.
    """
    if len(graph_json) > limits.max_json_bytes:
        raise LoadError(f"graph.json is {len(graph_json)} bytes, more than the limit "
                        f"{limits.max_json_bytes}")
    return read_graph_outputs(graph_json, params_file, limits)[:2]


def read_graph_outputs(graph_json: bytes, params_file: str | BinaryIO, limits: Limits
                       ) -> tuple[Graph, dict[str, np.ndarray], tuple]:
    """`read_graph`, plus the [buffer, count] output pairs of results whose length is
    known only at run time (schema version 2; empty for version 1)."""
    if len(graph_json) > limits.max_json_bytes:
        raise LoadError(f"graph.json is {len(graph_json)} bytes, more than the limit "
                        f"{limits.max_json_bytes}")
    document = safejson.loads(graph_json, limits.max_json_depth)
    _check_header(document)
    stored = read_params(params_file, limits)
    reader = _Reader(limits, stored)
    graph, params = reader.graph(document)
    return graph, params, reader.dynamic_outputs
