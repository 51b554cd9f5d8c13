"""The type rule of every op: input types and attributes -> output types.

Shapes follow explicit rules (never an allocation of the real size); dtypes are asked of
NumPy itself (`ufunc.resolve_dtypes`, or NumPy run on one-element stand-ins), so they
follow NumPy 2 / NEP 50 exactly, Python-scalar weakness included. An elementwise result is
weak only when every input is (Python scalar arithmetic stays a Python scalar); every
other op yields strong values, as NumPy functions return NumPy values.

`RULES` maps each op to `rule(input_types, attrs) -> list[TensorType]`; control-flow rules
also take the regions' signatures. Errors are StagingErrors whose message names the op and
the offending types, e.g. "matmul: f32[3,4] @ f32[5,2]: inner dimensions 4 and 5 differ".
"""

from __future__ import annotations

import functools
import math
from typing import Callable, Sequence

import numpy as np

from autograph.errors import StagingError
from autograph.ir import indexing, linalg_fft
from autograph.ir.ops import (BINARY, CONTROL_FLOW, MULTI_AXIS_REDUCTION, UFUNC, UNARY, Op)
from autograph.ir.types import TensorType, canonical_dtype, example_value, python_type_of

# A region's signature as the rules see it: (param types, result types).
RegionSig = tuple[Sequence[TensorType], Sequence[TensorType]]


def infer(op: Op, input_types: Sequence[TensorType], attrs=None,
          regions: Sequence[RegionSig] = ()) -> list[TensorType]:
    """The output types of `op` applied to values of `input_types` with `attrs`.

    `regions` is needed only by control-flow ops: one (param types, result types) pair per
    region. Raises StagingError when the op cannot apply.
    """
    attrs = {} if attrs is None else attrs
    input_types = list(input_types)
    try:
        if op in CONTROL_FLOW:
            return _CONTROL_RULES[op](input_types, attrs, list(regions))
        if regions:
            raise StagingError(f"{op}: takes no regions")
        return RULES[op](input_types, attrs)
    except KeyError as exc:
        raise StagingError(f"{op}: missing attribute {exc}") from None


def _fmt(types: Sequence[TensorType]) -> str:
    return ", ".join(str(t) for t in types)


def _arity(op: Op, types, n: int) -> None:
    if len(types) != n:
        raise StagingError(f"{op}: expects {n} input(s), got {len(types)} ({_fmt(types)})")


def _all_weak(types) -> bool:
    return bool(types) and all(t.weak for t in types)


def broadcast_shapes(*types: TensorType) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*(t.shape for t in types)))
    except ValueError:
        raise StagingError("cannot broadcast " + " with ".join(str(t) for t in types)) from None


def _dtype_operand(t: TensorType):
    """The weak Python type or the dtype, as `resolve_dtypes` accepts (bool is never weak)."""
    pt = python_type_of(t)
    return np.dtype(np.bool_) if pt is bool else pt


@functools.lru_cache(maxsize=None)
def _ufunc_dtype(ufunc: np.ufunc, operands: tuple) -> np.dtype:
    return ufunc.resolve_dtypes(operands + (None,))[-1]


def _elementwise_dtype(op: Op, types: Sequence[TensorType]) -> np.dtype:
    try:
        return _ufunc_dtype(UFUNC[op], tuple(_dtype_operand(t) for t in types))
    except TypeError as exc:  # UFuncTypeError and "boolean subtract is not supported" alike
        raise StagingError(f"{op}: not defined for {_fmt(types)} ({exc})") from None


def _elementwise_rule(op: Op) -> Callable:
    arity = UFUNC[op].nin

    def rule(types, attrs):
        _arity(op, types, arity)
        shape = broadcast_shapes(*types)
        dtype = _elementwise_dtype(op, types)
        return [TensorType(shape, dtype, _all_weak(types) and shape == ())]

    rule.__doc__ = f"NumPy's {UFUNC[op].__name__}: broadcast shapes, resolve_dtypes dtype."
    return rule


def _cast_rule(types, attrs):
    _arity(Op.CAST, types, 1)
    weak = bool(attrs.get("weak", False))
    if weak and types[0].shape != ():
        raise StagingError(f"cast: only 0-d values can be cast weakly, not {types[0]}")
    return [TensorType(types[0].shape, canonical_dtype(attrs["dtype"]), weak)]


def _unit(t: TensorType) -> TensorType:
    """`t` with every dimension 1: what a dtype question about `t` depends on (a cache key)."""
    return TensorType((1,) * t.ndim, t.dtype, t.weak)


@functools.lru_cache(maxsize=None)
def _where_dtype(units: tuple[TensorType, ...]) -> np.dtype:
    return np.asarray(np.where(*(example_value(t, 0) for t in units))).dtype


def _where_rule(types, attrs):
    _arity(Op.WHERE, types, 3)
    shape = broadcast_shapes(*types)
    dtype = _where_dtype(tuple(_unit(t) for t in types))
    return [TensorType(shape, dtype, _all_weak(types) and shape == ())]


def _constant_rule(types, attrs):
    _arity(Op.CONSTANT, types, 0)
    value = attrs["value"]
    if isinstance(value, (bool, int, float, complex)) and not isinstance(value, np.generic):
        return [TensorType.of_python(value)]
    if not isinstance(value, (np.ndarray, np.generic)):
        raise StagingError(f"constant: value must be an ndarray or a Python scalar, "
                           f"not {type(value).__name__}")
    return [TensorType.of_array(value)]


# ---- reductions -------------------------------------------------------------------

_REDUCER = {Op.SUM: np.sum, Op.PROD: np.prod, Op.MAX: np.max, Op.MIN: np.min,
            Op.MEAN: np.mean, Op.ANY: np.any, Op.ALL: np.all,
            Op.ARGMAX: np.argmax, Op.ARGMIN: np.argmin}
_NO_IDENTITY = {Op.MAX, Op.MIN, Op.ARGMAX, Op.ARGMIN}


@functools.lru_cache(maxsize=None)
def _reduction_dtype(op: Op, dtype: np.dtype) -> np.dtype:
    return np.asarray(_REDUCER[op](np.ones((1,), dtype), axis=0)).dtype


def _check_axis(op: Op, axis, t: TensorType) -> int:
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise StagingError(f"{op}: axis must be an int, not {axis!r}")
    if not -t.ndim <= axis < t.ndim:
        raise StagingError(f"{op}: axis {axis} is out of bounds for {t}")
    return int(axis) % t.ndim


def _reduction_rule(op: Op) -> Callable:
    def rule(types, attrs):
        _arity(op, types, 1)
        (x,) = types
        keepdims = bool(attrs.get("keepdims", False))
        if op in MULTI_AXIS_REDUCTION:
            axes = tuple(attrs["axes"])
            norm = tuple(_check_axis(op, a, x) for a in axes)
            if norm != tuple(sorted(set(norm))) or norm != axes:
                raise StagingError(f"{op}: axes must be sorted, unique and non-negative, "
                                   f"got {axes}")
        else:
            axis = attrs.get("axis")
            norm = tuple(range(x.ndim)) if axis is None else (_check_axis(op, axis, x),)
        if op in _NO_IDENTITY and any(x.shape[a] == 0 for a in norm):
            raise StagingError(f"{op}: zero-size reduction over {x} has no identity")
        if keepdims:
            shape = tuple(1 if a in norm else d for a, d in enumerate(x.shape))
        else:
            shape = tuple(d for a, d in enumerate(x.shape) if a not in norm)
        return [TensorType(shape, _reduction_dtype(op, x.dtype))]

    return rule


# ---- linear algebra ---------------------------------------------------------------

def _matmul_rule(types, attrs):
    _arity(Op.MATMUL, types, 2)
    a, b = types
    if a.ndim == 0 or b.ndim == 0:
        raise StagingError(f"matmul: {a} @ {b}: operands must not be 0-d")
    ash = (1,) + a.shape if a.ndim == 1 else a.shape
    bsh = b.shape + (1,) if b.ndim == 1 else b.shape
    if ash[-1] != bsh[-2]:
        raise StagingError(f"matmul: {a} @ {b}: inner dimensions {ash[-1]} and {bsh[-2]} differ")
    try:
        batch = tuple(np.broadcast_shapes(ash[:-2], bsh[:-2]))
    except ValueError:
        raise StagingError(f"matmul: {a} @ {b}: batch dimensions cannot be broadcast") from None
    shape = batch + (ash[-2],) * (a.ndim > 1) + (bsh[-1],) * (b.ndim > 1)
    try:
        dtype = _ufunc_dtype(np.matmul, (a.dtype, b.dtype))
    except TypeError as exc:
        raise StagingError(f"matmul: not defined for {_fmt(types)} ({exc})") from None
    return [TensorType(shape, dtype)]


@functools.lru_cache(maxsize=None)
def _dot_dtype(a: TensorType, b: TensorType) -> np.dtype:
    """np.dot is not NEP 50-aware for Python scalars, so ask it rather than result_type."""
    return np.asarray(np.dot(example_value(a), example_value(b))).dtype


def _dot_rule(types, attrs):
    _arity(Op.DOT, types, 2)
    a, b = types
    if a.ndim == 0 or b.ndim == 0:
        shape = a.shape or b.shape
    else:
        contract_b = b.shape[-2] if b.ndim >= 2 else b.shape[0]
        if a.shape[-1] != contract_b:
            raise StagingError(f"dot: {a} . {b}: contracted dimensions {a.shape[-1]} and "
                               f"{contract_b} differ")
        shape = a.shape[:-1] + b.shape[:-2] + b.shape[-1:] * (b.ndim >= 2)
    try:
        dtype = _dot_dtype(_unit(a), _unit(b))
    except TypeError as exc:
        raise StagingError(f"dot: not defined for {_fmt(types)} ({exc})") from None
    return [TensorType(shape, dtype)]


# ---- shape ------------------------------------------------------------------------

def _shape_attr(op: Op, shape) -> tuple[int, ...]:
    try:
        return tuple(int(d) for d in shape)
    except TypeError:
        raise StagingError(f"{op}: shape must be a tuple of ints, not {shape!r}") from None


def _reshape_rule(types, attrs):
    _arity(Op.RESHAPE, types, 1)
    (x,) = types
    shape = list(_shape_attr(Op.RESHAPE, attrs["shape"]))
    if shape.count(-1) > 1 or any(d < -1 for d in shape):
        raise StagingError(f"reshape: invalid shape {tuple(shape)}")
    known = math.prod(d for d in shape if d != -1)
    if -1 in shape:
        if known == 0 or x.size % known:
            raise StagingError(f"reshape: cannot reshape {x} into {tuple(shape)}")
        shape[shape.index(-1)] = x.size // known
    if math.prod(shape) != x.size:
        raise StagingError(f"reshape: cannot reshape {x} into {tuple(shape)}")
    return [TensorType(tuple(shape), x.dtype)]


def _transpose_rule(types, attrs):
    _arity(Op.TRANSPOSE, types, 1)
    (x,) = types
    perm = tuple(attrs["perm"])
    if sorted(perm) != list(range(x.ndim)):
        raise StagingError(f"transpose: {perm} is not a permutation of the axes of {x}")
    return [TensorType(tuple(x.shape[p] for p in perm), x.dtype)]


def _broadcast_to_rule(types, attrs):
    _arity(Op.BROADCAST_TO, types, 1)
    (x,) = types
    shape = _shape_attr(Op.BROADCAST_TO, attrs["shape"])
    ok = len(shape) >= x.ndim and all(
        d == s or d == 1 for d, s in zip(x.shape[::-1], shape[::-1]))
    if not ok or any(d < 0 for d in shape):
        raise StagingError(f"broadcast_to: cannot broadcast {x} to shape {shape}")
    return [TensorType(shape, x.dtype)]


def _concatenate_rule(types, attrs):
    if not types:
        raise StagingError("concatenate: needs at least one input")
    first = types[0]
    if first.ndim == 0:
        raise StagingError(f"concatenate: 0-d inputs cannot be concatenated ({_fmt(types)})")
    axis = _check_axis(Op.CONCATENATE, attrs["axis"], first)
    for t in types[1:]:
        same = t.ndim == first.ndim and all(
            d == e for i, (d, e) in enumerate(zip(t.shape, first.shape)) if i != axis)
        if not same:
            raise StagingError(f"concatenate: shapes {_fmt(types)} differ outside axis {axis}")
    shape = list(first.shape)
    shape[axis] = sum(t.shape[axis] for t in types)
    dtype = np.result_type(*(t.dtype for t in types))
    return [TensorType(tuple(shape), dtype)]


# ---- creation ---------------------------------------------------------------------

def _full_rule(types, attrs):
    _arity(Op.FULL, types, 0)
    shape = _shape_attr(Op.FULL, attrs["shape"])
    dtype = attrs.get("dtype")
    dtype = np.asarray(attrs["value"]).dtype if dtype is None else dtype
    return [TensorType(shape, dtype)]


def _arange_rule(types, attrs):
    _arity(Op.ARANGE, types, 0)
    start, stop, step = attrs["start"], attrs["stop"], attrs.get("step", 1)
    if step == 0:
        raise StagingError("arange: step cannot be zero")
    # NumPy's own length formula: ceil((stop - start) / step), at least 0.
    length = max(0, math.ceil((stop - start) / step))
    dtype = attrs.get("dtype")
    if dtype is None:
        dtype = np.result_type(*(np.asarray(v) for v in (start, stop, step)))
    return [TensorType((length,), dtype)]


def _eye_rule(types, attrs):
    _arity(Op.EYE, types, 0)
    n = int(attrs["n"])
    m = n if attrs.get("m") is None else int(attrs["m"])
    dtype = attrs.get("dtype")
    return [TensorType((n, m), np.float64 if dtype is None else dtype)]


# ---- indexing ---------------------------------------------------------------------

def _index_rule(types, attrs):
    if not types:
        raise StagingError("index: needs the indexed value")
    x, dynamic = types[0], types[1:]
    return [TensorType(indexing.index_shape(x, attrs["index"], dynamic), x.dtype)]


def _set_index_rule(types, attrs):
    if len(types) < 2:
        raise StagingError(f"set_index: needs the array and the value, got {_fmt(types)}")
    x, value, dynamic = types[0], types[1], types[2:]
    region = indexing.index_shape(x, attrs["index"], dynamic)
    vshape = value.shape
    while len(vshape) > len(region) and vshape[0] == 1:  # NumPy drops leading 1s here
        vshape = vshape[1:]
    ok = len(vshape) <= len(region) and all(
        v == r or v == 1 for v, r in zip(vshape[::-1], region[::-1]))
    if not ok:
        raise StagingError(f"set_index: cannot assign {value} to a region of shape {region} "
                           f"of {x}")
    return [x]


# ---- side effects -----------------------------------------------------------------

def _print_rule(types, attrs):
    template = attrs.get("template", ())
    for piece in template:
        if isinstance(piece, int) and not isinstance(piece, bool):
            if not 0 <= piece < len(types):
                raise StagingError(f"print: template refers to input {piece}, "
                                   f"but there are {len(types)}")
        elif not isinstance(piece, str):
            raise StagingError(f"print: template pieces must be str or int, not {piece!r}")
    return []


def _check_rule(types, attrs):
    if len(types) != 1 or types[0].shape != () or types[0].dtype != np.bool_:
        raise StagingError(f"check: expects one 0-d bool input, got {list(map(str, types))}")
    if attrs.get("error") not in ("AssertionError", "ValueError", "OverflowError",
                                  "IndexError"):
        raise StagingError(f"check: unknown error {attrs.get('error')!r}")
    return []


# ---- scans and random draws ---------------------------------------------------------

_SCANNER = {Op.CUMSUM: np.cumsum, Op.CUMPROD: np.cumprod}


def _scan_rule(op: Op) -> Callable:
    def rule(types, attrs):
        _arity(op, types, 1)
        (x,) = types
        if x.ndim == 0:
            raise StagingError(f"{op}: needs at least one dimension, got {x}")
        axis = _check_axis(op, attrs["axis"], x)
        if axis != attrs["axis"]:
            raise StagingError(f"{op}: axis must be non-negative, got {attrs['axis']}")
        dtype = _SCANNER[op](np.ones((1,), x.dtype)).dtype
        return [TensorType(x.shape, dtype)]
    return rule


def _sort_rule(op: Op) -> Callable:
    def rule(types, attrs):
        _arity(op, types, 1)
        (x,) = types
        if x.ndim == 0:
            raise StagingError(f"{op}: needs at least one dimension, got {x}")
        if x.dtype.kind not in "biuf":
            raise StagingError(f"{op}: sorts bool, integer and real values, not {x}")
        axis = _check_axis(op, attrs["axis"], x)
        if axis != attrs["axis"]:
            raise StagingError(f"{op}: axis must be non-negative, got {attrs['axis']}")
        return [TensorType(x.shape, x.dtype if op is Op.SORT else np.dtype(np.int64))]
    return rule


def _compress_rule(types, attrs):
    """COMPRESS(x, mask): x's shape and dtype (the capacity; the count is separate)."""
    _arity(Op.COMPRESS, types, 2)
    x, mask = types
    if x.ndim == 0 or mask.shape != x.shape[:1] or mask.dtype != np.bool_:
        raise StagingError(f"compress: expects an array and a 1-d bool mask of its first "
                           f"dimension, got {x}, {mask}")
    return [TensorType(x.shape, x.dtype)]


_DISTRIBUTIONS = {"uniform": "f", "normal": "f", "integers": "iu"}


def _random_rule(types, attrs):
    _arity(Op.RANDOM, types, 0)
    kind = attrs["distribution"]
    dtype = np.dtype(attrs["dtype"])
    if kind not in _DISTRIBUTIONS:
        raise StagingError(f"random: unknown distribution {kind!r}")
    if dtype.kind not in _DISTRIBUTIONS[kind]:
        raise StagingError(f"random: a {kind} draw cannot be {dtype}")
    if kind == "integers" and not attrs.get("low", 0) < attrs.get("high", 0):
        raise StagingError(f"random: integers need low < high, got {attrs.get('low')}, "
                           f"{attrs.get('high')}")
    return [TensorType(_shape_attr(Op.RANDOM, attrs["shape"]), dtype)]


# ---- control flow -----------------------------------------------------------------

def _is_bool_scalar(t: TensorType) -> bool:
    return t.shape == () and t.dtype == np.bool_


def _is_int_scalar(t: TensorType) -> bool:
    return t.shape == () and t.dtype.kind in "iu"


def _same(what: str, got: Sequence[TensorType], want: Sequence[TensorType]) -> None:
    if list(got) != list(want):
        raise StagingError(f"{what}: ({_fmt(got)}) differs from ({_fmt(want)})")


def _regions(op: Op, regions, n: int) -> None:
    if len(regions) != n:
        raise StagingError(f"{op}: expects {n} region(s), got {len(regions)}")


def _cond_rule(types, attrs, regions):
    _arity(Op.COND, types, 1)
    if not _is_bool_scalar(types[0]):
        raise StagingError(f"cond: the predicate must be a 0-d bool, not {types[0]}")
    _regions(Op.COND, regions, 2)
    (then_params, then_res), (else_params, else_res) = regions
    if then_params or else_params:
        raise StagingError("cond: branches take no parameters")
    _same("cond: else-branch results", else_res, then_res)
    return list(then_res)


def _while_rule(types, attrs, regions):
    _regions(Op.WHILE, regions, 2)
    (cond_params, cond_res), (body_params, body_res) = regions
    _same("while: cond parameters", cond_params, types)
    if len(cond_res) != 1 or not _is_bool_scalar(cond_res[0]):
        raise StagingError(f"while: cond must yield one 0-d bool, not ({_fmt(cond_res)})")
    _same("while: body parameters", body_params, types)
    _same("while: body results", body_res, types)
    return list(types)


def _for_rule(types, attrs, regions):
    if len(types) < 3 or not all(_is_int_scalar(t) for t in types[:3]):
        raise StagingError(f"for: start, stop and step must be 0-d integers, got "
                           f"({_fmt(types[:3])})")
    carried = types[3:]
    _regions(Op.FOR, regions, 1)
    ((params, results),) = regions
    if not params or params[0].shape != () or params[0].dtype != np.int64:
        raise StagingError(f"for: the body's first parameter must be the i64[] index, "
                           f"got ({_fmt(params)})")
    _same("for: body parameters", params[1:], carried)
    _same("for: body results", results, carried)
    return list(carried)


def call_results(attrs) -> list[TensorType]:
    """A CALL's declared output types (its `results` text: Numba typed them at trace time)."""
    return [TensorType.parse(t) for t in attrs["results"].split()]


def _call_rule(types, attrs):
    """The user's Numba function: its results are what Numba's inference said while
    tracing (staging/interop.py); this rule only reads them back."""
    return call_results(attrs)


# Control-flow rules take a third argument, the regions' signatures.
_CONTROL_RULES = {Op.COND: _cond_rule, Op.WHILE: _while_rule, Op.FOR: _for_rule}

RULES: dict[Op, Callable] = {
    **{op: _elementwise_rule(op) for op in (UNARY | BINARY) - {Op.CAST}},
    **{op: _reduction_rule(op) for op in _REDUCER},
    **_CONTROL_RULES,
    Op.CAST: _cast_rule,
    Op.WHERE: _where_rule,
    Op.CONSTANT: _constant_rule,
    Op.MATMUL: _matmul_rule,
    Op.DOT: _dot_rule,
    Op.RESHAPE: _reshape_rule,
    Op.TRANSPOSE: _transpose_rule,
    Op.BROADCAST_TO: _broadcast_to_rule,
    Op.CONCATENATE: _concatenate_rule,
    Op.FULL: _full_rule,
    Op.ARANGE: _arange_rule,
    Op.EYE: _eye_rule,
    Op.INDEX: _index_rule,
    Op.SET_INDEX: _set_index_rule,
    Op.PRINT: _print_rule,
    Op.CHECK: _check_rule,
    Op.CUMSUM: _scan_rule(Op.CUMSUM),
    Op.CUMPROD: _scan_rule(Op.CUMPROD),
    Op.RANDOM: _random_rule,
    Op.SORT: _sort_rule(Op.SORT),
    Op.COMPRESS: _compress_rule,
    Op.ARGSORT: _sort_rule(Op.ARGSORT),
    Op.CALL: _call_rule,
    **linalg_fft.RULES,
}
