"""One codec per attribute kind: how an op's attributes are written and read back.

`schema.ATTR_SPECS` says which attributes each op has and of which kind; this module says
what each kind looks like in JSON. Both directions sit side by side in `CODECS`, so a new
kind is one row, and the reader can never accept a form the writer does not produce.

| kind           | Python value                        | JSON                                 |
| -------------- | ----------------------------------- | ------------------------------------ |
| bool           | bool                                | true / false                         |
| int            | int                                 | 3                                    |
| int_or_none    | int or None                         | 3 / null                             |
| ints, axes     | tuple of ints                       | [1, 0]                               |
| shape          | tuple of ints (-1 allowed: reshape) | [2, -1]                              |
| dtype          | np.dtype                            | "f32"                                |
| dtype_or_none  | np.dtype or None                    | "f32" / null                         |
| str            | str                                 | "\\n"                                |
| scalar         | Python or NumPy scalar              | {"type": "float", "value": 0.5}      |
| constant       | ndarray or Python scalar            | an array or a scalar (values.py)     |
| index          | tuple of entry tuples (indexing.py) | [["int", 0], ["slice", 1, null, 2]]  |
| template       | tuple of str and int                | ["x =", 0]                           |
| function       | a user's function (CALL)            | refused: the graph would need code   |
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from autograph.errors import AutographError
from autograph.ir.types import DTYPE_NAMES, canonical_dtype
from autograph.serialization import values
from autograph.serialization.schema import ExportError, Limits
from autograph.serialization.validate import (expect_bool, expect_int, expect_list,
                                              expect_str, fail)

_INT_RANGE = (-(2**63), 2**63 - 1)


@dataclasses.dataclass
class WriteContext:
    """What encoders need: where large constants go."""

    inline_limit: int
    store: Callable[[np.ndarray], str]


@dataclasses.dataclass
class ReadContext:
    """What decoders need: the limits and access to params.npz members."""

    limits: Limits
    load_stored: Callable[[str, str], np.ndarray]


# ---- encoders (graph -> JSON) ------------------------------------------------------

def _int(value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ExportError(f"expected an integer, got {value!r}")
    return int(value)


def _ints(value) -> list:
    try:
        return [_int(v) for v in value]
    except TypeError:
        raise ExportError(f"expected a sequence of integers, got {value!r}") from None


def _dtype(value) -> str:
    try:
        return DTYPE_NAMES[canonical_dtype(value)]
    except AutographError as exc:
        raise ExportError(exc.message) from None


def _str(value) -> str:
    if not isinstance(value, str):
        raise ExportError(f"expected a string, got {value!r}")
    return value


def _bool(value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ExportError(f"expected a bool, got {value!r}")
    return bool(value)


def _encode_index(index) -> list:
    out = []
    for entry in index:
        kind = entry[0]
        if kind == "slice":
            out.append(["slice"] + [None if p is None else _int(p) for p in entry[1:]])
        elif kind == "newaxis":
            out.append(["newaxis"])
        elif kind in ("int", "dyn", "array"):
            out.append([kind, _int(entry[1])])
        else:
            raise ExportError(f"unknown index entry {entry!r}")
    return out


def _encode_template(template) -> list:
    out = []
    for piece in template:
        out.append(_str(piece) if isinstance(piece, str) else _int(piece))
    return out


def _encode_constant(value, ctx: WriteContext) -> dict:
    if isinstance(value, np.ndarray):
        return values.encode_array(value, ctx.inline_limit, ctx.store)
    return values.encode_scalar(value)


# ---- decoders (JSON -> graph), each checking everything it reads -------------------

def _read_int(v, where, ctx):
    return expect_int(v, where, *_INT_RANGE)


def _read_int_or_none(v, where, ctx):
    return None if v is None else _read_int(v, where, ctx)


def _read_ints(v, where, ctx):
    items = expect_list(v, where, ctx.limits.max_ndim)
    return tuple(expect_int(x, f"{where}[{i}]", *_INT_RANGE) for i, x in enumerate(items))


def _read_shape(v, where, ctx):
    return values.decode_shape(v, where, ctx.limits, allow_minus_one=True)


def _read_dtype_or_none(v, where, ctx):
    return None if v is None else values.decode_dtype(v, where)


def _read_index(v, where, ctx):
    entries = expect_list(v, where, 2 * ctx.limits.max_ndim)
    out = []
    for i, entry in enumerate(entries):
        at = f"{where}[{i}]"
        if not isinstance(entry, list) or not entry:
            raise fail(at, "an index entry is a non-empty list")
        kind = expect_str(entry[0], f"{at}[0]", 16)
        sizes = {"int": 2, "dyn": 2, "array": 2, "slice": 4, "newaxis": 1}
        if kind not in sizes:
            raise fail(at, f"unknown index entry kind {kind!r}")
        expect_list(entry, at, 4, exact=sizes[kind])
        if kind == "slice":
            out.append(("slice",) + tuple(
                None if p is None else expect_int(p, f"{at}[{k + 1}]", *_INT_RANGE)
                for k, p in enumerate(entry[1:])))
        elif kind == "newaxis":
            out.append(("newaxis",))
        else:
            lo = _INT_RANGE[0] if kind == "int" else 0
            out.append((kind, expect_int(entry[1], f"{at}[1]", lo, _INT_RANGE[1])))
    return tuple(out)


def _read_template(v, where, ctx):
    pieces = expect_list(v, where, ctx.limits.max_list)
    out = []
    for i, piece in enumerate(pieces):
        at = f"{where}[{i}]"
        out.append(expect_str(piece, at, ctx.limits.max_string) if isinstance(piece, str)
                   else expect_int(piece, at, 0, ctx.limits.max_list))
    return tuple(out)


def _read_constant(v, where, ctx: ReadContext):
    if isinstance(v, dict) and "array" in v:
        return values.decode_array(v, where, ctx.limits, ctx.load_stored)
    scalar = values.decode_scalar(v, where)
    # CONSTANT holds NumPy scalars as 0-d arrays (a strong value), Python scalars as such.
    return np.asarray(scalar) if isinstance(scalar, np.generic) else scalar


def _refuse_function(value, ctx):
    raise ExportError(f"the graph calls the user's function {value!r}: an exported graph "
                      f"holds no code, so it could not be loaded without it; export a "
                      f"function that does not call numba functions, or use pickle")


def _read_function(v, where, ctx):
    raise fail(where, "a graph that calls a user's function cannot be loaded")


# kind -> (encode(value, ctx) -> JSON, decode(JSON, where, ctx) -> value)
CODECS: dict[str, tuple[Callable, Callable]] = {
    "bool": (lambda v, c: _bool(v), lambda v, w, c: expect_bool(v, w)),
    "int": (lambda v, c: _int(v), _read_int),
    "int_or_none": (lambda v, c: None if v is None else _int(v), _read_int_or_none),
    "ints": (lambda v, c: _ints(v), _read_ints),
    "axes": (lambda v, c: _ints(v), _read_ints),
    "shape": (lambda v, c: _ints(v), _read_shape),
    "dtype": (lambda v, c: _dtype(v), lambda v, w, c: values.decode_dtype(v, w)),
    "dtype_or_none": (lambda v, c: None if v is None else _dtype(v), _read_dtype_or_none),
    "str": (lambda v, c: _str(v), lambda v, w, c: expect_str(v, w, c.limits.max_string)),
    "scalar": (lambda v, c: values.encode_scalar(v), lambda v, w, c: values.decode_scalar(v, w)),
    "constant": (_encode_constant, _read_constant),
    "index": (lambda v, c: _encode_index(v), _read_index),
    "template": (lambda v, c: _encode_template(v), _read_template),
    "function": (_refuse_function, _read_function),
}


def encode_attr(kind: str, value: Any, ctx: WriteContext):
    return CODECS[kind][0](value, ctx)


def decode_attr(kind: str, value: Any, where: str, ctx: ReadContext):
    return CODECS[kind][1](value, where, ctx)
