"""How the CUDA backend writes the driver's own text: shapes, constants, labels, loop dtypes.

The kernel bodies' text (typed literals, conversions, index arithmetic, reduction and
product kernels) is `scalars`'; what is left is the few pieces the writer
(`cuda_writer`) and several emitters share when they write the host driver and name
kernels:

- `shape_text`: a shape as a Python tuple, `(5,)` for one dimension;
- `constant_lines`: the module-level array constants of a program, small ones as
  lists (readable), larger ones as base64 (short), then one `rt.DeviceConstants` that
  copies them to the device once per program;
- `kernel_label` / `ops_comment`: the name suffix of a kernel (`_k0_mul_add_tanh`) and
  the driver comment of an elementwise group, from the ops they compute;
- `loop_dtypes`: the dtypes NumPy's own loop computes an elementwise node's operands in
  (`ufunc.resolve_dtypes`), so kernels convert exactly where NumPy 2 does.

These are pure functions of their arguments (no program state), so they live apart from
the writer and the emitters, which all import them.
"""

from __future__ import annotations

import base64

import numpy as np

from autograph.codegen.cuda import scalars as ck
from autograph.codegen.emitter import CodegenError
from autograph.ir.graph import Node
from autograph.ir.ops import UFUNC, Op
from autograph.ir.types import python_type_of

# Array constants up to this many elements are written as lists, larger ones as base64.
INLINE_CONSTANT = 64


def shape_text(shape) -> str:
    """`shape` as a Python tuple literal: `(3, 4)`, `(5,)`, `()`."""
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def constant_lines(constants: list[np.ndarray]) -> list[str]:
    """The module-level lines defining `_c0`, `_c1`, ... and `_consts` (none if empty)."""
    lines = []
    for k, array in enumerate(constants):
        dtype = f"np.{array.dtype.name}"
        if array.size <= INLINE_CONSTANT:
            values = [bool(v) if array.dtype == np.bool_ else
                      (int(v) if array.dtype.kind in "iu" else float(v)) for v in array.ravel()]
            text = repr(values).replace("inf", "math.inf").replace("nan", "math.nan")
            lines.append(f"_c{k} = np.array({text}, {dtype}).reshape({shape_text(array.shape)})")
        else:
            data = base64.b64encode(array.tobytes()).decode("ascii")
            lines.append(f"_c{k} = np.frombuffer(base64.b64decode({data!r}), {dtype})"
                         f".reshape({shape_text(array.shape)})")
    if constants:
        names = ", ".join(f"_c{k}" for k in range(len(constants)))
        lines.append(f"_consts = rt.DeviceConstants([{names}])")
    return lines


def kernel_label(nodes: list[Node]) -> str:
    """A kernel's name suffix from the ops it computes: the last three, `_etc` if more."""
    names = [n.op.printed_name for n in nodes]
    return "_".join(names[-3:]) + ("_etc" if len(names) > 3 else "")


def ops_comment(nodes: list[Node]) -> str:
    """The driver comment naming a group's ops (shortened past four)."""
    ops_text = [n.op.printed_name for n in nodes]
    return " ".join(ops_text if len(ops_text) <= 4 else
                    ops_text[:2] + ["...", ops_text[-1], f"({len(ops_text)} ops)"])


def loop_dtypes(node: Node) -> list[np.dtype]:
    """The dtypes NumPy's loop computes an elementwise node's operands in."""
    op, out = node.op, node.outputs[0].type.dtype
    if op is Op.CAST:
        return [out]
    if op is Op.WHERE:
        return [ck.BOOL, out, out]
    operands = []
    for v in node.inputs:
        pt = python_type_of(v.type)
        operands.append(np.dtype(np.bool_) if pt is bool else pt)
    try:
        resolved = UFUNC[op].resolve_dtypes(tuple(operands) + (None,))
        if any(d.kind == "O" for d in resolved):
            # Only Python scalars (`i < n`, both weak): NumPy picks its object loop, which
            # kernels cannot run; the weak values' own dtypes (int64, float64) give the
            # answer Python's scalars would.
            resolved = UFUNC[op].resolve_dtypes(tuple(v.type.dtype for v in node.inputs)
                                                + (None,))
    except TypeError as exc:
        raise CodegenError(f"cuda: {op} is not defined for "
                           f"{', '.join(str(v.type) for v in node.inputs)} ({exc})") from None
    return list(resolved[:-1])
