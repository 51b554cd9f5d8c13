"""How types, scalars and arrays are written in graph.json, and read back checked.

JSON has no dtypes, no NaN and no complex numbers, so every number travels with its type:

- a type is `{"shape": [2, 3], "dtype": "f32", "weak": false}`;
- a scalar is `{"type": "float", "value": 0.5}`: `type` is a Python scalar type
  (`bool int float complex`, a weak value) or a dtype name (`f32`, a NumPy scalar);
- an array is `{"array": "f32", "shape": [2], "data": [1.0, 2.0]}` (nested lists, one
  level per dimension) or `{"array": "f32", "shape": [512, 256], "npz": "__const_0"}`
  (stored in params.npz).

A number is a JSON bool (bool dtype), integer (integer dtypes), number or one of the
strings "nan", "inf", "-inf" (floats), or a pair [re, im] of those (complex). The reader
checks each against its dtype's range: nothing a file says is handed to NumPy unchecked.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from autograph.errors import AutographError
from autograph.ir.types import DTYPE_NAMES, DTYPES_BY_NAME, TensorType, canonical_dtype
from autograph.serialization.schema import PARAM_KEY, ExportError, Limits
from autograph.serialization.validate import (INT64_MIN, UINT64_MAX, expect_bool, expect_int,
                                              expect_list, expect_number, expect_object,
                                              expect_str, fail)

_PYTHON_TAGS = {bool: "bool", int: "int", float: "float", complex: "complex"}
_PYTHON_DTYPES = {"bool": np.dtype(np.bool_), "int": np.dtype(np.int64),
                  "float": np.dtype(np.float64), "complex": np.dtype(np.complex128)}
_PYTHON_TYPES = {tag: t for t, tag in _PYTHON_TAGS.items()}


# ---- types ------------------------------------------------------------------------

def encode_type(ttype: TensorType) -> dict:
    return {"shape": list(ttype.shape), "dtype": DTYPE_NAMES[ttype.dtype], "weak": ttype.weak}


def decode_dtype(value: Any, where: str) -> np.dtype:
    name = expect_str(value, where, 16)
    if name not in DTYPES_BY_NAME:
        raise fail(where, f"unknown dtype {name!r} (known: {', '.join(DTYPES_BY_NAME)})")
    return DTYPES_BY_NAME[name]


def decode_shape(value: Any, where: str, limits: Limits, allow_minus_one=False) -> tuple:
    dims = expect_list(value, where, limits.max_ndim)
    lo = -1 if allow_minus_one else 0
    return tuple(expect_int(d, f"{where}[{i}]", lo, limits.max_dim) for i, d in enumerate(dims))


def decode_type(value: Any, where: str, limits: Limits) -> TensorType:
    record = expect_object(value, where, ("shape", "dtype", "weak"))
    shape = decode_shape(record["shape"], f"{where} > shape", limits)
    dtype = decode_dtype(record["dtype"], f"{where} > dtype")
    weak = expect_bool(record["weak"], f"{where} > weak")
    check_size(shape, where, limits)
    try:
        return TensorType(shape, dtype, weak)
    except AutographError as exc:
        raise fail(where, exc.message) from None


def check_size(shape: tuple, where: str, limits: Limits) -> None:
    if len(shape) > limits.max_ndim:
        raise fail(where, f"{len(shape)} dimensions exceed the limit {limits.max_ndim}")
    size = math.prod(shape)
    if size > limits.max_elements:
        raise fail(where, f"shape {shape} has {size} elements, more than the limit "
                          f"{limits.max_elements}")


# ---- numbers ----------------------------------------------------------------------

def _encode_float(x: float):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return float(x)


def _leaf_encoder(dtype: np.dtype) -> Callable[[Any], Any]:
    kind = dtype.kind
    if kind == "b":
        return bool
    if kind in "iu":
        return int
    if kind == "f":
        return lambda x: _encode_float(float(x))
    return lambda x: [_encode_float(complex(x).real), _encode_float(complex(x).imag)]


def _check_float(x: float, dtype: np.dtype, where: str) -> float:
    if math.isfinite(x) and abs(x) > float(np.finfo(dtype).max):
        raise fail(where, f"{x!r} is out of range for {DTYPE_NAMES[dtype]}")
    return x


def _leaf_decoder(dtype: np.dtype, python: bool = False) -> Callable[[Any, str], Any]:
    kind = dtype.kind
    if kind == "b":
        return expect_bool
    if kind in "iu":
        lo, hi = ((INT64_MIN, UINT64_MAX) if python
                  else (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)))
        return lambda v, where: expect_int(v, where, lo, hi)
    if kind == "f":
        return lambda v, where: _check_float(expect_number(v, where), dtype, where)
    part = np.finfo(dtype).dtype  # complex64 -> float32: the range of each part

    def complex_leaf(v, where):
        re_im = expect_list(v, where, 2, exact=2)
        re, im = (_check_float(expect_number(x, f"{where}[{i}]"), part, where)
                  for i, x in enumerate(re_im))
        return complex(re, im)

    return complex_leaf


# ---- scalars ----------------------------------------------------------------------

def encode_scalar(value) -> dict:
    """A Python bool/int/float/complex (weak) or NumPy scalar / 0-d array (strong)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.generic):
        dtype = _canonical(value.dtype)
        return {"type": DTYPE_NAMES[dtype], "value": _leaf_encoder(dtype)(value.item())}
    for pytype in (bool, int, float, complex):  # bool before int: bool is an int
        if isinstance(value, pytype):
            if pytype is int and not INT64_MIN <= value <= UINT64_MAX:
                raise ExportError(f"the integer {value} does not fit 64 bits")
            return {"type": _PYTHON_TAGS[pytype],
                    "value": _leaf_encoder(_PYTHON_DTYPES[_PYTHON_TAGS[pytype]])(value)}
    raise ExportError(f"cannot write {type(value).__name__} value {value!r} as a scalar")


def decode_scalar(value: Any, where: str):
    record = expect_object(value, where, ("type", "value"))
    tag = expect_str(record["type"], f"{where} > type", 16)
    if tag in _PYTHON_DTYPES:
        leaf = _leaf_decoder(_PYTHON_DTYPES[tag], python=True)(record["value"],
                                                                f"{where} > value")
        return _PYTHON_TYPES[tag](leaf)
    dtype = decode_dtype(tag, f"{where} > type")
    return dtype.type(_leaf_decoder(dtype)(record["value"], f"{where} > value"))


# ---- arrays -----------------------------------------------------------------------

def _canonical(dtype) -> np.dtype:
    try:
        return canonical_dtype(dtype)
    except AutographError as exc:
        raise ExportError(exc.message) from None


def _nest(flat: list, shape: tuple) -> list:
    items = flat
    for d in reversed(shape[1:]):
        items = [items[i:i + d] for i in range(0, len(items), d)]
    return items


def encode_array(array: np.ndarray, inline_limit: int, store: Callable[[np.ndarray], str]) -> dict:
    """Inline nested lists when small; otherwise `store(array)` names its params.npz key."""
    dtype = _canonical(array.dtype)
    array = np.asarray(array, dtype)
    record = {"array": DTYPE_NAMES[dtype], "shape": list(array.shape)}
    if array.size > inline_limit:
        record["npz"] = store(array)
        return record
    leaf = _leaf_encoder(dtype)
    if array.size == 0:
        record["data"] = array.tolist()
    elif array.ndim == 0:
        record["data"] = leaf(array.item())
    else:
        record["data"] = _nest([leaf(x) for x in array.ravel().tolist()], array.shape)
    return record


def _flatten(data: Any, shape: tuple, where: str) -> list:
    """The leaves of nested lists that must have exactly `shape`; iterative, no recursion."""
    level = [data]
    for axis, d in enumerate(shape):
        nxt: list = []
        for item in level:
            if not isinstance(item, list) or len(item) != d:
                got = f"a list of {len(item)}" if isinstance(item, list) else type(item).__name__
                raise fail(where, f"data does not match shape {shape}: axis {axis} expects "
                                  f"lists of {d}, got {got}")
            nxt.extend(item)
        level = nxt
    return level


def decode_array(value: Any, where: str, limits: Limits,
                 load_stored: Callable[[str, str], np.ndarray]) -> np.ndarray:
    """An inline or stored array; `load_stored(key, where)` fetches a params.npz member."""
    if not isinstance(value, dict) or ("data" in value) == ("npz" in value):
        raise fail(where, "an array needs exactly one of 'data' and 'npz'")
    payload = "data" if "data" in value else "npz"
    record = expect_object(value, where, ("array", "shape", payload))
    dtype = decode_dtype(record["array"], f"{where} > array")
    shape = decode_shape(record["shape"], f"{where} > shape", limits)
    check_size(shape, where, limits)
    if payload == "npz":
        key = expect_str(record["npz"], f"{where} > npz", 64)
        if not PARAM_KEY.fullmatch(key):
            raise fail(f"{where} > npz", f"{key!r} is not a valid params key")
        array = load_stored(key, f"{where} > npz")
        if array.dtype != dtype or array.shape != shape:
            raise fail(where, f"params.npz member {key!r} is {array.dtype}{list(array.shape)}, "
                              f"but the graph says {DTYPE_NAMES[dtype]}{list(shape)}")
        return array
    if math.prod(shape) > limits.max_inline_elements:
        raise fail(where, f"inline data of {math.prod(shape)} elements exceeds the limit "
                          f"{limits.max_inline_elements}")
    leaves = _flatten(record["data"], shape, f"{where} > data")
    leaf = _leaf_decoder(dtype)
    decoded = [leaf(x, f"{where} > data") for x in leaves]
    return np.array(decoded, dtype=dtype).reshape(shape)
