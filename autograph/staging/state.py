"""State variables of staged branches and loops: what their leaves are, how a leaf becomes
an IR value inside a region, and how types meet where two paths join.

A state variable is any Python value, possibly a container (pytrees.py). Its leaves are:

- *tensor-like*: tensors, Python numbers (weak), NumPy scalars and arrays (strong) — they
  flow through the region as IR values;
- *static*: anything else (None, strings, objects), which must be the same on both sides;
- *undefined*: `Undefined` (no value yet) or `UndefinedReturnValue` (no `return` ran yet).

Two sides meet at the end of an `if` (branches.py: true / false branch) and at the end of
a loop body (loops.py: before the loop / after one iteration). Their types are unified by
NumPy's promotion only where a weak Python scalar meets something (`y = 0` on one side,
`y = x.sum()` on the other); otherwise they must agree, and the error names the variable
and both types.
"""

from __future__ import annotations

import numpy as np

from autograph import ir
from autograph.ir.ops import Op
from autograph.ir.types import TensorType, python_type_of
from autograph.staging.variables import Undefined, UndefinedReturnValue
from autograph.staging.caller_arrays import merge as merge_aliases
from autograph.staging.tensor import Tensor

NUMBERS = (bool, int, float, complex)


def is_undefined(value) -> bool:
    return isinstance(value, (Undefined, UndefinedReturnValue))


def is_tensor_like(value) -> bool:
    if isinstance(value, (Tensor, np.generic, np.ndarray)):
        return not isinstance(value, np.ndarray) or value.dtype.kind in "biufc"
    return isinstance(value, NUMBERS)


def same_static(a, b) -> bool:
    """Whether two non-tensor leaves are the same value (so no region result is needed)."""
    if a is b:
        return True
    if type(a) is not type(b) or isinstance(a, (Tensor, np.ndarray)):
        return False
    if isinstance(a, (float, complex, np.inexact)):  # -0.0 == 0.0, but 1/-0.0 is -inf
        return np.asarray(a).tobytes() == np.asarray(b).tobytes()
    try:
        return bool((a == b) is True or (isinstance(a, np.generic) and a == b))
    except Exception:
        return False


def describe(value) -> str:
    if isinstance(value, Tensor):
        return str(value.type)
    if isinstance(value, (np.ndarray, np.generic)):
        return str(TensorType.of_array(value))
    if isinstance(value, NUMBERS):
        return f"the Python {type(value).__name__} {value!r}"
    if value is None:
        return "None"
    if is_undefined(value):
        return "undefined"
    return f"a {type(value).__name__}"


def label_of(name: str) -> str:
    return "the return value" if name.startswith("retval_") else f"'{name}'"


# ---- values inside (possibly closed) regions --------------------------------------------


def value_of(leaf, ctx, region: ir.Region | None, origin) -> ir.Value:
    """The IR value of a tensor-like leaf, made in `region` (None: the current region)."""
    if isinstance(leaf, Tensor):
        # A branch result is read after its region closed, by the node that owns it.
        return leaf.region_result() if region is not None else leaf.value
    if isinstance(leaf, np.ndarray):
        return ctx.capture(leaf)
    constant = np.asarray(leaf) if isinstance(leaf, np.generic) else leaf
    return _add(ctx, region, Op.CONSTANT, [], origin, value=constant)


def _add(ctx, region, op, inputs, origin, **attrs) -> ir.Value:
    if region is None:
        return ctx.emit(op, inputs, origin=origin, **attrs)
    return region.add_node(op, inputs, attrs, origin=origin).outputs[0]


def coerce(value: ir.Value, ttype: TensorType, ctx, region, origin) -> ir.Value:
    """`value` cast to `ttype` (same shape) if its dtype or weakness differ."""
    if value.type == ttype:
        return value
    return _add(ctx, region, Op.CAST, [value], origin, dtype=ttype.dtype, weak=ttype.weak)


def zeros(ttype: TensorType, ctx, region, origin) -> ir.Value:
    """A zero of `ttype`: what an unset return value holds on paths that did not return."""
    if ttype.weak:
        zero = _add(ctx, region, Op.CONSTANT, [], origin, value=python_type_of(ttype)(0))
        return coerce(zero, ttype, ctx, region, origin)
    return _add(ctx, region, Op.FULL, [], origin, shape=ttype.shape, dtype=ttype.dtype, value=0)


def _weak_example(t: TensorType):
    return python_type_of(t)(0)


def unify(types) -> TensorType | None:
    """The common type of values meeting at a join, or None if they cannot meet.

    Equal types meet as they are. Weak Python scalars adapt to a strong partner when NumPy
    would keep the partner's dtype (`0` with f32[] gives f32[]), and to each other by
    promotion (`0` with `0.5` gives a weak f64). Anything else is an error for the caller.
    """
    first = types[0]
    if all(t == first for t in types):
        return first
    if any(t.shape != first.shape for t in types):
        return None
    strong = {t.dtype for t in types if not t.weak}
    weak = [t for t in types if t.weak]
    if len(strong) > 1:
        return None
    if strong:
        (dtype,) = strong
        if any(np.result_type(_weak_example(w), dtype) != dtype for w in weak):
            return None
        return TensorType(first.shape, dtype)
    return TensorType((), np.result_type(*(_weak_example(w) for w in weak)), True)


def alias_of(*leaves):
    """The alias of a value that is one of `leaves` (caller_arrays.merge)."""
    return merge_aliases(*(leaf._alias if isinstance(leaf, Tensor) else None
                           for leaf in leaves))
