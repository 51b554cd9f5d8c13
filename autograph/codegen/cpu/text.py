"""How the CPU backend writes scalars, dtypes and indices as Python text for Numba.

Every emitter (`cpu_elementwise`, `cpu_reductions`, ...) builds expressions as strings,
and they must agree on a few things for the program to compute what NumPy 2 computes:

- Typed literals: a constant is written in its dtype (`np.float32(0.5)`, `(-3)` for
  int64), so Numba types it as NumPy would (NEP 50), never as a Python float.
- Conversions follow NumPy's unsafe casting (`convert`), and results of arithmetic on
  dtypes Numba widens (small integers are computed in int64) are wrapped back
  (`arithmetic_result`: `np.int32(a + b)`).
- Which dtypes an elementwise op computes in is NumPy's own choice
  (`ufunc.resolve_dtypes`, `loop_dtypes`).
- Parentheses: expressions nest, so `atom` adds them where an operator follows and
  `strip` removes one outer pair at statement level, which keeps the text readable.

These are pure functions of their arguments (no program state): the writer
(`cpu_writer`) and the emitters share them, so they live apart from both.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Sequence

import numpy as np

from autograph.codegen.emitter import enclosed
from autograph.ir.graph import Node
from autograph.ir.ops import UFUNC, Op
from autograph.ir.types import TensorType, python_type_of

INT64 = np.dtype(np.int64)
UINT64 = np.dtype(np.uint64)
FLOAT64 = np.dtype(np.float64)
BOOL = np.dtype(np.bool_)
COMPLEX128 = np.dtype(np.complex128)


# ---- dtypes and literals ----------------------------------------------------------------

def dtype_ref(dtype) -> str:
    """How the program names a dtype: `np.float32`, `np.bool_`."""
    dt = np.dtype(dtype)
    return "np.bool_" if dt == BOOL else f"np.{dt.name}"


def _float_text(x: float, dtype: np.dtype) -> str:
    if math.isnan(x):
        return "np.nan"
    if math.isinf(x):
        return "np.inf" if x > 0 else "-np.inf"
    return repr(float(x)) if dtype == FLOAT64 else str(np.float32(x))


def literal(value, dtype) -> str:
    """`value` converted to `dtype` as NumPy converts it, written as a typed literal."""
    dt = np.dtype(dtype)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        v = np.asarray(value).astype(dt)[()]
    if dt.kind == "b":
        return "True" if v else "False"
    if dt.kind in "iu":
        text = str(int(v))
        if dt == INT64:
            return f"({text})" if text.startswith("-") else text
        return f"{dtype_ref(dt)}({text})"
    if dt.kind == "f":
        text = _float_text(float(v), dt)
        if dt == FLOAT64:
            return f"({text})" if text.startswith("-") else text
        return f"{dtype_ref(dt)}({text})"
    part = np.dtype(np.float64)
    text = f"complex({_float_text(float(v.real), part)}, {_float_text(float(v.imag), part)})"
    return text if dt == COMPLEX128 else f"{dtype_ref(dt)}({text})"


def nested_list(array: np.ndarray) -> str:
    """`array` as nested Python lists of literal texts NumPy reads back exactly."""
    if array.ndim == 0:
        return f"[{_element(array[()], array.dtype)}]"

    def walk(a) -> str:
        if a.ndim == 1:
            return "[" + ", ".join(_element(x, a.dtype) for x in a) + "]"
        return "[" + ", ".join(walk(x) for x in a) + "]"

    return walk(array)


def _element(x, dtype: np.dtype) -> str:
    if dtype.kind == "b":
        return "True" if x else "False"
    if dtype.kind in "iu":
        return str(int(x))
    if dtype.kind == "f":
        return _float_text(float(x), dtype)
    return f"complex({_float_text(float(x.real), FLOAT64)}, {_float_text(float(x.imag), FLOAT64)})"


# ---- parentheses ------------------------------------------------------------------------

def _is_atom(expr: str) -> bool:
    """Whether `expr` can take a subscript, attribute or operator without parentheses."""
    if expr.startswith("-"):
        return False
    depth = 0
    for i, ch in enumerate(expr):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and (ch in " +-*/%<>=!&|^~,:" and i > 0):
            return False
    return True


def atom(expr: str) -> str:
    return expr if _is_atom(expr) else f"({expr})"


def strip(expr: str) -> str:
    """`expr` without one pair of enclosing parentheses (statement level)."""
    if enclosed(expr):
        inner = expr[1:-1]
        if "," not in inner or not _top_level_comma(inner):  # (a, b) is a tuple
            return inner
    return expr


def _top_level_comma(expr: str) -> bool:
    depth = 0
    for ch in expr:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            return True
    return False


def is_cheap(expr: str) -> bool:
    """A name, a literal, or a subscript of a name by names and literals."""
    if "(" in expr and not expr.startswith(("np.", "complex(")):
        return False
    if expr.startswith(("np.", "complex(")):
        return expr.count("(") == 1 and "[" not in expr and not any(c in expr for c in "+*/%")
    return all(c.isalnum() or c in "_[], ." for c in expr)


# ---- conversions ------------------------------------------------------------------------

def wrap(expr: str, dtype) -> str:
    """`expr`, whatever Numba typed it as, made a scalar of `dtype`."""
    dt = np.dtype(dtype)
    if dt == BOOL:
        return f"({strip(expr)} != 0)"
    return f"{dtype_ref(dt)}({strip(expr)})"


def convert(expr: str, src, dst) -> str:
    """A scalar of dtype `src` converted to `dst` with NumPy's casting (unsafe) rules."""
    src, dst = np.dtype(src), np.dtype(dst)
    if src == dst:
        return expr
    if dst.kind == "b":
        return f"({atom(expr)} != 0)"
    if src.kind == "c" and dst.kind != "c":
        return wrap(f"{atom(expr)}.real", dst)
    return wrap(expr, dst)


def _closed(dtype: np.dtype) -> bool:
    """Whether Numba's arithmetic on two scalars of `dtype` stays in `dtype` (small ints
    are computed in int64, everything 64-bit and every float stays put)."""
    return dtype.kind in "fc" or dtype in (INT64, UINT64)


def arithmetic_result(expr: str, computed: np.dtype, out: np.dtype) -> str:
    """An arithmetic result computed on `computed` operands, as a scalar of `out`."""
    if computed == out and _closed(out):
        return expr
    return wrap(expr, out)


def truth(expr: str, dtype: np.dtype) -> str:
    """A scalar of `dtype` as a bool, as NumPy's logical ops read it (nonzero)."""
    return expr if dtype.kind == "b" else f"({atom(expr)} != 0)"


# ---- types, shapes and indices ----------------------------------------------------------

def numba_type(t: TensorType) -> str:
    """The Numba type of an input: a scalar, or a C-contiguous array (`float32[:, ::1]`)."""
    scalar = "boolean" if t.dtype == BOOL else t.dtype.name
    if not t.shape:
        return scalar
    return f"{scalar}[{':, ' * (t.ndim - 1)}::1]"


def shape_text(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def subscript(name: str, index: Sequence[str]) -> str:
    return f"{name}[{', '.join(index)}]" if index else name


def broadcast_index(shape: Sequence[int], index: Sequence[str],
                    space: Sequence[int]) -> list[str]:
    """How an operand of `shape` is indexed at `index`, a position in the (broadcast)
    iteration `space`: dimensions aligned at the right, size-1 ones pinned at 0, and
    extra leading dimensions (size 1, as NumPy's assignment allows) pinned at 0."""
    offset = len(space) - len(shape)
    return ["0" if offset + k < 0 or d == 1 else index[offset + k]
            for k, d in enumerate(shape)]


def node_comment(node: Node) -> str:
    """The trailing comment of a node's statement: its op and operand types."""
    ins = ", ".join(str(v.type) for v in node.inputs)
    return f"{node.op} {ins}".rstrip()


# ---- the dtypes elementwise ops compute in ------------------------------------------------

def _operand_dtype(t: TensorType):
    pt = python_type_of(t)
    return BOOL if pt is bool else pt


_PYTHON_SCALAR_DTYPES = {bool: np.dtype(np.bool_), int: np.dtype(np.int64),
                         float: np.dtype(np.float64), complex: np.dtype(np.complex128)}


@functools.lru_cache(maxsize=None)
def _ufunc_loop(op: Op, operands: tuple) -> tuple[tuple[np.dtype, ...], np.dtype]:
    if all(isinstance(o, type) for o in operands):
        # Only Python scalars: NumPy would pick its object loop; compute as the values'
        # default dtypes do (the rule gives the same result type).
        operands = tuple(_PYTHON_SCALAR_DTYPES[o] for o in operands)
    dts = UFUNC[op].resolve_dtypes(operands + (None,))
    return tuple(dts[:-1]), dts[-1]


def loop_dtypes(node: Node) -> tuple[tuple[np.dtype, ...], np.dtype]:
    """The dtypes an elementwise node computes in: (per input, result), NumPy's choice."""
    out = node.outputs[0].type.dtype
    if node.op is Op.CAST:
        return (node.inputs[0].type.dtype,), out
    if node.op is Op.WHERE:
        return (node.inputs[0].type.dtype, out, out), out
    ins, _ = _ufunc_loop(node.op, tuple(_operand_dtype(v.type) for v in node.inputs))
    return ins, out
