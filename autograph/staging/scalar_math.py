"""Python's `math` functions and `round` on traced 0-d values: staged, not concretised.

Why a module of its own: `math.sqrt(t)` calls `float(t)`, which needs a concrete value,
so without an overload a converted function cannot take the square root of a traced
scalar the Python way. Converted code routes these calls here (via `builtins.OVERLOADS`,
which `operators/py_builtins.py` consults) when an argument is a tensor. Each keeps
Python's result type: `math.sqrt` and friends give a float (a weak float64, which comes
back as a Python float), `math.floor`/`math.ceil` an int, `math.isnan`/`math.isinf` a
bool. A size-1 array is accepted, as Python accepts one.

Where Python raises (`math.sqrt(-1.0)`, `math.log(0.0)`: "math domain error") the staged
function cannot: it returns NaN or -inf, as NumPy does.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import numpy_api as api
from autograph.staging.tensor import Tensor, apply, cast, lift

_F64 = np.dtype(np.float64)


def _operand(value, name: str) -> Tensor:
    t = lift(value)
    if t.size != 1:
        raise TypeError(f"only length-1 arrays can be converted to Python scalars "
                        f"(math.{name}())")
    if t.dtype.kind == "c":
        raise TypeError(f"must be real number, not complex (math.{name}())")
    t = api.reshape(t, ()) if t.ndim else t
    return cast(t, _F64)


def _float_result(op: Op, name: str):
    def staged(*args):
        return cast(apply(op, *(_operand(a, name) for a in args)), _F64, weak=True)
    staged.__name__ = name
    return staged


def _int_result(op: Op, name: str):
    def staged(x):
        t = lift(x)
        if t.size == 1 and t.dtype.kind in "iub":
            return cast(api.reshape(t, ()) if t.ndim else t, np.int64, weak=True)
        return cast(apply(op, _operand(t, name)), np.int64, weak=True)
    staged.__name__ = name
    return staged


def _bool_result(op: Op, name: str):
    def staged(x):
        return cast(apply(op, _operand(x, name)), np.bool_, weak=True)
    staged.__name__ = name
    return staged


OVERLOADS = {
    math.sqrt: _float_result(Op.SQRT, "sqrt"),
    math.exp: _float_result(Op.EXP, "exp"),
    math.log: None,  # below: an optional base
    math.log2: _float_result(Op.LOG2, "log2"),
    math.log10: _float_result(Op.LOG10, "log10"),
    math.log1p: _float_result(Op.LOG1P, "log1p"),
    math.expm1: _float_result(Op.EXPM1, "expm1"),
    math.sin: _float_result(Op.SIN, "sin"),
    math.cos: _float_result(Op.COS, "cos"),
    math.tan: _float_result(Op.TAN, "tan"),
    math.asin: _float_result(Op.ARCSIN, "asin"),
    math.acos: _float_result(Op.ARCCOS, "acos"),
    math.atan: _float_result(Op.ARCTAN, "atan"),
    math.sinh: _float_result(Op.SINH, "sinh"),
    math.cosh: _float_result(Op.COSH, "cosh"),
    math.tanh: _float_result(Op.TANH, "tanh"),
    math.fabs: _float_result(Op.ABS, "fabs"),
    math.atan2: _float_result(Op.ARCTAN2, "atan2"),
    math.hypot: _float_result(Op.HYPOT, "hypot"),
    math.pow: _float_result(Op.POW, "pow"),
    math.floor: _int_result(Op.FLOOR, "floor"),
    math.ceil: _int_result(Op.CEIL, "ceil"),
    math.trunc: _int_result(Op.TRUNC, "trunc"),
    math.isnan: _bool_result(Op.ISNAN, "isnan"),
    math.isinf: _bool_result(Op.ISINF, "isinf"),
    math.isfinite: _bool_result(Op.ISFINITE, "isfinite"),
}


def _log(x, base=None):
    result = apply(Op.LOG, _operand(x, "log"))
    if base is not None:
        result = apply(Op.TRUEDIV, result, apply(Op.LOG, _operand(base, "log")))
    return cast(result, _F64, weak=True)


def _round(number, ndigits=None):
    """round(t): `Tensor.__round__` (installed by numpy_math) has Python's meaning."""
    return lift(number).__round__(ndigits)


OVERLOADS[math.log] = _log
OVERLOADS[builtins.round] = _round


def _numpy_scalar_type(scalar_type):
    """`np.float32(t)`: NumPy converts (casts) its argument, an array or a scalar."""
    dtype = np.dtype(scalar_type)

    def convert(value=0, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"np.{dtype.name}() takes one argument inside a converted function")
        return cast(lift(value), dtype)
    return convert


for _type in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
              np.uint64, np.float32, np.float64, np.complex64, np.complex128):
    OVERLOADS[_type] = _numpy_scalar_type(_type)

__all__ = ["OVERLOADS"]
