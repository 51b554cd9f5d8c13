"""Calls of the user's own Numba functions (`Op.CALL`, staging/interop.py) in CPU programs.

Three jobs, each about what Numba knows of a user function:

- `result_types` (trace time, installed into staging by the runtime): Numba's own type
  inference for the call, on read-only arrays of the traced dtypes and ranks (see
  staging/interop.py for why read-only answers "does it write into an argument" and
  "may a result share memory with one"), plus the result shapes, from one call on
  zero-filled arguments of the traced shapes.
- `emit_call` (writing the program): a plain call of the dispatcher, so that the user's
  options (`cache=True`, `fastmath`, `parallel`, ...) are the dispatcher's own; array
  results are made C-contiguous and their shapes checked against the traced ones.
- `user_function` (when a program is imported): how a program reaches a function that
  cannot be imported by its module path (one defined in a local scope).

How a program names the function, and the disk cache. A function importable by
`module.name` is imported by it, with a fingerprint of its code and options in the line,
so a program text that names an edited function is another text (another file, another
module in `cache.py`'s table). Any other function is registered here under a token
holding its id and fingerprint; the registry keeps it alive, so the id is never reused
for another function within the process, and a program text naming it is never served
with another function. Programs that call user functions are compiled without Numba's
`cache=True`: Numba's cache would keep machine code in which the callee is compiled in,
and it cannot see the callee (or what the callee calls) change. The callee's own cache
is the user's choice and stays on.

Numba is imported only inside `result_types`: writing program text needs none.
"""

from __future__ import annotations

import threading

import numpy as np

from autograph.codegen.cpu.text import strip
from autograph.codegen.emitter import CodegenError
from autograph.errors import AutographError
from autograph.ir.graph import Node
from autograph.ir.rules import call_results
from autograph.ir.types import TensorType

_REGISTRY: dict[str, object] = {}
_lock = threading.Lock()


# ---- trace time: what Numba says the call returns -------------------------------------

def _numba_type(t: TensorType, readonly: bool):
    from numba import types
    from numba.np.numpy_support import from_dtype

    if t.shape:
        return types.Array(from_dtype(t.dtype), len(t.shape), "C", readonly=readonly)
    if t.weak:  # a Python scalar: what numba.typeof gives a Python bool/int/float/complex
        return {"b": types.boolean, "i": types.int64, "u": types.int64, "f": types.float64,
                "c": types.complex128}[t.dtype.kind]
    return from_dtype(t.dtype)


_wrappers: dict[tuple[int, int], object] = {}


def _wrapper(fn, n: int):
    """An njit function calling `fn` with `n` arguments: typing it types the call as a
    program would make it (dispatchers, vectorize and stencil functions alike)."""
    key = (id(fn), n)
    found = _wrappers.get(key)
    if found is None:
        import numba

        names = ", ".join(f"a{i}" for i in range(n))
        namespace = {"fn": fn}
        exec(f"def call({names}):\n    return fn({names})\n", namespace)
        found = _wrappers[key] = (numba.njit(namespace["call"]), fn)  # fn kept alive
    return found[0]


def _typing_error(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(("During:", "File ", "^"))]
    return " ".join(useful[:6])[:600]


def _return_type(wrapper, signature):
    return wrapper.overloads[tuple(signature)].signature.return_type


def _result(rtype, name: str) -> tuple[int | None, np.dtype]:
    """(ndim, dtype) of one result, ndim None for a scalar."""
    from numba import types
    from numba.np.numpy_support import as_dtype

    if isinstance(rtype, types.Array):
        if not rtype.mutable:
            raise AutographError(
                f"{name} returns an array that may share memory with an argument (a view "
                f"of it, or the argument itself), which a converted function cannot follow; "
                f"return a copy (`.copy()`)")
        return rtype.ndim, as_dtype(rtype.dtype)
    if isinstance(rtype, (types.Boolean, types.Integer, types.Float, types.Complex)):
        return None, as_dtype(rtype)
    if isinstance(rtype, types.NoneType):
        raise AutographError(f"{name} returns None: a numba function called with traced "
                             f"values in a converted function must return its results")
    raise AutographError(f"{name} returns {rtype}; a converted function can take arrays, "
                         f"numbers and tuples of them from a numba function")


def result_types(function, arg_types, examples) -> tuple[list[TensorType], bool]:
    """The call's result types, as Numba infers them, and whether it returns a tuple.

    Raises AutographError naming the function when Numba cannot type the call, when the
    function writes into an argument, or when a result may alias an argument."""
    from numba import types
    from numba.core.errors import NumbaError

    name = function.name
    wrapper = _wrapper(function.fn, len(arg_types))
    readonly = tuple(_numba_type(t, True) for t in arg_types)
    try:
        wrapper.compile(readonly)
    except NumbaError as exc:
        writable = tuple(_numba_type(t, False) for t in arg_types)
        if writable != readonly:
            try:
                wrapper.compile(writable)
            except NumbaError:
                pass
            else:
                raise AutographError(
                    f"{name} writes into an argument (or passes it to code that may): a "
                    f"converted function cannot follow writes made inside a numba function; "
                    f"return the new values instead") from None
        shown = ", ".join(str(t) for t in arg_types)
        raise AutographError(f"numba cannot compile {name} for arguments ({shown}): "
                             f"{_typing_error(exc)}") from None
    rtype = _return_type(wrapper, readonly)
    is_tuple = isinstance(rtype, types.BaseTuple)
    parts = [_result(t, name) for t in (rtype if is_tuple else (rtype,))]
    if is_tuple and not parts:
        raise AutographError(f"{name} returns an empty tuple")
    shapes: list = [()] * len(parts)
    if any(ndim is not None for ndim, _ in parts):
        try:
            out = function.fn(*examples)
        except Exception as exc:
            raise AutographError(
                f"cannot find the result shape of {name}: calling it on zero-filled "
                f"arguments of the traced shapes raised {type(exc).__name__}: {exc}") from None
        shapes = [np.shape(o) for o in (out if is_tuple else (out,))]
    results = [TensorType(tuple(shape) if ndim is not None else (), dtype)
               for (ndim, dtype), shape in zip(parts, shapes)]
    return results, is_tuple


# ---- run time: programs reach functions that have no import path --------------------------

def register(function) -> str:
    """A token under which a program finds `function.fn` (kept alive here)."""
    token = f"{function.qualname}#{id(function.fn):x}#{function.fingerprint}"
    with _lock:
        _REGISTRY[token] = function.fn
    return token


def user_function(token: str):
    """The function a program registered as `token` (called when the program is imported)."""
    try:
        return _REGISTRY[token]
    except KeyError:
        raise AutographError(f"a generated program refers to the user function {token!r}, "
                             f"which this process has not registered (a program calling a "
                             f"function from a local scope cannot be imported by another "
                             f"process)") from None


# ---- writing the program ------------------------------------------------------------------

def _import_line(function, alias: str) -> list[str]:
    what = f"numba {function.kind} function {function.name}, code {function.fingerprint}"
    if "." not in function.qualname and function.importable():
        return [f"from {function.module} import {function.qualname} as {alias}  # {what}"]
    token = register(function)
    return ["from autograph.codegen.cpu import interop as _ui",
            f"{alias} = _ui.user_function({token!r})  # {what}: not importable by name"]


def emit_call(p, node: Node) -> None:
    function = node.attrs["function"]
    name = node.attrs["name"]
    alias = p.user_function(function, _import_line)
    args = []
    for v in node.inputs:
        text = strip(p.ref(v))
        if v.type.shape and v not in p.contiguous:  # a view: the typing was for C arrays
            text = f"np.ascontiguousarray({text})"
        args.append(text)
    results = call_results(node.attrs)
    if len(results) != len(node.outputs):
        raise CodegenError(f"numba_cpu: call of {name}: {len(node.outputs)} outputs for "
                           f"{len(results)} declared results")
    call = f"{alias}({', '.join(args)})"
    packed = bool(node.attrs.get("tuple", False))
    if packed:
        whole = p.scratch("returned")
        p.em.line(f"{whole} = {call}", f"call {name}")
        exprs = [f"{whole}[{k}]" for k in range(len(results))]
    else:
        exprs = [call]
    arrays = []
    for k, (out, t, expr) in enumerate(zip(node.outputs, results, exprs)):
        target = p.name(out)
        if not t.shape:
            p.em.line(f"{target} = {expr}", None if packed else f"call {name}")
            continue
        p.em.line(f"{target} = np.ascontiguousarray({expr})", None if packed else f"call {name}")
        shape = "(" + "".join(f"{d}, " for d in t.shape).rstrip(" ") + ")"
        with p.em.block(f"if {target}.shape != {shape}"):
            p.em.line(f'raise ValueError("{name} returned an array of another shape than '
                      f'{shape}, its shape while tracing: a converted function needs result '
                      f'shapes that do not depend on the values of the arguments")')
        for other, other_t in arrays:  # two results of one buffer: each gets its own
            if other_t.dtype == t.dtype:
                with p.em.block(f"if np.shares_memory({target}, {other})"):
                    p.em.line(f"{target} = {target}.copy()")
        arrays.append((target, t))
        p.contiguous.add(out)


__all__ = ["emit_call", "register", "result_types", "user_function"]
